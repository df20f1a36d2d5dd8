namespace Crucible.Constitution.Checks;

/// <summary>The languages the checks know, recognised by file extension.</summary>
public enum SourceLanguage
{
    /// <summary>Not a source file the checks analyse.</summary>
    Other,
    /// <summary>C# (<c>.cs</c>): Roslyn syntax and semantic analysis.</summary>
    CSharp,
    /// <summary>Python (<c>.py</c>): text analysis.</summary>
    Python,
    /// <summary>Go (<c>.go</c>): text analysis.</summary>
    Go,
    /// <summary>JavaScript or TypeScript: text analysis.</summary>
    JavaScript,
}

/// <summary>Language and test-file conventions.</summary>
public static class SourceLanguages
{
    /// <summary>The language of <paramref name="path"/>.</summary>
    public static SourceLanguage Of(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".cs" => SourceLanguage.CSharp,
        ".py" => SourceLanguage.Python,
        ".go" => SourceLanguage.Go,
        ".js" or ".mjs" or ".cjs" or ".ts" or ".jsx" or ".tsx" => SourceLanguage.JavaScript,
        _ => SourceLanguage.Other,
    };

    /// <summary>True when the file name follows a test convention (<c>*Tests.cs</c>, <c>test_*.py</c>, <c>*_test.go</c>, <c>*.test.js</c>, ...).</summary>
    public static bool IsConventionalTestFile(string path)
    {
        var name = Path.GetFileName(path);
        var stem = Path.GetFileNameWithoutExtension(path);
        return Of(path) switch
        {
            SourceLanguage.CSharp => stem.EndsWith("Tests", StringComparison.Ordinal) || stem.EndsWith("Test", StringComparison.Ordinal),
            SourceLanguage.Python => name.StartsWith("test_", StringComparison.Ordinal) || stem.EndsWith("_test", StringComparison.Ordinal),
            SourceLanguage.Go => stem.EndsWith("_test", StringComparison.Ordinal),
            SourceLanguage.JavaScript => stem.EndsWith(".test", StringComparison.Ordinal) || stem.EndsWith(".spec", StringComparison.Ordinal),
            _ => false,
        };
    }
}

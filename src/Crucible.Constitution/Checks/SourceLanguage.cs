using Crucible.Core.Tasks;

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

    /// <summary>
    /// True when <see cref="TestConvention"/> names the path a test or test infrastructure (<c>*Tests.cs</c>,
    /// <c>test_*.py</c>, <c>conftest.py</c>, <c>*_test.go</c>, <c>*.test.js</c>, files under <c>tests/</c>, ...), by name.
    /// </summary>
    public static bool IsConventionalTestFile(string path) => TestConvention.Default.Classify(path).IsProtected;
}

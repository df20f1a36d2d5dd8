namespace Crucible.Core.Tasks;

/// <summary>The test runners Crucible can grade with, and the languages they serve.</summary>
public static class RunnerKinds
{
    /// <summary>C# with xunit (v3), compiled and run by the harness's fast path.</summary>
    public const string DotnetXunit = "dotnet-xunit";

    /// <summary>Python with pytest, results read from a harness-requested JUnit XML file.</summary>
    public const string Pytest = "pytest";

    /// <summary>Go with <c>go test</c>, results read from a harness-requested JSON event file.</summary>
    public const string GoTest = "go-test";

    /// <summary>Every supported runner.</summary>
    public static IReadOnlyList<string> All { get; } = [DotnetXunit, Pytest, GoTest];

    /// <summary>The default runner for a language, or null when the language is not supported.</summary>
    public static string? DefaultFor(string language) => language.ToLowerInvariant() switch
    {
        "csharp" or "c#" or "cs" => DotnetXunit,
        "python" or "py" => Pytest,
        "go" or "golang" => GoTest,
        _ => null,
    };

    /// <summary>The canonical language name for a runner.</summary>
    public static string LanguageOf(string runner) => runner switch
    {
        DotnetXunit => "csharp",
        Pytest => "python",
        GoTest => "go",
        _ => throw new ArgumentOutOfRangeException(nameof(runner), runner, "unknown runner"),
    };
}

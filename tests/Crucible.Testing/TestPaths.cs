namespace Crucible.Testing;

/// <summary>
/// Locates the repository and the shared data beside it (<c>../shared</c> from the repository root).
/// Missing data fails loudly: no test silently skips because a folder is absent.
/// </summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);

    /// <summary>The repository root (the folder holding <c>Crucible.slnx</c>).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>The environment variable that points the tests at the shared data when it is not at <c>../shared</c>.</summary>
    public const string SharedDataVariable = "CRUCIBLE_SHARED_DATA";

    /// <summary>
    /// The shared data: the folder named by <see cref="SharedDataVariable"/> when set, else <c>../shared</c>
    /// relative to the repository root.
    /// </summary>
    public static string Shared => RequireDirectory(Environment.GetEnvironmentVariable(SharedDataVariable) is { Length: > 0 } fromEnvironment
        ? Path.GetFullPath(fromEnvironment)
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared")));

    /// <summary>The Exercism C# practice exercises.</summary>
    public static string ExercismPractice => RequireDirectory(Path.Combine(Shared, "benchmarks", "exercism-csharp", "exercises", "practice"));

    /// <summary>One Exercism C# practice exercise.</summary>
    public static string ExercismTask(string slug) => RequireDirectory(Path.Combine(ExercismPractice, slug));

    /// <summary>Aider's polyglot benchmark root.</summary>
    public static string AiderPolyglot => RequireDirectory(Path.Combine(Shared, "benchmarks", "aider-polyglot"));

    /// <summary>OpenAI's HumanEval export (164 Python problems).</summary>
    public static string HumanEval => RequireDirectory(Path.Combine(Shared, "benchmarks", "openai-humaneval"));

    /// <summary>The recorded provider exchanges.</summary>
    public static string ProviderRecordings => RequireDirectory(Path.Combine(Shared, "fixtures", "provider-recordings"));

    /// <summary>The repository's own example suite.</summary>
    public static string Examples => RequireDirectory(Path.Combine(RepoRoot, "examples"));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Crucible.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Cannot find Crucible.slnx above {AppContext.BaseDirectory}.");
    }

    private static string RequireDirectory(string path) =>
        Directory.Exists(path)
            ? path
            : throw new DirectoryNotFoundException(
                $"Test data folder {path} is missing. The shared benchmark data must sit at ../shared beside the repository, " +
                $"or set {SharedDataVariable} to its folder; scripts/fetch-test-data downloads it at the pinned upstream commits.");
}

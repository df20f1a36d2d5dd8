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

    /// <summary><c>../shared</c> relative to the repository root.</summary>
    public static string Shared => RequireDirectory(Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared")));

    /// <summary>The Exercism C# practice exercises.</summary>
    public static string ExercismPractice => RequireDirectory(Path.Combine(Shared, "benchmarks", "exercism-csharp", "exercises", "practice"));

    /// <summary>One Exercism C# practice exercise.</summary>
    public static string ExercismTask(string slug) => RequireDirectory(Path.Combine(ExercismPractice, slug));

    /// <summary>Aider's polyglot benchmark root.</summary>
    public static string AiderPolyglot => RequireDirectory(Path.Combine(Shared, "benchmarks", "aider-polyglot"));

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
            : throw new DirectoryNotFoundException($"Test data folder {path} is missing; the shared data must sit at ../shared beside the repository.");
}

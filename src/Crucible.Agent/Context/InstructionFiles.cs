namespace Crucible.Agent.Context;

/// <summary>An instruction file loaded into the system prompt.</summary>
/// <param name="Path">Absolute path it was read from.</param>
/// <param name="Content">Its text (capped at <see cref="InstructionFiles.MaxBytes"/>).</param>
public sealed record InstructionFile(string Path, string Content);

/// <summary>
/// Finds the instruction files: <c>AGENTS.md</c>, <c>CLAUDE.md</c> and <c>CRUCIBLE.md</c> in the user's
/// home, then in <c>~/.crucible/</c>, then in the repository root. Later files are more specific, so the
/// repository's come last and win where they disagree.
/// </summary>
public static class InstructionFiles
{
    /// <summary>The file names looked for, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["AGENTS.md", "CLAUDE.md", "CRUCIBLE.md"];

    /// <summary>Largest part of a file loaded (64 KiB); the rest is cut with a marker so one file cannot fill the context.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Loads the files that exist.</summary>
    /// <param name="repositoryRoot">The workspace root.</param>
    /// <param name="home">The user's home folder; null uses the current user's.</param>
    public static IReadOnlyList<InstructionFile> Load(string repositoryRoot, string? home = null)
    {
        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var folders = new List<string>();
        if (!string.IsNullOrEmpty(home))
        {
            folders.Add(home);
            folders.Add(Path.Combine(home, ".crucible"));
        }
        folders.Add(repositoryRoot);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<InstructionFile>();
        foreach (var folder in folders)
        {
            foreach (var name in Names)
            {
                var path = Path.GetFullPath(Path.Combine(folder, name));
                if (!seen.Add(path) || !File.Exists(path))
                {
                    continue;
                }
                var text = File.ReadAllText(path);
                if (text.Length > MaxBytes)
                {
                    text = text[..MaxBytes] + $"\n[... cut: the file is longer than {MaxBytes} characters ...]";
                }
                files.Add(new InstructionFile(path, text));
            }
        }
        return files;
    }
}

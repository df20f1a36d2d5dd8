namespace Crucible.Constitution.Changes;

/// <summary>How a file differs between the two sides of a change set.</summary>
public enum FileChangeKind
{
    /// <summary>The file exists only after the change.</summary>
    Added,
    /// <summary>The file exists on both sides with different text.</summary>
    Modified,
    /// <summary>The file exists only before the change.</summary>
    Deleted,
    /// <summary>The file is the same on both sides (kept for context: compilation, duplication, test literals).</summary>
    Unchanged,
}

/// <summary>
/// One file of a candidate change, language-neutral: its workspace-relative path (forward slashes) and
/// its text before and after. Line endings are normalised to <c>\n</c> on both sides.
/// </summary>
/// <param name="Path">Workspace-relative path with forward slashes.</param>
/// <param name="Before">Text before the change, or null when the file was added.</param>
/// <param name="After">Text after the change, or null when the file was deleted.</param>
public sealed record FileChange(string Path, string? Before, string? After)
{
    /// <summary>The kind of change.</summary>
    public FileChangeKind Kind => (Before, After) switch
    {
        (null, not null) => FileChangeKind.Added,
        (not null, null) => FileChangeKind.Deleted,
        _ when string.Equals(Before, After, StringComparison.Ordinal) => FileChangeKind.Unchanged,
        _ => FileChangeKind.Modified,
    };

    /// <summary>The file's extension in lower case, with the dot (e.g. <c>.cs</c>).</summary>
    public string Extension => System.IO.Path.GetExtension(Path).ToLowerInvariant();

    /// <summary>1-based line numbers of <see cref="After"/> that the change added or modified.</summary>
    public IReadOnlySet<int> AddedLines => _added ??= LineDiff.AddedLines(Before ?? "", After ?? "");

    private IReadOnlySet<int>? _added;
}

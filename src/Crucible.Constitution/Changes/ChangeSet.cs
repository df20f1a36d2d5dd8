namespace Crucible.Constitution.Changes;

/// <summary>
/// A candidate change: every changed file with its text before and after, plus the unchanged files
/// around it (for compilation, duplication and test literals). Paths are unique.
/// </summary>
/// <param name="Files">Every file, changed or not, sorted by path.</param>
/// <param name="Description">Where the change came from, for reports (e.g. <c>working tree vs HEAD</c>).</param>
/// <param name="Skipped">Files left out (binary, too large, links), each with the reason.</param>
public sealed record ChangeSet(IReadOnlyList<FileChange> Files, string Description, IReadOnlyList<string> Skipped)
{
    /// <summary>The files that differ between the two sides.</summary>
    public IEnumerable<FileChange> Changed => Files.Where(f => f.Kind != FileChangeKind.Unchanged);

    /// <summary>The file at <paramref name="path"/>, or null.</summary>
    public FileChange? Find(string path) => Files.FirstOrDefault(f => f.Path == path);

    /// <summary>Builds a change set from before/after texts keyed by path (null text = absent on that side).</summary>
    public static ChangeSet FromTexts(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, string description, IReadOnlyList<string>? skipped = null)
    {
        var paths = before.Keys.Union(after.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var files = paths.Select(p => new FileChange(
            p,
            before.TryGetValue(p, out var b) ? Normalize(b) : null,
            after.TryGetValue(p, out var a) ? Normalize(a) : null)).ToList();
        return new ChangeSet(files, description, skipped ?? []);
    }

    /// <summary>Normalises line endings to <c>\n</c> so that a CRLF round trip is not a change.</summary>
    public static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}

using System.Text;

namespace Crucible.Constitution.Changes;

/// <summary>Options for <see cref="UnifiedDiff"/>. Defaults: 3 lines of context, an edit distance of at most 4,000 lines per file.</summary>
public sealed record UnifiedDiffOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static UnifiedDiffOptions Default { get; } = new();

    /// <summary>Unchanged lines shown around each change (the <c>diff -u</c> default).</summary>
    public int ContextLines { get; init; } = 3;

    /// <summary>
    /// Largest number of inserted plus deleted lines searched for a minimal diff. Beyond it the
    /// changed middle of the file is shown as one block removed and one block added, which is
    /// still a correct diff, so memory stays bounded on wholesale rewrites.
    /// </summary>
    public int MaxEditDistance { get; init; } = LineDiff.DefaultMaxEditDistance;
}

/// <summary>
/// Unified diffs rendered from <see cref="LineDiff.Script"/> (lines compared with their terminators), in the format of <c>diff -u</c> and
/// <c>git diff</c>: <c>--- a/path</c>, <c>+++ b/path</c>, <c>@@ -l,n +l,n @@</c> hunks, and
/// <c>\ No newline at end of file</c> markers.
/// </summary>
public static class UnifiedDiff
{
    /// <summary>
    /// The unified diff turning <paramref name="oldText"/> into <paramref name="newText"/> for the file
    /// <paramref name="path"/>; empty when the texts are equal. A null text means the file is absent
    /// (added or deleted).
    /// </summary>
    public static string Compute(string path, string? oldText, string? newText, UnifiedDiffOptions? options = null)
    {
        options ??= UnifiedDiffOptions.Default;
        if (oldText == newText)
        {
            return "";
        }
        var a = SplitLines(oldText ?? "");
        var b = SplitLines(newText ?? "");
        var edits = LineDiff.Script(a, b, options.MaxEditDistance);
        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldText is null ? "/dev/null" : "a/" + path).Append('\n');
        sb.Append("+++ ").Append(newText is null ? "/dev/null" : "b/" + path).Append('\n');
        foreach (var (start, end) in Hunks(edits, options.ContextLines))
        {
            WriteHunk(sb, edits, start, end, a, b);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The unified diff of every changed file of <paramref name="changes"/>, in path order. With
    /// <paramref name="listSkipped"/>, a last line names the files left out of the change set (binary, too large,
    /// links), so a reader knows they were not shown.
    /// </summary>
    public static string Of(ChangeSet changes, UnifiedDiffOptions? options = null, bool listSkipped = false)
    {
        var sb = new StringBuilder();
        foreach (var f in changes.Changed)
        {
            sb.Append(Compute(f.Path, f.Before, f.After, options));
        }
        if (listSkipped && changes.Skipped.Count > 0)
        {
            sb.Append("# not shown: ").Append(string.Join("; ", changes.Skipped)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Splits into lines that keep their terminator, so a missing final newline is a difference.</summary>
    private static string[] SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return [.. lines];
    }

    /// <summary>Ranges [start, end) of edit indices, each a hunk: changes plus up to <paramref name="context"/> equal lines around them.</summary>
    private static IEnumerable<(int Start, int End)> Hunks(List<LineDiff.ScriptEdit> edits, int context)
    {
        var i = 0;
        while (i < edits.Count)
        {
            while (i < edits.Count && edits[i].Kind == LineEditKind.Same)
            {
                i++;
            }
            if (i == edits.Count)
            {
                yield break;
            }
            var start = Math.Max(0, i - context);
            var lastChange = i;
            var j = i;
            while (j < edits.Count)
            {
                if (edits[j].Kind != LineEditKind.Same)
                {
                    lastChange = j;
                    j++;
                    continue;
                }
                // Two changes separated by at most 2*context equal lines share a hunk, as in diff -u.
                var run = j;
                while (run < edits.Count && edits[run].Kind == LineEditKind.Same)
                {
                    run++;
                }
                if (run == edits.Count || run - j > 2 * context)
                {
                    break;
                }
                j = run;
            }
            var end = Math.Min(edits.Count, lastChange + 1 + context);
            yield return (start, end);
            i = end;
        }
    }

    private static void WriteHunk(StringBuilder sb, List<LineDiff.ScriptEdit> edits, int start, int end, string[] a, string[] b)
    {
        int aCount = 0, bCount = 0, aStart = -1, bStart = -1;
        // Where the hunk sits in each file: the first line it touches, or the line before an empty range.
        int aBefore = 0, bBefore = 0;
        for (var i = 0; i < start; i++)
        {
            if (edits[i].Kind != LineEditKind.Added) aBefore++;
            if (edits[i].Kind != LineEditKind.Removed) bBefore++;
        }
        for (var i = start; i < end; i++)
        {
            var e = edits[i];
            if (e.Kind != LineEditKind.Added)
            {
                aCount++;
                if (aStart < 0) aStart = e.A;
            }
            if (e.Kind != LineEditKind.Removed)
            {
                bCount++;
                if (bStart < 0) bStart = e.B;
            }
        }
        var aLine = aCount == 0 ? aBefore : aStart + 1;
        var bLine = bCount == 0 ? bBefore : bStart + 1;
        sb.Append("@@ -").Append(aLine).Append(',').Append(aCount).Append(" +").Append(bLine).Append(',').Append(bCount).Append(" @@\n");
        for (var i = start; i < end; i++)
        {
            var e = edits[i];
            var (marker, line) = e.Kind switch
            {
                LineEditKind.Same => (' ', a[e.A]),
                LineEditKind.Removed => ('-', a[e.A]),
                _ => ('+', b[e.B]),
            };
            sb.Append(marker).Append(line);
            if (!line.EndsWith('\n'))
            {
                sb.Append("\n\\ No newline at end of file\n");
            }
        }
    }
}

namespace Crucible.Constitution.Changes;

/// <summary>What a line of a <see cref="LineDiff.Edits"/> script does.</summary>
public enum LineEditKind
{
    /// <summary>The line is on both sides.</summary>
    Same,
    /// <summary>The line is only in the old text.</summary>
    Removed,
    /// <summary>The line is only in the new text.</summary>
    Added,
}

/// <summary>One line of an edit script.</summary>
/// <param name="Kind">Kept, removed or added.</param>
/// <param name="OldLine">1-based line number in the old text, or null for an added line.</param>
/// <param name="NewLine">1-based line number in the new text, or null for a removed line.</param>
/// <param name="Text">The line, without its newline.</param>
public sealed record LineEdit(LineEditKind Kind, int? OldLine, int? NewLine, string Text);

/// <summary>
/// The line-level diff (longest common subsequence) every part of Crucible uses: the constitution's checks
/// (which lines a change added) and the viewer (the whole edit script).
/// </summary>
public static class LineDiff
{
    /// <summary>Above this many cells the LCS table is not built, and every line between the common prefix and suffix counts as removed and added.</summary>
    public const long MaxTableCells = 4_000_000;

    /// <summary>Splits text into lines (<c>\n</c> separated; a trailing newline does not make an extra line).</summary>
    public static string[] Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }
        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    /// <summary>1-based numbers of the lines of <paramref name="after"/> that are not matched in <paramref name="before"/>.</summary>
    public static IReadOnlySet<int> AddedLines(string before, string after) =>
        Edits(before, after).Where(e => e.Kind == LineEditKind.Added).Select(e => e.NewLine!.Value).ToHashSet();

    /// <summary>
    /// The edit script turning <paramref name="before"/> into <paramref name="after"/>, in order: every line of both
    /// texts once, kept lines matched by a longest common subsequence. Within a changed stretch, removed lines come
    /// before added ones.
    /// </summary>
    public static IReadOnlyList<LineEdit> Edits(string before, string after)
    {
        var a = Lines(before);
        var b = Lines(after);
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }
        var n = a.Length - prefix - suffix;
        var m = b.Length - prefix - suffix;
        var edits = new List<LineEdit>(a.Length + m);
        for (var i = 0; i < prefix; i++)
        {
            edits.Add(new LineEdit(LineEditKind.Same, i + 1, i + 1, a[i]));
        }
        if (n == 0 || m == 0 || (long)n * m > MaxTableCells)
        {
            for (var i = 0; i < n; i++)
            {
                edits.Add(new LineEdit(LineEditKind.Removed, prefix + i + 1, null, a[prefix + i]));
            }
            for (var j = 0; j < m; j++)
            {
                edits.Add(new LineEdit(LineEditKind.Added, null, prefix + j + 1, b[prefix + j]));
            }
        }
        else
        {
            Middle(a, b, prefix, n, m, edits);
        }
        for (var k = 0; k < suffix; k++)
        {
            edits.Add(new LineEdit(LineEditKind.Same, a.Length - suffix + k + 1, b.Length - suffix + k + 1, a[a.Length - suffix + k]));
        }
        return edits;
    }

    private static void Middle(string[] a, string[] b, int prefix, int n, int m, List<LineEdit> edits)
    {
        // lcs[i, j] = length of the LCS of a[prefix+i..] and b[prefix+j..] (middle parts only).
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = a[prefix + i] == b[prefix + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[prefix + x] == b[prefix + y])
            {
                edits.Add(new LineEdit(LineEditKind.Same, prefix + x + 1, prefix + y + 1, a[prefix + x]));
                x++;
                y++;
            }
            else if (x < n && (y == m || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                edits.Add(new LineEdit(LineEditKind.Removed, prefix + x + 1, null, a[prefix + x]));
                x++;
            }
            else
            {
                edits.Add(new LineEdit(LineEditKind.Added, null, prefix + y + 1, b[prefix + y]));
                y++;
            }
        }
    }
}

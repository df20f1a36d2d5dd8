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
/// The one line diff of Crucible (Myers' O(ND) algorithm): the constitution's checks (which lines a change added),
/// the viewer (the whole edit script) and <see cref="UnifiedDiff"/> (<c>diff -u</c> text) all use <see cref="Script"/>.
/// </summary>
public static class LineDiff
{
    /// <summary>
    /// Largest number of inserted plus removed lines searched for a minimal script. Beyond it the changed middle
    /// (between the common prefix and suffix) is one block removed and one block added: still a correct script, and
    /// memory stays bounded on wholesale rewrites.
    /// </summary>
    public const int DefaultMaxEditDistance = 4_000;

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
    /// texts once, kept lines matched by a shortest edit script. Within a changed stretch, removed lines come
    /// before added ones.
    /// </summary>
    public static IReadOnlyList<LineEdit> Edits(string before, string after)
    {
        var a = Lines(before);
        var b = Lines(after);
        return [.. Script(a, b, DefaultMaxEditDistance).Select(e => e.Kind switch
        {
            LineEditKind.Same => new LineEdit(e.Kind, e.A + 1, e.B + 1, a[e.A]),
            LineEditKind.Removed => new LineEdit(e.Kind, e.A + 1, null, a[e.A]),
            _ => new LineEdit(e.Kind, null, e.B + 1, b[e.B]),
        })];
    }

    /// <summary>One step of <see cref="Script"/>: 0-based indices into the old and new lines (-1 where the line is absent on that side).</summary>
    /// <param name="Kind">Kept, removed or added.</param>
    /// <param name="A">Index in the old lines, or -1 for an added line.</param>
    /// <param name="B">Index in the new lines, or -1 for a removed line.</param>
    public readonly record struct ScriptEdit(LineEditKind Kind, int A, int B);

    /// <summary>
    /// The edit script between two line lists (compared with ordinal equality, so the caller decides what a line is:
    /// with or without its terminator). Past <paramref name="maxEditDistance"/> changes, the middle is all removed, then all added.
    /// </summary>
    public static List<ScriptEdit> Script(IReadOnlyList<string> a, IReadOnlyList<string> b, int maxEditDistance)
    {
        var prefix = 0;
        while (prefix < a.Count && prefix < b.Count && a[prefix] == b[prefix])
        {
            prefix++;
        }
        var suffix = 0;
        while (suffix < a.Count - prefix && suffix < b.Count - prefix && a[a.Count - 1 - suffix] == b[b.Count - 1 - suffix])
        {
            suffix++;
        }
        var edits = new List<ScriptEdit>(a.Count + b.Count);
        for (var i = 0; i < prefix; i++)
        {
            edits.Add(new ScriptEdit(LineEditKind.Same, i, i));
        }
        var middle = Myers(a, b, prefix, a.Count - suffix, prefix, b.Count - suffix, maxEditDistance);
        if (middle is null)
        {
            for (var i = prefix; i < a.Count - suffix; i++)
            {
                edits.Add(new ScriptEdit(LineEditKind.Removed, i, -1));
            }
            for (var j = prefix; j < b.Count - suffix; j++)
            {
                edits.Add(new ScriptEdit(LineEditKind.Added, -1, j));
            }
        }
        else
        {
            edits.AddRange(middle);
        }
        for (var i = 0; i < suffix; i++)
        {
            edits.Add(new ScriptEdit(LineEditKind.Same, a.Count - suffix + i, b.Count - suffix + i));
        }
        return edits;
    }
    /// <summary>Myers' greedy diff of a[a0..a1) and b[b0..b1); null when the edit distance exceeds the cap.</summary>
    private static List<ScriptEdit>? Myers(IReadOnlyList<string> a, IReadOnlyList<string> b, int a0, int a1, int b0, int b1, int maxEditDistance)
    {
        var n = a1 - a0;
        var m = b1 - b0;
        var limit = Math.Min(n + m, maxEditDistance);
        // trace[d][k + d] is the furthest x reached on diagonal k with d edits; only the live band is stored.
        var trace = new List<int[]>();
        var found = -1;
        for (var d = 0; d <= limit && found < 0; d++)
        {
            var cur = new int[2 * d + 1];
            var prev = d > 0 ? trace[d - 1] : null;
            for (var k = -d; k <= d; k += 2)
            {
                int x;
                if (prev is null)
                {
                    x = 0;
                }
                else if (k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]))
                {
                    x = prev[k + 1 + d - 1];
                }
                else
                {
                    x = prev[k - 1 + d - 1] + 1;
                }
                var y = x - k;
                while (x < n && y < m && a[a0 + x] == b[b0 + y])
                {
                    x++;
                    y++;
                }
                cur[k + d] = x;
                if (x >= n && y >= m)
                {
                    found = d;
                }
            }
            trace.Add(cur);
        }
        if (found < 0)
        {
            return null;
        }

        var edits = new List<ScriptEdit>();
        int px = n, py = m;
        for (var d = found; d > 0; d--)
        {
            var prev = trace[d - 1];
            var k = px - py;
            var prevK = k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]) ? k + 1 : k - 1;
            var prevX = prev[prevK + d - 1];
            var prevY = prevX - prevK;
            while (px > prevX && py > prevY)
            {
                px--;
                py--;
                edits.Add(new ScriptEdit(LineEditKind.Same, a0 + px, b0 + py));
            }
            if (px == prevX)
            {
                edits.Add(new ScriptEdit(LineEditKind.Added, -1, b0 + prevY));
            }
            else
            {
                edits.Add(new ScriptEdit(LineEditKind.Removed, a0 + prevX, -1));
            }
            px = prevX;
            py = prevY;
        }
        while (px > 0 && py > 0)
        {
            px--;
            py--;
            edits.Add(new ScriptEdit(LineEditKind.Same, a0 + px, b0 + py));
        }
        edits.Reverse();
        return edits;
    }
}

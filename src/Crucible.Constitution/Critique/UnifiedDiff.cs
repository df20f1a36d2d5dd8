using System.Text;

namespace Crucible.Constitution.Critique;

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
    public int MaxEditDistance { get; init; } = 4_000;
}

/// <summary>
/// Line-based unified diffs (Myers' O(ND) algorithm), in the format of <c>diff -u</c> and
/// <c>git diff</c>: <c>--- a/path</c>, <c>+++ b/path</c>, <c>@@ -l,n +l,n @@</c> hunks, and
/// <c>\ No newline at end of file</c> markers.
/// </summary>
public static class UnifiedDiff
{
    private enum Op { Equal, Delete, Insert }

    private readonly record struct Edit(Op Op, int A, int B);

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
        var edits = Diff(a, b, options.MaxEditDistance);
        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldText is null ? "/dev/null" : "a/" + path).Append('\n');
        sb.Append("+++ ").Append(newText is null ? "/dev/null" : "b/" + path).Append('\n');
        foreach (var (start, end) in Hunks(edits, options.ContextLines))
        {
            WriteHunk(sb, edits, start, end, a, b);
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

    private static List<Edit> Diff(string[] a, string[] b, int maxEditDistance)
    {
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
        var edits = new List<Edit>();
        for (var i = 0; i < prefix; i++)
        {
            edits.Add(new Edit(Op.Equal, i, i));
        }
        var middle = Myers(a, b, prefix, a.Length - suffix, prefix, b.Length - suffix, maxEditDistance);
        if (middle is null)
        {
            for (var i = prefix; i < a.Length - suffix; i++)
            {
                edits.Add(new Edit(Op.Delete, i, -1));
            }
            for (var j = prefix; j < b.Length - suffix; j++)
            {
                edits.Add(new Edit(Op.Insert, -1, j));
            }
        }
        else
        {
            edits.AddRange(middle);
        }
        for (var i = 0; i < suffix; i++)
        {
            edits.Add(new Edit(Op.Equal, a.Length - suffix + i, b.Length - suffix + i));
        }
        return edits;
    }

    /// <summary>Myers' greedy diff of a[a0..a1) and b[b0..b1); null when the edit distance exceeds the cap.</summary>
    private static List<Edit>? Myers(string[] a, string[] b, int a0, int a1, int b0, int b1, int maxEditDistance)
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

        var edits = new List<Edit>();
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
                edits.Add(new Edit(Op.Equal, a0 + px, b0 + py));
            }
            if (px == prevX)
            {
                edits.Add(new Edit(Op.Insert, -1, b0 + prevY));
            }
            else
            {
                edits.Add(new Edit(Op.Delete, a0 + prevX, -1));
            }
            px = prevX;
            py = prevY;
        }
        while (px > 0 && py > 0)
        {
            px--;
            py--;
            edits.Add(new Edit(Op.Equal, a0 + px, b0 + py));
        }
        edits.Reverse();
        return edits;
    }

    /// <summary>Ranges [start, end) of edit indices, each a hunk: changes plus up to <paramref name="context"/> equal lines around them.</summary>
    private static IEnumerable<(int Start, int End)> Hunks(List<Edit> edits, int context)
    {
        var i = 0;
        while (i < edits.Count)
        {
            while (i < edits.Count && edits[i].Op == Op.Equal)
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
                if (edits[j].Op != Op.Equal)
                {
                    lastChange = j;
                    j++;
                    continue;
                }
                // Two changes separated by at most 2*context equal lines share a hunk, as in diff -u.
                var run = j;
                while (run < edits.Count && edits[run].Op == Op.Equal)
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

    private static void WriteHunk(StringBuilder sb, List<Edit> edits, int start, int end, string[] a, string[] b)
    {
        int aCount = 0, bCount = 0, aStart = -1, bStart = -1;
        // Where the hunk sits in each file: the first line it touches, or the line before an empty range.
        int aBefore = 0, bBefore = 0;
        for (var i = 0; i < start; i++)
        {
            if (edits[i].Op != Op.Insert) aBefore++;
            if (edits[i].Op != Op.Delete) bBefore++;
        }
        for (var i = start; i < end; i++)
        {
            var e = edits[i];
            if (e.Op != Op.Insert)
            {
                aCount++;
                if (aStart < 0) aStart = e.A;
            }
            if (e.Op != Op.Delete)
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
            var (marker, line) = e.Op switch
            {
                Op.Equal => (' ', a[e.A]),
                Op.Delete => ('-', a[e.A]),
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

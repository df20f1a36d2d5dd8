namespace Crucible.Constitution.Changes;

/// <summary>A line-level diff: which lines of the new text are not in the old one (longest common subsequence).</summary>
public static class LineDiff
{
    /// <summary>Above this many cells the LCS table is not built, and every line between the common prefix and suffix counts as added.</summary>
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
    public static IReadOnlySet<int> AddedLines(string before, string after)
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
        var added = new HashSet<int>();
        if (m == 0)
        {
            return added;
        }
        if (n == 0 || (long)n * m > MaxTableCells)
        {
            for (var j = 0; j < m; j++)
            {
                added.Add(prefix + j + 1);
            }
            return added;
        }
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
        while (y < m)
        {
            if (x < n && a[prefix + x] == b[prefix + y])
            {
                x++;
                y++;
            }
            else if (x < n && lcs[x + 1, y] >= lcs[x, y + 1])
            {
                x++;
            }
            else
            {
                added.Add(prefix + y + 1);
                y++;
            }
        }
        return added;
    }
}

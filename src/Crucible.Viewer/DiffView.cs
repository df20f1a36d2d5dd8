using Crucible.Constitution.Changes;

namespace Crucible.Viewer;

/// <summary>Turns a file change (the project's one diff engine, <see cref="LineDiff"/>) into hunks with context for the page.</summary>
public static class DiffView
{
    /// <summary>The change to <paramref name="file"/> as hunks, each change with <paramref name="context"/> unchanged lines around it.</summary>
    public static FileDiff Of(FileChange file, int context)
    {
        var edits = LineDiff.Edits(file.Before ?? "", file.After ?? "");
        var hunks = new List<DiffHunk>();
        var i = 0;
        while (i < edits.Count)
        {
            if (edits[i].Kind == LineEditKind.Same)
            {
                i++;
                continue;
            }
            var start = Math.Max(0, i - context);
            // Extend the hunk while the next change is within 2 * context kept lines, so hunks never overlap.
            var end = i;
            var sameRun = 0;
            for (var j = i; j < edits.Count; j++)
            {
                if (edits[j].Kind == LineEditKind.Same)
                {
                    if (++sameRun > 2 * context)
                    {
                        break;
                    }
                }
                else
                {
                    sameRun = 0;
                    end = j;
                }
            }
            var stop = Math.Min(edits.Count, end + context + 1);
            var lines = edits.Skip(start).Take(stop - start).ToList();
            hunks.Add(new DiffHunk(FirstNumber(edits, start, old: true), FirstNumber(edits, start, old: false), lines));
            i = stop;
        }
        return new FileDiff(file.Path, file.Kind, edits.Count(e => e.Kind == LineEditKind.Added), edits.Count(e => e.Kind == LineEditKind.Removed), hunks);
    }

    /// <summary>The line number on one side where a hunk starting at <paramref name="index"/> begins (the next line there, for a side the hunk's first line lacks).</summary>
    private static int FirstNumber(IReadOnlyList<LineEdit> edits, int index, bool old)
    {
        for (var k = index; k < edits.Count; k++)
        {
            if ((old ? edits[k].OldLine : edits[k].NewLine) is { } n)
            {
                return n;
            }
        }
        // Nothing on that side from here on: the hunk starts after its last line.
        return edits.Take(index).Select(e => old ? e.OldLine : e.NewLine).LastOrDefault(n => n is not null) is { } last ? last + 1 : 1;
    }
}

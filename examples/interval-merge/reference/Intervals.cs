public readonly record struct Interval(int Start, int End);

public static class Intervals
{
    public static IReadOnlyList<Interval> Merge(IReadOnlyList<Interval> intervals)
    {
        foreach (var i in intervals)
        {
            if (i.Start > i.End)
            {
                throw new ArgumentException($"interval ({i.Start}, {i.End}) starts after it ends", nameof(intervals));
            }
        }
        var sorted = intervals.OrderBy(i => i.Start).ToList();
        var merged = new List<Interval>();
        foreach (var next in sorted)
        {
            // long arithmetic: End + 1 must not overflow at int.MaxValue.
            if (merged.Count > 0 && next.Start <= (long)merged[^1].End + 1)
            {
                var last = merged[^1];
                merged[^1] = last with { End = Math.Max(last.End, next.End) };
            }
            else
            {
                merged.Add(next);
            }
        }
        return merged;
    }
}

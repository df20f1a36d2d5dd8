public readonly record struct Interval(int Start, int End);

public static class Intervals
{
    public static IReadOnlyList<Interval> Merge(IReadOnlyList<Interval> intervals)
    {
        throw new NotImplementedException("Implement Intervals.Merge");
    }
}

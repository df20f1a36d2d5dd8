public class IntervalsTests
{
    [Fact]
    public void Empty_input_gives_empty_output()
    {
        Assert.Empty(Intervals.Merge([]));
    }

    [Fact]
    public void Overlapping_intervals_merge()
    {
        Assert.Equal([new Interval(1, 6), new Interval(8, 10)], Intervals.Merge([new(1, 3), new(2, 6), new(8, 10)]));
    }

    [Fact]
    public void Unsorted_input_is_sorted()
    {
        Assert.Equal([new Interval(1, 2), new Interval(5, 9)], Intervals.Merge([new(5, 9), new(1, 2)]));
    }

    [Fact]
    public void Touching_integer_intervals_merge()
    {
        Assert.Equal([new Interval(1, 4)], Intervals.Merge([new(3, 4), new(1, 2)]));
    }

    [Fact]
    public void Contained_intervals_disappear()
    {
        Assert.Equal([new Interval(0, 100)], Intervals.Merge([new(10, 20), new(0, 100), new(30, 40)]));
    }

    [Fact]
    public void Negative_and_large_bounds_are_handled()
    {
        Assert.Equal([new Interval(int.MinValue, -1), new Interval(1, int.MaxValue)],
            Intervals.Merge([new(1, int.MaxValue), new(int.MinValue, -5), new(-6, -1)]));
    }

    [Fact]
    public void An_inverted_interval_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Intervals.Merge([new(5, 1)]));
    }

    [Fact]
    public void The_input_is_not_modified()
    {
        Interval[] input = [new(5, 9), new(1, 6)];
        Intervals.Merge(input);
        Assert.Equal([new Interval(5, 9), new Interval(1, 6)], input);
    }
}

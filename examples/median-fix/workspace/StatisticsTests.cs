public class StatisticsTests
{
    [Fact]
    public void Median_of_an_odd_count_is_the_middle_value()
    {
        Assert.Equal(3.0, Statistics.Median([5, 1, 3]));
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_middle_values()
    {
        Assert.Equal(2.5, Statistics.Median([4, 1, 3, 2]));
    }

    [Fact]
    public void Median_of_two_values()
    {
        Assert.Equal(15.0, Statistics.Median([10, 20]));
    }

    [Fact]
    public void Median_of_one_value_is_that_value()
    {
        Assert.Equal(7.0, Statistics.Median([7]));
    }

    [Fact]
    public void Median_of_nothing_is_undefined()
    {
        Assert.Throws<InvalidOperationException>(() => Statistics.Median([]));
    }

    [Fact]
    public void The_input_order_is_not_changed()
    {
        double[] values = [3, 1, 2];
        Statistics.Median(values);
        Assert.Equal([3.0, 1.0, 2.0], values);
    }
}

using Crucible.Flywheel.Eval;

namespace Crucible.Flywheel.Tests.Eval;

public sealed class EvalStatisticsTests
{
    [Theory]
    [InlineData(5, 0, 1, 0.0)]
    [InlineData(5, 2, 1, 0.4)]
    [InlineData(5, 5, 5, 1.0)]
    [InlineData(5, 1, 5, 1.0)]
    [InlineData(5, 0, 5, 0.0)]
    [InlineData(10, 3, 5, 1 - 21.0 / 252.0)] // 1 - C(7,5)/C(10,5)
    [InlineData(4, 2, 2, 1 - 1.0 / 6.0)]     // 1 - C(2,2)/C(4,2)
    public void Pass_at_k_is_the_unbiased_estimator_of_chen_et_al(int n, int c, int k, double expected)
    {
        Assert.Equal(expected, EvalStatistics.PassAtK(n, c, k), 15);
    }

    [Fact]
    public void Pass_at_k_matches_the_numerically_stable_product_form_for_large_n()
    {
        // Chen et al.'s reference implementation: 1 - prod(1 - k / arange(n - c + 1, n + 1)).
        var (n, c, k) = (200, 37, 10);
        var product = 1.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            product *= 1 - (double)k / i;
        }
        Assert.Equal(1 - product, EvalStatistics.PassAtK(n, c, k), 12);
    }

    [Fact]
    public void Pass_at_k_rejects_k_larger_than_the_samples()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EvalStatistics.PassAtK(3, 1, 5));
    }

    [Fact]
    public void The_mean_is_computed_exactly_and_rounded_once()
    {
        // Three tasks with 1, 2 and 3 of 10 correct: pass@1 is exactly 6/30 = 0.2, which adding doubles misses.
        var tasks = new[] { (10, 1), (10, 2), (10, 3) };
        Assert.NotEqual(0.2, (0.1 + 0.2 + 0.3) / 3);
        Assert.Equal(0.2, EvalStatistics.MeanPassAtK(tasks, 1));
        Assert.Equal(7.0 / 9.0 * 0 + (1 - 36.0 / 45 + 1 - 28.0 / 45 + 1 - 21.0 / 45) / 3, EvalStatistics.MeanPassAtK(tasks, 2), 15);
    }

    [Fact]
    public void The_bootstrap_interval_is_deterministic_for_a_seed_and_covers_the_mean()
    {
        double[] values = [0, 1, 1, 0, 1, 0.5, 0.2, 1, 0, 0.8];
        var a = EvalStatistics.BootstrapMean(values);
        var b = EvalStatistics.BootstrapMean(values);
        var other = EvalStatistics.BootstrapMean(values, new BootstrapOptions { Seed = 7 });

        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        Assert.Equal(values.Average(), a.Value, 15);
        Assert.True(a.Low < a.Value && a.Value < a.High, $"{a}");
        Assert.InRange(a.Low, 0.2, 0.5);
        Assert.InRange(a.High, 0.6, 0.9);
    }

    [Fact]
    public void The_interval_of_identical_values_is_that_value()
    {
        Assert.Equal(new Estimate(1, 1, 1), EvalStatistics.BootstrapMean([1, 1, 1, 1]));
        Assert.Equal(new Estimate(0, 0, 0), EvalStatistics.BootstrapMean([]));
    }

    [Fact]
    public void A_95_percent_interval_covers_the_true_mean_in_about_95_percent_of_simulated_suites()
    {
        // 200 simulated suites of 50 tasks passing with probability 0.6: coverage near the nominal 95 %.
        var random = new Random(1);
        var covered = 0;
        for (var s = 0; s < 200; s++)
        {
            var values = Enumerable.Range(0, 50).Select(_ => random.NextDouble() < 0.6 ? 1.0 : 0.0).ToList();
            covered += EvalStatistics.BootstrapMean(values, new BootstrapOptions { Resamples = 1000, Seed = s }).Covers(0.6) ? 1 : 0;
        }
        Assert.InRange(covered, 180, 200);
    }

    [Fact]
    public void The_paired_difference_is_b_minus_a_task_by_task()
    {
        double[] a = [1, 0, 1, 0, 1, 1];
        double[] b = [1, 1, 1, 1, 0, 1];
        var d = EvalStatistics.PairedBootstrapDifference(a, b);
        Assert.Equal(1.0 / 6, d.Value, 15);
        Assert.True(d.Low <= d.Value && d.Value <= d.High);
    }

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(3, 3, 1.0)]
    [InlineData(0, 5, 0.0625)]      // 2 * (1/32)
    [InlineData(1, 9, 0.021484375)] // 2 * (1 + 10) / 1024
    [InlineData(10, 0, 0.001953125)] // 2 / 1024
    public void The_exact_mcnemar_p_value_is_twice_the_binomial_tail(int onlyA, int onlyB, double expected)
    {
        Assert.Equal(expected, EvalStatistics.McNemarExactP(onlyA, onlyB));
        Assert.Equal(expected, EvalStatistics.McNemarExactP(onlyB, onlyA));
    }
}

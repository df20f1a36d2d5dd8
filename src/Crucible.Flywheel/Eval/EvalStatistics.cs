using System.Numerics;

namespace Crucible.Flywheel.Eval;

/// <summary>
/// How confidence intervals are computed. Defaults: 10,000 bootstrap resamples, seed 20211207, 95 % confidence.
/// The seed makes every interval deterministic: the same results always give the same interval.
/// </summary>
public sealed record BootstrapOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static BootstrapOptions Default { get; } = new();

    /// <summary>Bootstrap resamples (each draws as many tasks as there are, with replacement).</summary>
    public int Resamples { get; init; } = 10_000;

    /// <summary>Seed of the resampling generator.</summary>
    public int Seed { get; init; } = 20211207;

    /// <summary>Confidence level of the interval (0.95 is a 95 % interval).</summary>
    public double Confidence { get; init; } = 0.95;
}

/// <summary>A point estimate with its confidence interval.</summary>
/// <param name="Value">The estimate.</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
public sealed record Estimate(double Value, double Low, double High)
{
    /// <summary>True when <paramref name="x"/> lies in [<see cref="Low"/>, <see cref="High"/>].</summary>
    public bool Covers(double x) => Low <= x && x <= High;
}

/// <summary>
/// The statistics of evaluation reports (documented in docs/eval.md): the unbiased pass@k estimator, percentile
/// bootstrap intervals over tasks, and the exact McNemar test.
/// </summary>
public static class EvalStatistics
{
    /// <summary>
    /// The unbiased pass@k of one task (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"):
    /// <c>1 - C(n-c, k) / C(n, k)</c>, the chance that at least one of k samples drawn without replacement from the n
    /// graded samples, c of them correct, is correct. Computed exactly with integers, rounded once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">k is not in 1..n, or c is not in 0..n.</exception>
    public static double PassAtK(int n, int c, int k) => ToDouble(PassAtKExact(n, c, k));

    /// <summary>
    /// The mean pass@k over tasks, each given as (samples n, correct c), computed as one exact fraction and rounded once,
    /// so that it equals the true value whenever that value is the mean of the per-task estimates.
    /// </summary>
    public static double MeanPassAtK(IEnumerable<(int N, int C)> tasks, int k)
    {
        var list = tasks.ToList();
        if (list.Count == 0)
        {
            return 0;
        }
        var sum = (Num: BigInteger.Zero, Den: BigInteger.One);
        foreach (var (n, c) in list)
        {
            var (num, den) = PassAtKExact(n, c, k);
            sum = (sum.Num * den + num * sum.Den, sum.Den * den);
            var g = BigInteger.GreatestCommonDivisor(sum.Num, sum.Den);
            if (!g.IsZero && !g.IsOne)
            {
                sum = (sum.Num / g, sum.Den / g);
            }
        }
        return ToDouble((sum.Num, sum.Den * list.Count));
    }

    /// <summary>
    /// A percentile bootstrap interval for the mean of <paramref name="values"/> (one value per task): draw as many
    /// values as there are, with replacement, <see cref="BootstrapOptions.Resamples"/> times; the interval runs from
    /// the (1-confidence)/2 to the (1+confidence)/2 quantile of the resampled means. The point estimate is the plain mean.
    /// </summary>
    public static Estimate BootstrapMean(IReadOnlyList<double> values, BootstrapOptions? options = null)
    {
        options ??= BootstrapOptions.Default;
        if (values.Count == 0)
        {
            return new Estimate(0, 0, 0);
        }
        var mean = values.Average();
        var random = new Random(options.Seed);
        var means = new double[Math.Max(1, options.Resamples)];
        for (var b = 0; b < means.Length; b++)
        {
            var sum = 0.0;
            for (var i = 0; i < values.Count; i++)
            {
                sum += values[random.Next(values.Count)];
            }
            means[b] = sum / values.Count;
        }
        Array.Sort(means);
        var alpha = 1 - options.Confidence;
        var lo = means[Math.Clamp((int)Math.Floor(alpha / 2 * means.Length), 0, means.Length - 1)];
        var hi = means[Math.Clamp((int)Math.Ceiling((1 - alpha / 2) * means.Length) - 1, 0, means.Length - 1)];
        // Rounding in the resampled sums must not put the interval a hair beside its own point estimate.
        return new Estimate(mean, Math.Min(lo, mean), Math.Max(hi, mean));
    }

    /// <summary>
    /// A paired percentile bootstrap interval for the mean difference <c>b[i] - a[i]</c>: the tasks are resampled
    /// together, so the interval reflects how the two runs differ on the same tasks.
    /// </summary>
    public static Estimate PairedBootstrapDifference(IReadOnlyList<double> a, IReadOnlyList<double> b, BootstrapOptions? options = null)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException("paired values must have the same length", nameof(b));
        }
        return BootstrapMean([.. a.Zip(b, (x, y) => y - x)], options);
    }

    /// <summary>
    /// The exact two-sided McNemar test: with <paramref name="onlyA"/> pairs where only A passed and
    /// <paramref name="onlyB"/> where only B passed, the p-value is <c>min(1, 2 P(X ≤ min(b, c)))</c> for
    /// X ~ Binomial(b + c, 1/2). 1 when there is no discordant pair.
    /// </summary>
    public static double McNemarExactP(int onlyA, int onlyB)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(onlyA);
        ArgumentOutOfRangeException.ThrowIfNegative(onlyB);
        var n = onlyA + onlyB;
        if (n == 0)
        {
            return 1;
        }
        var tail = BigInteger.Zero;
        for (var i = 0; i <= Math.Min(onlyA, onlyB); i++)
        {
            tail += Binomial(n, i);
        }
        var p = ToDouble((2 * tail, BigInteger.Pow(2, n)));
        return Math.Min(1, p);
    }

    private static (BigInteger Num, BigInteger Den) PassAtKExact(int n, int c, int k)
    {
        if (k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"pass@k needs 1 <= k <= n (n = {n})");
        }
        if (c < 0 || c > n)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, $"correct samples must be in 0..n (n = {n})");
        }
        var total = Binomial(n, k);
        return (total - Binomial(n - c, k), total);
    }

    private static BigInteger Binomial(int n, int k)
    {
        if (k < 0 || k > n)
        {
            return BigInteger.Zero;
        }
        k = Math.Min(k, n - k);
        var r = BigInteger.One;
        for (var i = 1; i <= k; i++)
        {
            r = r * (n - k + i) / i; // exact: r is C(n-k+i, i) after each step
        }
        return r;
    }

    /// <summary>A non-negative fraction as the nearest double (round half to even), so exact values are rounded once.</summary>
    private static double ToDouble((BigInteger Num, BigInteger Den) f)
    {
        if (f.Num.IsZero)
        {
            return 0;
        }
        // Scale so the integer quotient has 55-56 bits: 53 for the mantissa, the rest plus the remainder decide the rounding.
        var shift = 55 - (int)(f.Num.GetBitLength() - f.Den.GetBitLength());
        var (num, den) = shift >= 0 ? (f.Num << shift, f.Den) : (f.Num, f.Den << -shift);
        var q = BigInteger.DivRem(num, den, out var rem);
        var extra = (int)q.GetBitLength() - 53;
        var mantissa = q >> extra;
        var lower = q - (mantissa << extra);
        var half = BigInteger.One << (extra - 1);
        if (lower > half || (lower == half && (!rem.IsZero || !mantissa.IsEven)))
        {
            mantissa += 1;
        }
        return Math.ScaleB((double)(long)mantissa, extra - shift);
    }
}

using System.Text.Json;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;

namespace Crucible.Flywheel.Eval;

/// <summary>What a report computes. Defaults: pass@k for k in {1, 5, 10}, intervals from <see cref="BootstrapOptions.Default"/>.</summary>
public sealed record ReportOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static ReportOptions Default { get; } = new();

    /// <summary>The k of pass@k; a k larger than every task's sample count is left out.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 5, 10];

    /// <summary>How intervals are computed.</summary>
    public BootstrapOptions Bootstrap { get; init; } = BootstrapOptions.Default;
}

/// <summary>The run a report is about.</summary>
/// <param name="Id">Run id.</param>
/// <param name="Suite">Absolute suite path.</param>
/// <param name="Solver">Solver name.</param>
/// <param name="Status">Run status (<see cref="RunStatuses"/>).</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="FinishedAt">When it finished, if it did.</param>
/// <param name="Folder">The run folder (verdicts, logs, candidates, trajectories).</param>
/// <param name="Options">The options it was started with, as stored.</param>
public sealed record RunInfo(string Id, string Suite, string Solver, string Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string Folder, JsonElement Options);

/// <summary>Attempt counts of a run. Outages (model/provider and harness errors) are counted apart from results.</summary>
/// <param name="Total">Every stored attempt.</param>
/// <param name="Graded">Attempts with a result (not an outage): the denominator of pass rates.</param>
/// <param name="Passed">Attempts that passed.</param>
/// <param name="Failed">Graded attempts that did not pass (the solver's failures, including malformed answers).</param>
/// <param name="ModelErrors">Attempts stopped by a model/provider error (excluded).</param>
/// <param name="HarnessErrors">Attempts stopped by a harness error (excluded).</param>
public sealed record AttemptCounts(int Total, int Graded, int Passed, int Failed, int ModelErrors, int HarnessErrors)
{
    /// <summary>Attempts excluded from pass rates.</summary>
    public int Excluded => ModelErrors + HarnessErrors;

    /// <summary>Passed over graded attempts (0 when nothing was graded).</summary>
    public double PassRate => Graded == 0 ? 0 : (double)Passed / Graded;
}

/// <summary>pass@k over the tasks of a run.</summary>
/// <param name="K">The k.</param>
/// <param name="Estimate">The mean of the tasks' unbiased pass@k, with its bootstrap interval over tasks.</param>
/// <param name="Tasks">Tasks counted (those with at least k graded samples).</param>
public sealed record PassAtKReport(int K, Estimate Estimate, int Tasks);

/// <summary>Model usage, cost and time of a run.</summary>
/// <param name="Tokens">Tokens summed over every attempt (outages included: they were paid for).</param>
/// <param name="CacheReadShare">Cache-read input tokens over all input tokens (0 when there were none).</param>
/// <param name="CostUsd">Dollars summed over every attempt.</param>
/// <param name="Calls">Model calls.</param>
/// <param name="TokensPerTask">Input plus output tokens per task (mean over tasks).</param>
/// <param name="CostPerTaskUsd">Dollars per task (mean over tasks).</param>
/// <param name="WallTimePerTaskMs">Solve plus grade time per task, all its attempts together (mean over tasks).</param>
/// <param name="MedianAttemptMs">Median time of one attempt.</param>
/// <param name="P95AttemptMs">95th-percentile (nearest rank) time of one attempt.</param>
public sealed record UsageReport(TokenUsage Tokens, double CacheReadShare, decimal CostUsd, int Calls, double TokensPerTask, decimal CostPerTaskUsd, double WallTimePerTaskMs, double MedianAttemptMs, double P95AttemptMs);

/// <summary>One task of a run.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Samples">Samples with a result (n of pass@k).</param>
/// <param name="Correct">Samples whose every graded repeat passed (c of pass@k).</param>
/// <param name="PassAt1">Correct over samples (0 when none was graded).</param>
/// <param name="Attempts">Stored attempts.</param>
/// <param name="Excluded">Attempts that were outages.</param>
/// <param name="ByOutcome">Attempts by outcome name.</param>
/// <param name="Tokens">Input plus output tokens.</param>
/// <param name="CostUsd">Dollars.</param>
/// <param name="WallTimeMs">Time of all attempts together.</param>
public sealed record TaskReport(string TaskId, int Samples, int Correct, double PassAt1, int Attempts, int Excluded, IReadOnlyDictionary<string, int> ByOutcome, long Tokens, decimal CostUsd, double WallTimeMs);

/// <summary>One attempt of a run.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Attempt">0-based attempt number.</param>
/// <param name="Sample">0-based sample.</param>
/// <param name="Outcome">The failure taxonomy.</param>
/// <param name="VerdictStatus">The verdict status.</param>
/// <param name="SolverStatus">How the solver ended.</param>
/// <param name="SolverMessage">The solver's message, if any.</param>
/// <param name="Reasons">The verdict's reasons.</param>
/// <param name="TestsPassed">Tests that passed.</param>
/// <param name="TestsExpected">Tests expected.</param>
/// <param name="DurationMs">Solve plus grade time.</param>
/// <param name="CostUsd">Dollars, when known.</param>
/// <param name="Tokens">Tokens, when a model was involved.</param>
/// <param name="Folder">The attempt folder (verdict.json, candidate, trajectory).</param>
public sealed record AttemptReport(string TaskId, int Attempt, int Sample, AttemptOutcome Outcome, VerdictStatus VerdictStatus, string SolverStatus, string? SolverMessage, IReadOnlyList<string> Reasons, int TestsPassed, int TestsExpected, double DurationMs, decimal? CostUsd, TokenUsage? Tokens, string Folder);

/// <summary>
/// The statistics of one evaluation run, built from the result store: attempt counts with outages apart, the failure
/// taxonomy, pass@k with bootstrap intervals over tasks, usage, cost and time, and the tasks and attempts. It is the
/// one model the CLI summary, <c>runs show</c>, <c>eval compare</c> and the viewer render. Serialised with
/// <see cref="ToJson"/> as schema <see cref="SchemaName"/>, version <see cref="CurrentVersion"/>.
/// </summary>
public sealed record RunReport
{
    /// <summary>Schema name of the JSON form.</summary>
    public const string SchemaName = "crucible.run-report";

    /// <summary>Schema version of the JSON form.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Schema name (always <see cref="SchemaName"/>).</summary>
    public string Schema { get; init; } = SchemaName;

    /// <summary>Schema version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The run.</summary>
    public required RunInfo Run { get; init; }

    /// <summary>Attempt counts.</summary>
    public required AttemptCounts Counts { get; init; }

    /// <summary>Attempts by outcome name (every outcome listed, zeros included, in taxonomy order).</summary>
    public required IReadOnlyDictionary<string, int> ByOutcome { get; init; }

    /// <summary>pass@k for each k of <see cref="ReportOptions.Ks"/> up to the largest sample count.</summary>
    public required IReadOnlyList<PassAtKReport> PassAtK { get; init; }

    /// <summary>Tokens, cost and time.</summary>
    public required UsageReport Usage { get; init; }

    /// <summary>Tasks, by id.</summary>
    public required IReadOnlyList<TaskReport> Tasks { get; init; }

    /// <summary>Attempts, by task and attempt.</summary>
    public required IReadOnlyList<AttemptReport> Attempts { get; init; }

    /// <summary>Builds the report of <paramref name="runId"/> from <paramref name="store"/>; null when there is no such run.</summary>
    public static RunReport? FromStore(ResultStore store, string runId, ReportOptions? options = null) =>
        store.FindRun(runId) is { } run ? Build(run, store.Results(run.Id), options) : null;

    /// <summary>Builds the report of <paramref name="run"/> from its stored attempts.</summary>
    public static RunReport Build(StoredRun run, IReadOnlyList<StoredResult> results, ReportOptions? options = null)
    {
        options ??= ReportOptions.Default;
        var graded = results.Where(r => !r.Outcome.IsOutage()).ToList();
        var counts = new AttemptCounts(
            results.Count, graded.Count, graded.Count(r => r.CountsAsPass), graded.Count(r => !r.CountsAsPass),
            results.Count(r => r.Outcome == AttemptOutcome.ModelError), results.Count(r => r.Outcome == AttemptOutcome.HarnessError));

        var tasks = results.GroupBy(r => r.TaskId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var (n, c) = SamplesOf(g);
            return new TaskReport(g.Key, n, c, n == 0 ? 0 : (double)c / n, g.Count(), g.Count(r => r.Outcome.IsOutage()), CountByOutcome(g),
                g.Sum(r => r.Usage is { } u ? u.Tokens.TotalInputTokens + u.Tokens.OutputTokens : 0), g.Sum(r => r.CostUsd ?? 0m), g.Sum(r => r.Duration.TotalMilliseconds));
        }).ToList();

        var maxSamples = tasks.Count == 0 ? 0 : tasks.Max(t => t.Samples);
        var passAtK = new List<PassAtKReport>();
        foreach (var k in options.Ks.Where(k => k >= 1 && k <= maxSamples).Distinct().Order())
        {
            var counted = tasks.Where(t => t.Samples >= k).ToList();
            var perTask = counted.Select(t => EvalStatistics.PassAtK(t.Samples, t.Correct, k)).ToList();
            var interval = EvalStatistics.BootstrapMean(perTask, options.Bootstrap);
            // The point estimate is the exact mean, so a known true value is reported exactly.
            var exact = EvalStatistics.MeanPassAtK(counted.Select(t => (t.Samples, t.Correct)), k);
            passAtK.Add(new PassAtKReport(k, new Estimate(exact, Math.Min(interval.Low, exact), Math.Max(interval.High, exact)), counted.Count));
        }

        var tokens = results.Aggregate(TokenUsage.Zero, (sum, r) => r.Usage is { } u ? sum + u.Tokens : sum);
        var durations = results.Select(r => r.Duration.TotalMilliseconds).Order().ToList();
        var usage = new UsageReport(
            tokens,
            tokens.TotalInputTokens == 0 ? 0 : (double)tokens.CacheReadTokens / tokens.TotalInputTokens,
            results.Sum(r => r.CostUsd ?? 0m),
            results.Sum(r => r.Usage?.Calls ?? 0),
            tasks.Count == 0 ? 0 : tasks.Average(t => (double)t.Tokens),
            tasks.Count == 0 ? 0 : tasks.Sum(t => t.CostUsd) / tasks.Count,
            tasks.Count == 0 ? 0 : tasks.Average(t => t.WallTimeMs),
            Percentile(durations, 0.5),
            Percentile(durations, 0.95));

        using var optionsDoc = JsonDocument.Parse(string.IsNullOrWhiteSpace(run.OptionsJson) ? "{}" : run.OptionsJson);
        return new RunReport
        {
            Run = new RunInfo(run.Id, run.Suite, run.Solver, run.Status, run.CreatedAt, run.FinishedAt, run.Folder, optionsDoc.RootElement.Clone()),
            Counts = counts,
            ByOutcome = CountByOutcome(results),
            PassAtK = passAtK,
            Usage = usage,
            Tasks = tasks,
            Attempts = [.. results.OrderBy(r => r.TaskId, StringComparer.Ordinal).ThenBy(r => r.Attempt).Select(r => new AttemptReport(
                r.TaskId, r.Attempt, r.Sample, r.Outcome, r.Verdict.Status, r.SolverStatus, r.SolverMessage, r.Verdict.Reasons,
                r.Verdict.Counts.Passed, r.Verdict.Counts.Expected, r.Duration.TotalMilliseconds, r.CostUsd, r.Usage?.Tokens,
                AttemptFolder(run.Folder, r.TaskId, r.Attempt)))],
        };
    }

    /// <summary>The folder of one attempt: <c>RUN/tasks/TASK/ATTEMPT</c>.</summary>
    public static string AttemptFolder(string runFolder, string taskId, int attempt) =>
        Path.Combine(runFolder, "tasks", taskId, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The report as indented JSON (schema <see cref="SchemaName"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ResultStore.ArtifactJson);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not a run report of a version this build reads.</exception>
    public static RunReport FromJson(string json)
    {
        var report = JsonSerializer.Deserialize<RunReport>(json, ResultStore.ArtifactJson) ?? throw new JsonException("empty run report");
        if (report.Schema != SchemaName || report.Version > CurrentVersion)
        {
            throw new JsonException($"not a {SchemaName} v{CurrentVersion} document (schema '{report.Schema}', version {report.Version})");
        }
        return report;
    }

    /// <summary>
    /// (n, c) of pass@k for one task: a sample is counted when at least one of its repeats was graded (outages are not
    /// results), and is correct only when every graded repeat passed (a flaky pass is not a pass).
    /// </summary>
    private static (int N, int C) SamplesOf(IEnumerable<StoredResult> attempts)
    {
        var samples = attempts.Where(r => !r.Outcome.IsOutage()).GroupBy(r => r.Sample).ToList();
        return (samples.Count, samples.Count(s => s.All(r => r.CountsAsPass)));
    }

    private static Dictionary<string, int> CountByOutcome(IEnumerable<StoredResult> results)
    {
        var list = results.ToList();
        return Enum.GetValues<AttemptOutcome>().ToDictionary(o => o.ToWire(), o => list.Count(r => r.Outcome == o));
    }

    private static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }
        // Nearest rank: the smallest value with at least p of the data at or below it.
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}

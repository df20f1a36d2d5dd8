using System.Text.Json;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;

namespace Crucible.Flywheel.Tests.Eval;

public sealed class RunReportTests
{
    private static readonly StoredRun Run = new("r1", "/suite", "model", """{"samples":2}""", "/runs/r1", DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), null, RunStatuses.Degraded);

    private static StoredResult Attempt(string task, int attempt, AttemptOutcome outcome, decimal? cost = null, TokenUsage? tokens = null, int ms = 1000) =>
        new("r1", task, attempt, "completed", new Verdict
        {
            TaskId = task,
            Status = outcome switch { AttemptOutcome.Passed => VerdictStatus.Passed, AttemptOutcome.BuildFailed => VerdictStatus.BuildFailed, AttemptOutcome.ModelError => VerdictStatus.HarnessError, _ => VerdictStatus.Failed },
            Sandbox = "bubblewrap",
        }, TimeSpan.FromMilliseconds(ms), cost)
        {
            Outcome = outcome,
            Usage = tokens is null ? null : new UsageTotals(tokens, cost ?? 0, 1),
        };

    [Fact]
    public void Outages_are_counted_apart_and_kept_out_of_pass_at_k()
    {
        StoredResult[] results =
        [
            Attempt("a", 0, AttemptOutcome.Passed, 0.1m, new TokenUsage(100, 10, CacheReadTokens: 300)),
            Attempt("a", 1, AttemptOutcome.TestsFailed, 0.1m, new TokenUsage(100, 10, CacheReadTokens: 300)),
            Attempt("b", 0, AttemptOutcome.ModelError, 0m, TokenUsage.Zero),
            Attempt("b", 1, AttemptOutcome.BuildFailed, 0.2m, new TokenUsage(200, 20)),
        ];

        var report = RunReport.Build(Run, results);

        Assert.Equal(new AttemptCounts(4, 3, 1, 2, 1, 0), report.Counts);
        Assert.Equal(1.0 / 3, report.Counts.PassRate);
        // Task a: n=2, c=1 (pass@1 1/2); task b: n=1 (the outage is not a sample), c=0.
        Assert.Equal([("a", 2, 1, 0.5, 0), ("b", 1, 0, 0.0, 1)], report.Tasks.Select(t => (t.TaskId, t.Samples, t.Correct, t.PassAt1, t.Excluded)).ToList());
        var p1 = Assert.Single(report.PassAtK, p => p.K == 1);
        Assert.Equal((0.25, 2), (p1.Estimate.Value, p1.Tasks));
        Assert.DoesNotContain(report.PassAtK, p => p.K == 5);
        Assert.Equal(new Dictionary<string, int>
        {
            ["passed"] = 1, ["tests-failed"] = 1, ["build-failed"] = 1, ["timeout-or-limit"] = 0, ["forged"] = 0, ["integrity-flagged"] = 0,
            ["solver-error"] = 0, ["model-error"] = 1, ["harness-error"] = 0,
        }, report.ByOutcome);
        Assert.Equal(new UsageReport(new TokenUsage(400, 40, CacheReadTokens: 600), 0.6, 0.4m, 4, 520, 0.2m, 2000, 1000, 1000), report.Usage); // tokens per task: a (410 + 410), b (0 + 220)
    }

    [Fact]
    public void A_repeated_sample_is_correct_only_when_every_repeat_passed()
    {
        // Two samples x two repeats: sample 0 passes twice, sample 1 passes once (flaky).
        StoredResult[] results =
        [
            Attempt("a", 0, AttemptOutcome.Passed) with { Sample = 0 },
            Attempt("a", 1, AttemptOutcome.Passed) with { Sample = 0 },
            Attempt("a", 2, AttemptOutcome.Passed) with { Sample = 1 },
            Attempt("a", 3, AttemptOutcome.TestsFailed) with { Sample = 1 },
        ];
        var task = Assert.Single(RunReport.Build(Run, results).Tasks);
        Assert.Equal((2, 1), (task.Samples, task.Correct));
    }

    [Fact]
    public void The_json_form_carries_its_schema_and_reads_back_to_the_same_figures()
    {
        var report = RunReport.Build(Run, [Attempt("a", 0, AttemptOutcome.Passed), Attempt("b", 0, AttemptOutcome.SolverError)]);

        var json = report.ToJson();
        using var doc = JsonDocument.Parse(json);

        Assert.Equal(("crucible.run-report", 1), (doc.RootElement.GetProperty("schema").GetString(), doc.RootElement.GetProperty("version").GetInt32()));
        Assert.Equal("solver-error", doc.RootElement.GetProperty("attempts")[1].GetProperty("outcome").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("run").GetProperty("options").GetProperty("samples").GetInt32());
        var back = RunReport.FromJson(json);
        Assert.Equal((report.Counts, report.PassAtK.Single(), report.Usage), (back.Counts, back.PassAtK.Single(), back.Usage));
        Assert.Equal(report.Attempts.Select(a => a with { Reasons = [] }), back.Attempts.Select(a => a with { Reasons = [] }));
    }
}

using Crucible.Constitution.Changes;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Testing;
using Crucible.Verification.Grading;

namespace Crucible.Viewer.Tests;

/// <summary>The catalog over a synthetic store with known outcomes.</summary>
public sealed class RunCatalogSyntheticTests : IDisposable
{
    private readonly TempDirectory _dir = new("viewer-catalog");

    private string Db => _dir["crucible.db"];

    public void Dispose() => _dir.Dispose();

    private async Task<RunCatalog> TwoRunsAsync()
    {
        using (var store = new ResultStore(Db))
        {
            // Run A: task 0 passes, 1 fails, 2 passes once in two. Run B: task 0 fails, 1 passes, 2 the same as A, 3 only in B.
            await SyntheticRuns.CreateAsync(store, _dir["runs"], "run-a", 3, 2, (t, a) => t == 0 || (t == 2 && a == 0));
            await SyntheticRuns.CreateAsync(store, _dir["runs"], "run-b", 4, 2, (t, a) => t is 1 or 3 || (t == 2 && a == 1));
        }
        return new RunCatalog(Db);
    }

    [Fact]
    public async Task Comparing_two_runs_gives_the_evaluations_task_by_task_comparison_with_both_runs_figures()
    {
        using var catalog = await TwoRunsAsync();

        var compare = catalog.Compare("run-a", "run-b")!;

        Assert.Equivalent(new[]
        {
            new TaskComparison("task-000", 1.0, 0.0, TaskChange.Lost),
            new TaskComparison("task-001", 0.0, 1.0, TaskChange.Gained),
            new TaskComparison("task-002", 0.5, 0.5, TaskChange.Same),
        }, compare.Comparison.Tasks, strict: true);
        Assert.Equal(["task-003"], compare.Comparison.OnlyInB);
        Assert.Equal((ViewSchemas.Compare, new AttemptCounts(6, 6, 3, 3, 0, 0), new AttemptCounts(8, 8, 5, 3, 0, 0)), (compare.Schema, compare.A.Counts, compare.B.Counts));
    }

    [Fact]
    public async Task A_run_shows_its_report_figures_and_charts_of_pass_rate_cost_tokens_and_the_failure_taxonomy()
    {
        using var catalog = await TwoRunsAsync();

        var run = catalog.Run("run-a")!;

        Assert.Equal(("run-a", 3, new AttemptCounts(6, 6, 3, 3, 0, 0), 0.06m), (run.Row.Run.Id, run.Row.Tasks, run.Row.Counts, run.Row.Usage.CostUsd));
        var passAt1 = Assert.Single(run.Row.PassAtK); // two samples per task: pass@5 and pass@10 are left out
        Assert.Equal((1, 0.5, 3), (passAt1.K, passAt1.Estimate.Value, passAt1.Tasks));
        Assert.True(passAt1.Estimate.Low <= 0.5 && passAt1.Estimate.High >= 0.5);
        Assert.Equivalent(new[] { new ChartBar("task-000", 1), new ChartBar("task-001", 0), new ChartBar("task-002", 0.5) }, run.Charts.PassRateByTask, strict: true);
        Assert.Equivalent(new[] { new ChartBar("task-000", 0.02), new ChartBar("task-001", 0.02), new ChartBar("task-002", 0.02) }, run.Charts.CostByTask, strict: true);
        var t = SyntheticRuns.Tokens;
        Assert.Equivalent(new[] { new ChartBar("input", 6 * t.InputTokens), new ChartBar("output", 6 * t.OutputTokens), new ChartBar("cache read", 6 * t.CacheReadTokens), new ChartBar("cache write", 0) },
            run.Charts.TokensByKind, strict: true);
        Assert.Equal([("passed", 3.0), ("tests-failed", 3.0), ("build-failed", 0), ("timeout-or-limit", 0), ("forged", 0), ("integrity-flagged", 0), ("solver-error", 0), ("model-error", 0), ("harness-error", 0)],
            run.Charts.Outcomes.Select(b => (b.Label, b.Value)));
        Assert.Equivalent(catalog.Report("run-a")!.Tasks, run.Tasks, strict: true);
    }

    [Fact]
    public async Task An_attempt_shows_its_trajectory_by_step_with_tool_calls_and_results()
    {
        using var catalog = await TwoRunsAsync();

        var attempt = catalog.Attempt("run-a", "task-001", 1)!;

        Assert.False(attempt.Passed);
        Assert.Equal([0, 1, 2, 3], attempt.Steps.Select(s => s.Step));
        Assert.Equivalent(new StepItem("user", "Solve task-001."), Assert.Single(attempt.Steps[0].Items), strict: true);
        Assert.Equal(["usage", "assistant", "tool_call", "tool_result"], attempt.Steps[1].Items.Select(i => i.Kind));
        Assert.Equal(["usage", "assistant", "tool_call", "tool_result", "result"], attempt.Steps[3].Items.Select(i => i.Kind));
        var call = attempt.Steps[1].Items[2];
        Assert.Equal(("write", "write solution.py", false), (call.Tool, call.Text, call.IsError));
        Assert.Equal("{\"path\":\"solution.py\",\"content\":\"def answer():\\n    return 42\\n\"}", call.Arguments);
        // The synthetic suite does not exist: the diff says why it is missing instead of failing the page.
        Assert.Empty(attempt.Diff);
        Assert.StartsWith("the task is not in the suite at /nowhere/suite", attempt.DiffNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_runs_tasks_and_attempts_are_null_not_errors()
    {
        using var catalog = await TwoRunsAsync();

        Assert.Equal((null, null, null, null), ((object?)catalog.Run("nope"), (object?)catalog.Task("run-a", "nope"), (object?)catalog.Attempt("run-a", "task-000", 9), (object?)catalog.Compare("run-a", "nope")));
    }

    [Fact]
    public async Task A_damaged_trajectory_line_shows_the_steps_before_it_and_says_where_it_broke()
    {
        using var catalog = await TwoRunsAsync();
        var path = _dir["runs/run-a/tasks/task-000/0/trajectory.jsonl"];
        var lines = File.ReadAllLines(path).ToList();
        lines.Insert(4, "{not json");
        File.WriteAllLines(path, lines);

        var attempt = catalog.Attempt("run-a", "task-000", 0)!;

        var last = attempt.Steps[^1].Items[^1];
        Assert.Equal(("error", true), (last.Kind, last.IsError));
        Assert.StartsWith("the trajectory is damaged at line 5", last.Text, StringComparison.Ordinal);
    }
}

/// <summary>The catalog over the real agent run of <see cref="AgentRunFixture"/>.</summary>
[Collection(AgentRunCollection.Name)]
public sealed class RunCatalogAgentRunTests(AgentRunFixture run)
{
    [Fact]
    public void The_passing_attempt_shows_the_agents_write_call_the_diff_against_the_stub_the_verdicts_tests_and_its_cost()
    {
        using var catalog = new RunCatalog(run.Database);

        var attempt = catalog.Attempt(run.RunId, AgentRunFixture.TaskId, 0)!;

        Assert.True(attempt.Passed, run.EvalOutput);
        var items = attempt.Steps.SelectMany(s => s.Items).ToList();
        var call = Assert.Single(items, i => i.Kind == "tool_call");
        Assert.Equal("write", call.Tool);
        Assert.Contains(items, i => i.Kind == "tool_result" && i.Tool == "write" && i.IsError == false);
        Assert.Contains(items, i => i is { Kind: "assistant", Text: "Writing the proverb function." });
        Assert.Equal(AgentRunFixture.Task().Instructions, items.First(i => i.Kind == "user").Text);

        var task = AgentRunFixture.Task();
        var stub = System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(task.StartingFiles.Single(f => f.Path == run.Solution.Path)));
        var file = Assert.Single(attempt.Diff);
        Assert.Equivalent(DiffView.Of(new FileChange(run.Solution.Path, stub, run.Solution.Text), catalog.Options.DiffContextLines), file, strict: true);
        Assert.True(file.Added > 0 && file.Removed > 0);

        Assert.Equal(VerdictStatus.Passed, attempt.Verdict.Status);
        Assert.NotEmpty(attempt.Verdict.Tests);
        Assert.All(attempt.Verdict.Tests, t => Assert.Equal(TestOutcomeKind.Passed, t.Outcome));
        var expectedCost = 2 * (1200 * AgentRunFixture.InputPrice + 300 * AgentRunFixture.OutputPrice);
        Assert.Equal((expectedCost, 2), (attempt.CostUsd, attempt.Usage!.Calls));
    }

    [Fact]
    public void The_run_counts_one_pass_and_one_test_failure_of_the_task()
    {
        using var catalog = new RunCatalog(run.Database);

        var view = catalog.Run(run.RunId)!;

        Assert.Equal((1, new AttemptCounts(2, 2, 1, 1, 0, 0), 0.5), (view.Row.Tasks, view.Row.Counts, view.Row.PassAtK.Single(p => p.K == 1).Estimate.Value));
        Assert.Equal([("passed", 1.0), ("tests-failed", 1.0)], view.Charts.Outcomes.Where(b => b.Value > 0).Select(b => (b.Label, b.Value)));
        var failed = catalog.Attempt(run.RunId, AgentRunFixture.TaskId, 1)!;
        Assert.Equal((false, AttemptOutcome.TestsFailed, VerdictStatus.Failed), (failed.Passed, failed.Outcome, failed.Verdict.Status));
        Assert.Empty(failed.Diff); // the agent gave up: the candidate is the stub
    }
}

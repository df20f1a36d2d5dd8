using System.Text.Json;
using Crucible.Core.Solving;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Solvers;
using Crucible.Flywheel.Storage;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Flywheel.Tests.Eval;

public sealed class EvalRunnerTests : IClassFixture<EvalFixture>
{
    private readonly EvalFixture _f;

    public EvalRunnerTests(EvalFixture f) => _f = f;

    [Fact]
    public async Task Every_attempt_is_stored_in_the_database_and_as_a_verdict_file_with_the_candidate()
    {
        var suite = TaskSuites.Load(TestPaths.Examples);
        using var store = new ResultStore(Path.Combine(_f.StateDirectory, "store.db"));
        var run = await EvalFixture.NewRunAsync(store, _f.StateDirectory, suite, new ReferenceSolver());

        var summary = await new EvalRunner(_f.Verifier, store).RunAsync(run, suite, new ReferenceSolver(), new EvalOptions { Jobs = 2 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(summary.Interrupted);
        Assert.Equal(suite.Tasks.Select(t => t.Id).Order(), store.Results(run.Id).Select(r => r.TaskId).Order());
        Assert.Equal("completed", store.FindRun(run.Id)!.Status);
        foreach (var task in suite.Tasks)
        {
            var attemptDir = Path.Combine(run.Folder, "tasks", task.Id, "0");
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(attemptDir, "verdict.json")));
            Assert.Equal("Passed", doc.RootElement.GetProperty("verdict").GetProperty("status").GetString());
            Assert.All(task.ReferenceFiles, f => Assert.Equal(File.ReadAllText(f.SourcePath), File.ReadAllText(Path.Combine(attemptDir, "candidate", f.Path))));
        }
        using var summaryDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Folder, "summary.json")));
        Assert.Equal(suite.Tasks.Count, summaryDoc.RootElement.GetProperty("passed").GetInt32());
    }

    [Fact]
    public async Task Verdict_and_summary_files_are_indented_camel_case_json_and_the_run_options_are_an_object_not_a_string()
    {
        var suite = TaskSuites.Filter(TaskSuites.Load(TestPaths.Examples), "slugify");
        using var store = new ResultStore(Path.Combine(_f.StateDirectory, "artifacts.db"));
        var id = $"art-{Guid.NewGuid():N}"[..16];
        var run = new StoredRun(id, suite.Path, "stub", """{"solver":"stub","note":"say \"hi\" – ok"}""", Path.Combine(_f.StateDirectory, "runs", id), DateTimeOffset.UtcNow, null, "created");
        Directory.CreateDirectory(run.Folder);
        await store.CreateRunAsync(run);

        await new EvalRunner(_f.Verifier, store).RunAsync(run, suite, new StubSolver(), new EvalOptions(), cancellationToken: TestContext.Current.CancellationToken);

        var verdictText = File.ReadAllText(Path.Combine(run.Folder, "tasks", "slugify", "0", "verdict.json"));
        Assert.StartsWith("{\n  \"schema\": \"crucible.attempt\",\n  \"version\": 2,\n  \"solver\": \"stub\",\n  \"solverStatus\": ", verdictText.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("\n  \"verdict\": {\n    \"schemaVersion\": 1,\n    \"taskId\": \"slugify\",", verdictText.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0022", verdictText, StringComparison.Ordinal);
        var summaryText = File.ReadAllText(Path.Combine(run.Folder, "summary.json"));
        Assert.Contains("\n  \"run\": {\n    \"id\": ", summaryText.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(summaryText);
        var options = summary.RootElement.GetProperty("run").GetProperty("options");
        Assert.Equal((JsonValueKind.Object, "stub", "say \"hi\" – ok"), (options.ValueKind, options.GetProperty("solver").GetString(), options.GetProperty("note").GetString()));
        Assert.Contains("\"say \\\"hi\\\" – ok\"", summaryText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_run_resumes_without_redoing_finished_attempts()
    {
        var suite = TaskSuites.Load(TestPaths.Examples);
        using var store = new ResultStore(Path.Combine(_f.StateDirectory, "resume.db"));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var first = new CountingSolver(new ReferenceSolver(), cancelAfter: 2, interrupt);
        var run = await EvalFixture.NewRunAsync(store, _f.StateDirectory, suite, first);

        var partial = await new EvalRunner(_f.Verifier, store).RunAsync(run, suite, first, new EvalOptions { Jobs = 1 }, cancellationToken: interrupt.Token);

        Assert.True(partial.Interrupted);
        Assert.Equal("interrupted", store.FindRun(run.Id)!.Status);
        var finishedBefore = store.Results(run.Id).Select(r => r.TaskId).ToHashSet();
        Assert.InRange(finishedBefore.Count, 1, suite.Tasks.Count - 1);

        var second = new CountingSolver(new ReferenceSolver());
        var resumed = await new EvalRunner(_f.Verifier, store).RunAsync(store.FindRun(run.Id)!, suite, second, new EvalOptions { Jobs = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(resumed.Interrupted);
        Assert.Equal(suite.Tasks.Select(t => t.Id).Order(), resumed.Results.Select(r => r.TaskId).Order());
        Assert.Empty(second.Solved.Intersect(finishedBefore));
        Assert.Equal(suite.Tasks.Count - finishedBefore.Count, second.Solved.Count);
        Assert.All(resumed.Results, r => Assert.True(r.Verdict.CountsAsPass, r.TaskId));
    }

    [Fact]
    public async Task A_solver_that_throws_is_a_harness_error_kept_out_of_the_pass_rate_and_the_run_is_degraded()
    {
        var suite = TaskSuites.Filter(TaskSuites.Load(TestPaths.Examples), "slugify");

        var summary = await _f.EvaluateAsync(suite, new ThrowingSolver(), jobs: 1);

        var result = Assert.Single(summary.Results);
        Assert.Equal(("error", AttemptOutcome.HarnessError, VerdictStatus.HarnessError, "solver crashed"), (result.SolverStatus, result.Outcome, result.Verdict.Status, result.SolverMessage));
        Assert.Equal((RunStatuses.Degraded, 0, 1, true), (summary.Run.Status, summary.Report.Counts.Graded, summary.Report.Counts.HarnessErrors, summary.Degraded));
        // Nothing was graded, so no candidate was kept.
        Assert.False(Directory.Exists(Path.Combine(summary.Run.Folder, "tasks", "slugify", "0", "candidate")));
    }

    /// <summary>Wraps a solver, records which tasks it solved, and cancels the run after a number of solves.</summary>
    private sealed class CountingSolver(ISolver inner, int cancelAfter = int.MaxValue, CancellationTokenSource? cancel = null) : ISolver
    {
        private readonly List<string> _solved = [];

        public IReadOnlyList<string> Solved { get { lock (_solved) { return [.. _solved]; } } }

        public string Name => inner.Name;

        public async Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default)
        {
            int count;
            lock (_solved)
            {
                _solved.Add(context.Task.Id);
                count = _solved.Count;
            }
            if (count > cancelAfter)
            {
                await cancel!.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }
            return await inner.SolveAsync(context, cancellationToken);
        }
    }

    private sealed class ThrowingSolver : ISolver
    {
        public string Name => "throwing";

        public Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("solver crashed");
    }
}

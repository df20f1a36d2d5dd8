using Crucible.Core.Verification;
using Crucible.Flywheel.Solvers;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Flywheel.Tests.Eval;

/// <summary>
/// The CI sample of the benchmark sweeps: real tasks written by others, chosen across Exercism's
/// difficulty levels 1 to 10 and the Python and Go tracks of Aider's polyglot benchmark. The
/// reference solver must pass every one and the untouched stub none. The full sweeps run from
/// <c>bench/verification/sweep</c>.
/// </summary>
public sealed class RepresentativeSampleTests : IClassFixture<EvalFixture>
{
    /// <summary>Two tasks per band of difficulty (1–2, 3–4, 5–6, 7–8, 9–10), none of them refactoring exercises.</summary>
    private const string ExercismSample =
        "hello-world,hamming,isogram,clock,bank-account,binary-search-tree,bowling,wordy,zebra-puzzle,go-counting,zipper";

    private const string PolyglotSample = "python/bowling,python/wordy,go/pig-latin";

    /// <summary>HumanEval problems spread over the set (the full 164 run from <c>SWEEPS=humaneval bench/verification/sweep</c>).</summary>
    private const string HumanEvalSample = "humaneval-010,humaneval-032,humaneval-053,humaneval-080,humaneval-105,humaneval-130,humaneval-163";

    private readonly EvalFixture _f;

    public RepresentativeSampleTests(EvalFixture f) => _f = f;

    private static Crucible.Core.Tasks.TaskSuite Exercism() => TaskSuites.Filter(TaskSuites.Load(TestPaths.ExercismPractice), ExercismSample);

    private static Crucible.Core.Tasks.TaskSuite Polyglot() => TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), PolyglotSample);

    [Fact]
    public void The_sample_spans_every_difficulty_band()
    {
        var difficulties = Exercism().Tasks.Select(t => t.Difficulty ?? 0).ToList();

        Assert.Equal(11, difficulties.Count);
        Assert.All(new[] { (1, 2), (3, 4), (5, 6), (7, 8), (9, 10) }, band =>
            Assert.Contains(difficulties, d => d >= band.Item1 && d <= band.Item2));
    }

    [Fact]
    public async Task The_reference_solver_passes_every_exercism_task_of_the_sample()
    {
        var summary = await _f.EvaluateAsync(Exercism(), new ReferenceSolver());

        Assert.Equal(11, summary.Results.Count);
        Assert.All(summary.Results, r => Assert.True(r.Verdict.CountsAsPass, $"{r.TaskId}: {r.Verdict.Status} {string.Join("; ", r.Verdict.Reasons)}"));
        Assert.All(summary.Results, r => Assert.Equal(r.Verdict.Counts.Expected, r.Verdict.Counts.Passed));
        Assert.All(summary.Results, r => Assert.True(r.Verdict.CanariesOk));
    }

    [Fact]
    public async Task The_stub_solver_passes_no_exercism_task_of_the_sample()
    {
        var summary = await _f.EvaluateAsync(Exercism(), new StubSolver());

        Assert.Equal(11, summary.Results.Count);
        Assert.All(summary.Results, r => Assert.False(r.Verdict.CountsAsPass, r.TaskId));
        Assert.All(summary.Results, r => Assert.Contains(r.Verdict.Status, new[] { VerdictStatus.Failed, VerdictStatus.BuildFailed }));
    }

    [Fact]
    public async Task Python_and_go_tasks_pass_with_the_reference_and_fail_as_stubs()
    {
        var reference = await _f.EvaluateAsync(Polyglot(), new ReferenceSolver());
        var stub = await _f.EvaluateAsync(Polyglot(), new StubSolver());

        Assert.Equal(["go/pig-latin", "python/bowling", "python/wordy"], reference.Results.Select(r => r.TaskId).Order());
        Assert.All(reference.Results, r => Assert.True(r.Verdict.CountsAsPass, $"{r.TaskId}: {r.Verdict.Status} {string.Join("; ", r.Verdict.Reasons)}"));
        Assert.All(reference.Results, r => Assert.True(r.Verdict.Counts.Expected > 0 && r.Verdict.Counts.Passed == r.Verdict.Counts.Expected, r.TaskId));
        Assert.All(stub.Results, r => Assert.False(r.Verdict.CountsAsPass, r.TaskId));
    }

    [Fact]
    public async Task HumanEval_tasks_pass_with_the_reference_and_fail_as_stubs_through_the_sandbox_and_pytest()
    {
        var suite = TaskSuites.Filter(TaskSuites.Load(TestPaths.HumanEval), HumanEvalSample);
        var reference = await _f.EvaluateAsync(suite, new ReferenceSolver());
        var stub = await _f.EvaluateAsync(suite, new StubSolver());

        Assert.Equal(HumanEvalSample.Split(','), reference.Results.Select(r => r.TaskId).Order(StringComparer.Ordinal));
        Assert.All(reference.Results, r => Assert.True(r.Verdict.CountsAsPass && r.Verdict.Counts == new TestCounts(1, 1, 1, 0, 0, 0) && r.Verdict.CanariesOk == true, $"{r.TaskId}: {r.Verdict.Status} {string.Join("; ", r.Verdict.Reasons)}"));
        Assert.All(stub.Results, r => Assert.Equal((VerdictStatus.Failed, 0, 1), (r.Verdict.Status, r.Verdict.Counts.Passed, r.Verdict.Counts.Failed)));
    }
}

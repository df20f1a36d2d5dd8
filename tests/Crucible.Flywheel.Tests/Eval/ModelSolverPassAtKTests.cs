using System.Text;
using System.Text.RegularExpressions;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Solvers;
using Crucible.Flywheel.Storage;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Tests.Eval;

/// <summary>
/// The one-shot model solver over 10 Exercism C# tasks and 10 HumanEval tasks with K = 5 samples, graded by the real
/// sandbox and verifier. The scripted model answers the reference solution for the first c samples of task i (c = i mod 6)
/// and something wrong otherwise (the untouched stub, which fails, a file that does not build, or a malformed answer), so
/// the true pass@1 is 46/100 and the true pass@5 is 16/20: the report must give exactly those values, with intervals that
/// cover them. One run serves every assertion (it takes about a minute of grading).
/// </summary>
public sealed partial class ModelSolverPassAtKTests : IClassFixture<ModelSolverPassAtKTests.ScriptedRun>
{
    private const int K = 5;
    private const string ExercismSample = "hello-world,hamming,isogram,clock,bank-account,binary-search-tree,bowling,wordy,go-counting,zipper";
    private const string HumanEvalSample = "humaneval-00?";

    private readonly ScriptedRun _run;

    public ModelSolverPassAtKTests(ScriptedRun run) => _run = run;

    /// <summary>How many of the K samples of task <paramref name="index"/> the model answers correctly.</summary>
    private static int Correct(int index) => index % 6;

    private enum Answer { Reference, Stub, DoesNotBuild, Malformed }

    /// <summary>The answer to sample <paramref name="sample"/> of task <paramref name="index"/>: correct for the first c samples, then one stub (or a non-building file), then malformed.</summary>
    private static Answer Plan(int index, int sample, TaskSpec task) =>
        sample < Correct(index) ? Answer.Reference
        : sample > Correct(index) ? Answer.Malformed
        : task.Language == "csharp" && index % 2 == 0 ? Answer.DoesNotBuild
        : Answer.Stub;

    [Fact]
    public void The_reported_pass_at_k_equals_the_true_pass_at_k_exactly_and_the_intervals_cover_it()
    {
        var report = _run.Summary.Report;

        Assert.Equal(20, _run.Tasks.Count);
        var p1 = Assert.Single(report.PassAtK, p => p.K == 1);
        var p5 = Assert.Single(report.PassAtK, p => p.K == 5);
        Assert.DoesNotContain(report.PassAtK, p => p.K == 10); // K = 5 samples: pass@10 cannot be estimated
        Assert.Equal((46.0 / 100, 20), (p1.Estimate.Value, p1.Tasks));
        Assert.Equal((16.0 / 20, 20), (p5.Estimate.Value, p5.Tasks));
        Assert.True(p1.Estimate.Covers(0.46) && p1.Estimate.Low < p1.Estimate.High, $"{p1}");
        Assert.True(p5.Estimate.Covers(0.8) && p5.Estimate.Low < p5.Estimate.High, $"{p5}");
        Assert.Equal(
            _run.Tasks.Select((t, i) => (t.Id, K, Correct(i))).OrderBy(x => x.Id, StringComparer.Ordinal).ToList(),
            report.Tasks.Select(t => (t.TaskId, t.Samples, t.Correct)).ToList());
    }

    [Fact]
    public void Every_attempt_gets_the_outcome_of_its_answer_and_none_is_an_outage()
    {
        var results = _run.Summary.Results;
        Assert.Equal(100, results.Count);
        foreach (var r in results)
        {
            var index = _run.Tasks.FindIndex(t => t.Id == r.TaskId);
            var expected = Plan(index, r.Sample, _run.Tasks[index]) switch
            {
                Answer.Reference => [AttemptOutcome.Passed],
                Answer.Malformed => [AttemptOutcome.SolverError],
                Answer.DoesNotBuild => [AttemptOutcome.BuildFailed],
                // A C# stub may not build (it throws NotImplementedException or lacks members); a Python stub runs and fails.
                _ => _run.Tasks[index].Language == "python" ? [AttemptOutcome.TestsFailed] : new[] { AttemptOutcome.TestsFailed, AttemptOutcome.BuildFailed },
            };
            Assert.True(expected.Contains(r.Outcome), $"{r.TaskId} sample {r.Sample}: {r.Outcome} ({r.SolverMessage}; {string.Join("; ", r.Verdict.Reasons)})");
            Assert.Equal(r.Attempt, r.Sample); // one repeat per sample
        }
        Assert.Equal((RunStatuses.Completed, 0), (_run.Summary.Run.Status, _run.Summary.Report.Counts.Excluded));
        Assert.Equal(
            _run.Tasks.SelectMany((t, i) => Enumerable.Range(0, K).Where(s => Plan(i, s, t) == Answer.Malformed)).Count(),
            _run.Summary.Report.ByOutcome["solver-error"]);
        // A malformed answer says why, and it is not graded.
        var malformed = results.First(r => r.Outcome == AttemptOutcome.SolverError);
        Assert.Equal(("malformed-answer", "the answer has no fenced code block with a file's content"), (malformed.SolverStatus, malformed.SolverMessage));
        Assert.False(Directory.Exists(Path.Combine(RunReport.AttemptFolder(_run.Summary.Run.Folder, malformed.TaskId, malformed.Attempt), "candidate")));
    }

    [Fact]
    public void Each_sample_is_sent_its_own_seed_and_the_sampling_temperature_and_the_prompt_holds_instructions_and_editable_files()
    {
        var requests = _run.Client.Requests;
        Assert.Equal(100, requests.Count);
        Assert.All(requests, r => Assert.Equal(1.0f, r.Options!.Temperature));
        var seeds = requests.GroupBy(r => TaskOf(r)).ToDictionary(g => g.Key, g => g.Select(r => r.Options!.Seed!.Value).Order().ToList());
        Assert.All(seeds.Values, s => Assert.Equal([1L, 2, 3, 4, 5], s));

        var he = requests.First(r => TaskOf(r) == "humaneval-000");
        Assert.Equal(ModelSolverPrompt.System, he.Messages[0].Text);
        var task = _run.Tasks.Single(t => t.Id == "humaneval-000");
        Assert.Contains(task.Instructions.Trim(), he.Messages[1].Text, StringComparison.Ordinal);
        Assert.Contains("FILE: solution.py\n```\n" + Encoding.UTF8.GetString(Workspaces.ReadTaskFile(task.StartingFiles[0])) + "```", he.Messages[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("def test_has_close_elements", he.Messages[1].Text, StringComparison.Ordinal); // tests are hidden
    }

    [Fact]
    public void Tokens_cache_reads_and_dollars_are_summed_per_task()
    {
        var usage = _run.Summary.Report.Usage;

        Assert.Equal((100, 100L * 1000, 100L * 400, 0.4, 0.1m, 0.005m, 5.0 * 1200), (usage.Calls, usage.Tokens.TotalInputTokens, usage.Tokens.CacheReadTokens, usage.CacheReadShare, usage.CostUsd, usage.CostPerTaskUsd, usage.TokensPerTask));
        Assert.True(usage.WallTimePerTaskMs > 0);
    }

    private static string TaskOf(ScriptedRequest r) => TaskLine().Match(r.Messages[1].Text).Groups[1].Value;

    [GeneratedRegex(@"^Task: (\S+)", RegexOptions.Multiline)]
    private static partial Regex TaskLine();

    /// <summary>The run every assertion reads: real verifier, scripted model, two jobs.</summary>
    public sealed class ScriptedRun : IAsyncLifetime
    {
        private readonly EvalFixture _fixture = new();

        public List<TaskSpec> Tasks { get; } = [];

        public ScriptedAnswerChatClient Client { get; private set; } = null!;

        public EvalSummary Summary { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Tasks.AddRange(TaskSuites.Filter(TaskSuites.Load(TestPaths.ExercismPractice), ExercismSample).Tasks);
            Tasks.AddRange(TaskSuites.Filter(TaskSuites.Load(TestPaths.HumanEval), HumanEvalSample).Tasks);
            Client = new ScriptedAnswerChatClient(Respond) { UsagePerResponse = new UsageDetails { InputTokenCount = 1000, CachedInputTokenCount = 400, OutputTokenCount = 200 } };
            var suite = new TaskSuite("scripted", "mixed", Tasks);
            using var store = new ResultStore(Path.Combine(_fixture.StateDirectory, "passk.db"));
            var solver = new ModelSolver(() => Client, new ModelSolverOptions { Temperature = 1.0 }, _ => 0.001m);
            var run = await EvalFixture.NewRunAsync(store, _fixture.StateDirectory, suite, solver);
            Summary = await new EvalRunner(_fixture.Verifier, store).RunAsync(run, suite, solver, new EvalOptions { Jobs = 2, Samples = K }, cancellationToken: TestContext.Current.CancellationToken);
        }

        private ChatResponse Respond(ScriptedRequest request)
        {
            var index = Tasks.FindIndex(t => t.Id == TaskOf(request));
            var task = Tasks[index];
            var sample = (int)(request.Options!.Seed!.Value - 1);
            string Files(IEnumerable<TaskFile> files, Func<TaskFile, string>? content = null)
            {
                var answer = new StringBuilder();
                foreach (var f in files)
                {
                    var text = content?.Invoke(f) ?? Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f));
                    answer.Append($"FILE: {f.Path}\n```\n{text}{(text.EndsWith('\n') ? "" : "\n")}```\n\n");
                }
                return answer.ToString();
            }
            var reply = Plan(index, sample, task) switch
            {
                Answer.Reference => "Here is the solution.\n\n" + Files(task.ReferenceFiles),
                Answer.Stub => Files(task.StartingFiles.Where(f => PathGlob.MatchesAny(f.Path, task.Editable))),
                Answer.DoesNotBuild => Files(task.ReferenceFiles, _ => "this is not C#\n"),
                _ => "I am not able to solve this task.",
            };
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, reply));
        }

        public ValueTask DisposeAsync()
        {
            _fixture.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

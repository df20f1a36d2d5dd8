using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Agent.Tests.Sessions;
using Crucible.Core.Solving;
using Crucible.Core.Usage;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests;

public sealed class AgentSolverTests(RealVerifierFixture fixture) : IClassFixture<RealVerifierFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Agent_solver_works_in_the_isolated_copy_records_its_trajectory_and_leaves_grading_to_the_harness()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("two-fer")).Tasks);
        using var work = new TempDirectory("agent-solver");
        var workspace = Path.Combine(work.Path, "ws");
        Workspaces.Materialize(task, workspace);
        var solution = "public static class TwoFer\n{\n    public static string Speak(string name = \"you\") => $\"One for {name}, one for me.\";\n}\n";
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20 } }
            .ThenCall("write", Args(("path", "TwoFer.cs"), ("content", solution)))
            .ThenText("done");
        var solver = new AgentSolver(new AgentAssembly(new AgentAssemblyOptions
        {
            Tools = _ => [new TestReadTool(), new TestWriteTool()],
            Gate = _ => new TestGate(),
            Sandbox = fixture.Sandbox,
            Verifier = fixture.Verifier,
            Model = "scripted",
            Pricing = _ => 0.01m,
        }), () => client);

        var result = await solver.SolveAsync(new SolveContext(task, workspace, Path.Combine(work.Path, "artifacts")), Ct);

        Assert.Equal(new SolveResult
        {
            Status = "completed",
            Usage = new UsageTotals(new TokenUsage(200, 40), 0.02m, 2),
            TrajectoryPath = Path.Combine(work.Path, "artifacts", AgentSolver.TrajectoryFile),
        }, result);
        var events = TranscriptReader.Read(result.TrajectoryPath!);
        Assert.Empty(events.OfType<VerdictRecorded>()); // the eval grades; the solver does not
        Assert.Equal(["read", "write", "task"], client.Requests[0].Options!.Tools!.Select(t => t.Name));
        var verdict = await fixture.Verifier.VerifyAsync(task, workspace, null, Ct);
        Assert.True(verdict.CountsAsPass, string.Join("; ", verdict.Reasons));
    }

    [Fact]
    public async Task Each_sample_sends_its_own_seed_and_the_eval_temperature_on_every_model_call()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("two-fer")).Tasks);
        using var work = new TempDirectory("agent-samples");
        var clients = new List<ScriptedChatClient>();
        var solver = new AgentSolver(new AgentAssembly(new AgentAssemblyOptions
        {
            Tools = _ => [new TestReadTool(), new TestWriteTool()],
            Gate = _ => new TestGate(),
            Sandbox = fixture.Sandbox,
            Verifier = fixture.Verifier,
            Model = "scripted",
        }), () =>
        {
            var c = new ScriptedChatClient().ThenCall("read", Args(("path", "TwoFer.cs"))).ThenText("done");
            lock (clients)
            {
                clients.Add(c);
            }
            return c;
        }, new AgentSampling { Temperature = 0.7, BaseSeed = 100 });

        foreach (var sample in new[] { 0, 3 })
        {
            var workspace = Path.Combine(work.Path, $"ws{sample}");
            Workspaces.Materialize(task, workspace);
            var result = await solver.SolveAsync(new SolveContext(task, workspace, Path.Combine(work.Path, $"artifacts{sample}")) { Sample = sample }, Ct);
            Assert.Equal("completed", result.Status);
        }

        Assert.Equal(
            [[(100L, 0.7f), (100L, 0.7f)], [(103L, 0.7f), (103L, 0.7f)]],
            clients.Select(c => c.Requests.Select(r => (r.Options!.Seed!.Value, r.Options.Temperature!.Value)).ToList()).ToList());
    }
}

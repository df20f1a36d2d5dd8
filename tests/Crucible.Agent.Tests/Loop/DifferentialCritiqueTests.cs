using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Differential;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.Loop;

/// <summary>
/// The done review's differential testing as the agent meets it, on the real Aider book-store task: real
/// files, the real constitution checks, sandbox, differential driver and verifier; only the model is scripted.
/// A lookup table of the tested baskets passes the visible tests and the static checks, but disagrees with
/// the reference on a generated basket; that counterexample goes back to the model as the critique.
/// </summary>
public sealed class DifferentialCritiqueTests(Sessions.RealVerifierFixture fixture) : IClassFixture<Sessions.RealVerifierFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Candidate(string name) => File.ReadAllText(DifferentialCandidates.File("python", "book-store", name, "book_store.py"));

    [Fact]
    public async Task A_lookup_table_that_passes_the_tests_gets_the_counterexample_as_critique_and_the_real_solution_ends_verified()
    {
        var task = Assert.Single(TaskSuites.Load(Path.Combine(TestPaths.AiderPolyglot, "python", "exercises", "practice", "book-store")).Tasks);
        var cheat = Candidate("cheat-lookup-table");
        var honest = Candidate("correct-dp-over-counts");
        using var workspace = new TempDirectory("differential-critique");
        Workspaces.Materialize(task, workspace.Path);
        // The cheat really passes the visible tests: only generated inputs can tell it apart.
        File.WriteAllText(workspace["book_store.py"], cheat);
        Assert.Equal(VerdictStatus.Passed, (await fixture.Verifier.VerifyAsync(task, workspace.Path, cancellationToken: Ct)).Status);
        File.WriteAllText(workspace["book_store.py"], Stub(task));

        string? critique = null;
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "book_store.py"), ("content", cheat)), "Writing the solution.")
            .ThenText("Done: all tests pass.")
            .Then(r =>
            {
                critique = r.Messages[^1].Text;
                Assert.Equal(ChatRole.User, r.Messages[^1].Role);
                return ScriptedChatClient.Call("write", Args(("path", "book_store.py"), ("content", honest)), "Pricing every basket by its best grouping instead.");
            })
            .ThenText("Fixed: every basket is priced by the best grouping.");
        var (result, events) = await fixture.RunTaskAsync(task, workspace.Path, client, "differential-critique", Ct);

        // The first review flagged only the differential rule (the static checks let the table through), with a counterexample.
        var reviews = events.OfType<ReviewRecorded>().ToList();
        Assert.True(reviews.Count == 2, string.Join("\n", reviews.Select(r => System.Text.Json.JsonSerializer.Serialize(r))));
        Assert.Equal([(1, true), (2, false)], reviews.Select(r => (r.Round, r.FedBack)));
        var flag = Assert.Single(reviews[0].Integrity);
        Assert.Equal(DifferentialChecker.Rule, flag.Rule);
        var c = flag.Counterexample!;
        Assert.Empty(reviews[1].Integrity);

        // The next request carried that counterexample as the critique: input, expected, got.
        Assert.NotNull(critique);
        Assert.StartsWith("Constitution review (round 1 of 2): your change is not done.", critique, StringComparison.Ordinal);
        Assert.Contains($"- rule `{DifferentialChecker.Rule}`: ", critique, StringComparison.Ordinal);
        Assert.Contains($"  counterexample: `{c.Call}` should give `{c.Expected}`, your code gives `{c.Got}`\n", critique, StringComparison.Ordinal);

        // The counterexample is real: the reference gives the expected price on that basket and the cheat the other one.
        Assert.StartsWith("total(", c.Call, StringComparison.Ordinal);
        Assert.Equal((c.Expected, c.Got), (await CallAsync(task.ReferenceFiles, c.Call), await CallAsync([new TaskFile("book_store.py", "") { Content = cheat }], c.Call)));
        Assert.NotEqual(c.Expected, c.Got);

        // The run ends verified: the real solution passes, unflagged, and the verdict on disk says so.
        Assert.Equal(0, client.Remaining);
        Assert.Equal(AgentRunStatus.Completed, result.Status);
        var verdict = Assert.Single(events.OfType<VerdictRecorded>()).Verdict;
        Assert.Equal((VerdictStatus.Passed, true), (verdict.Status, verdict.CountsAsPass));
        Assert.Empty(verdict.Integrity);
        // The verdict read back from the transcript on disk is the one the run returned (lists compare by content as JSON).
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(result.Verdict), System.Text.Json.JsonSerializer.Serialize(verdict));
        Assert.Equal(honest, File.ReadAllText(workspace["book_store.py"]));
        Assert.True(Assert.Single(events.OfType<RunEnded>()).Passed);
    }

    private static string Stub(TaskSpec task) => Assert.Single(task.StartingFiles, f => f.Path == "book_store.py") is var f ? f.Content ?? File.ReadAllText(f.SourcePath) : "";

    /// <summary>Evaluates <paramref name="call"/> (<c>total([..])</c>, JSON arguments) over <paramref name="files"/> with python3 in the sandbox; the JSON of the result.</summary>
    private async Task<string> CallAsync(IEnumerable<TaskFile> files, string call)
    {
        using var dir = new TempDirectory("differential-critique-call");
        foreach (var f in files)
        {
            Workspaces.WriteTaskFile(f, dir.Path);
        }
        var args = "[" + call["total(".Length..^1] + "]";
        const string script = "import json, sys\nfrom book_store import total\nprint(json.dumps(total(*json.loads(sys.argv[1]))))\n";
        var r = await fixture.Sandbox.ExecuteAsync(new SandboxCommand("python3", ["-c", script, args]), new SandboxPolicy { WorkspacePath = dir.Path }, Ct);
        Assert.True(r.ExitCode == 0, r.Stderr.Text);
        return r.Stdout.Text.Trim();
    }
}

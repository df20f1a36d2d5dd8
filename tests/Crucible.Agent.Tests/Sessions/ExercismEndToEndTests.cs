using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.Sessions;

/// <summary>
/// The agent end to end on real Exercism C# tasks: real files, the real sandbox and verifier; only the
/// model is scripted. Each case runs two real verifications (the model's test run and the final verdict).
/// </summary>
public sealed class ExercismEndToEndTests(RealVerifierFixture fixture) : IClassFixture<RealVerifierFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        {
            "leap", "Leap.cs",
            "public static class Leap\n{\n    public static bool IsLeapYear(int year)\n    {\n        return year % 4 == 0;\n    }\n}\n",
            "return year % 4 == 0;", "return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);"
        },
        {
            "reverse-string", "ReverseString.cs",
            "public static class ReverseString\n{\n    public static string Reverse(string input)\n    {\n        return input;\n    }\n}\n",
            "return input;", "var chars = input.ToCharArray(); Array.Reverse(chars); return new string(chars);"
        },
        {
            "two-fer", "TwoFer.cs",
            "public static class TwoFer\n{\n    public static string Speak(string name = \"you\") => $\"One for {name}, one for you.\";\n}\n",
            "one for you.", "one for me."
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Scripted_model_reads_writes_a_wrong_solution_sees_the_failures_fixes_it_and_the_harness_verdict_passes(
        string slug, string file, string wrongSolution, string oldText, string newText)
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask(slug)).Tasks);
        using var repo = new TempDirectory($"agent-e2e-{slug}");
        Workspaces.Materialize(task, repo.Path);
        var runTests = new TestRunTestsTool();
        IAgentTool[] tools = [new TestReadTool(), new TestWriteTool(), new TestEditTool(), runTests];
        string? failuresSeen = null;
        var client = new ScriptedChatClient()
            .Then(r =>
            {
                // The task's instructions are the request.
                Assert.Equal(task.Instructions, r.Messages[^1].Text);
                return ScriptedChatClient.Call("read", Args(("path", file)), "Let me look at the stub.");
            })
            .Then(r =>
            {
                Assert.Contains("NotImplementedException", Assert.Single(r.LastToolResults).Result?.ToString(), StringComparison.Ordinal);
                return ScriptedChatClient.Call("write", Args(("path", file), ("content", wrongSolution)));
            })
            .ThenCall("run_tests", Args())
            .Then(r =>
            {
                failuresSeen = Assert.Single(r.LastToolResults).Result?.ToString();
                return ScriptedChatClient.Call("edit", Args(("path", file), ("old", oldText), ("new", newText)), "Some tests fail; fixing.");
            })
            .ThenText("Fixed the solution; it should pass now.");
        var setup = fixture.TaskSetup(task, repo.Path, client, tools);
        using var store = SessionStore.ForWorkspace(repo.Path);
        SessionInfo info;
        using (var session = AgentSession.Start(setup, store, task.Id))
        {
            var result = await session.RunAsync(task.Instructions, Ct);

            Assert.True(result.Status == AgentRunStatus.Completed, result.Message);
            // The model saw the real failures of its wrong solution.
            var failed = Assert.Single(runTests.Verdicts);
            Assert.Equal(VerdictStatus.Failed, failed.Status);
            var failing = failed.Tests.Where(t => t.Outcome == TestOutcomeKind.Failed).ToList();
            Assert.NotEmpty(failing);
            Assert.All(failing, t => Assert.Contains($"FAILED {t.Name}", failuresSeen, StringComparison.Ordinal));
            // The harness ran the tests after "done" and the fixed solution passes.
            Assert.NotNull(result.Verdict);
            Assert.True(result.Verdict.CountsAsPass, string.Join("; ", result.Verdict.Reasons));
            Assert.Equal(task.Id, result.Verdict.TaskId);
            info = store.Index.Find(session.Id)!;
        }

        // The transcript is valid JSONL and records the verdict and the final result.
        var lines = File.ReadAllLines(info.TranscriptPath);
        Assert.All(lines, l => JsonDocument.Parse(l));
        var events = TranscriptReader.Read(info.TranscriptPath);
        Assert.Equal(VerdictStatus.Passed, Assert.Single(events.OfType<VerdictRecorded>()).Verdict.Status);
        var end = Assert.Single(events.OfType<RunEnded>());
        Assert.Equal((AgentRunStatus.Completed, true, 5), (end.Status, end.Passed, end.Steps));
        Assert.Equal(("completed", 5), (info.Status, info.LastStep));

        // Resume continues the same conversation.
        var followUp = new ScriptedChatClient().Then(r =>
        {
            Assert.Equal(task.Instructions, r.Messages[1].Text);
            Assert.Contains(r.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>(), c => c.Result?.ToString() == failuresSeen);
            Assert.Equal("What did you change?", r.Messages[^1].Text);
            return ScriptedChatClient.Text($"I fixed {file}.");
        });
        using var resumed = AgentSession.Resume(setup with { Client = followUp, VerifyWhenDone = false }, store, store.Index.Latest(repo.Path)!);
        var second = await resumed.RunAsync("What did you change?", Ct);
        Assert.Equal((AgentRunStatus.Completed, $"I fixed {file}."), (second.Status, second.FinalText));
        Assert.Equal(6, store.Index.Find(info.Id)!.LastStep);
    }
}

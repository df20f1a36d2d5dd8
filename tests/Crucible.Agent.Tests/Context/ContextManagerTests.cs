using Crucible.Agent.Context;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;
using static Crucible.Agent.Tests.Sessions.SessionHarness;

namespace Crucible.Agent.Tests.Context;

public sealed class ContextManagerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Compaction_keeps_instructions_notes_todo_last_request_and_last_turns_verbatim()
    {
        using var repo = new TempDirectory("agent-compact");
        const string Instructions = "Always run `make lint` before finishing. Use tabs.";
        const string Notes = "- Decision: the cache key is (user, day).\n- Fact: tests need TZ=UTC.";
        const string Todo = "[x] read the parser\n[ ] fix the off-by-one in Tokenizer.Next\n[ ] add a test";
        const string Request = "Fix the tokenizer bug reported in issue #12, keeping the public API.";
        repo.Write("AGENTS.md", Instructions);
        repo.Write(".crucible/NOTES.md", Notes);
        var big = new string('x', 8_000); // ~2,000 tokens: the prompt passes 80% of 6,000 only after the third read
        var client = new ScriptedChatClient()
            .ThenCall("todo", Args())
            .ThenCall("read", Args(("path", "big1.txt")))
            .ThenCall("read", Args(("path", "big2.txt")))
            .ThenCall("read", Args(("path", "big3.txt")))
            // The compaction request: the model writes the summary.
            .Then(r =>
            {
                Assert.Equal(ContextPolicy.DefaultSummaryPrompt, r.Messages[0].Text);
                Assert.Null(r.Options!.Tools);
                return ScriptedChatClient.Text("SUMMARY: read three big files; the bug is in Tokenizer.Next.");
            })
            .Then(r => ScriptedChatClient.Text("done"));
        foreach (var n in new[] { 1, 2, 3 })
        {
            repo.Write($"big{n}.txt", big);
        }
        var tools = new Crucible.Agent.Tools.IAgentTool[] { new TestReadTool(), new TestEchoTool("todo", Todo) };
        var setup = Setup(repo.Path, client, tools, home: Path.Combine(repo.Path, "nohome")) with
        {
            Context = new ContextPolicy { WindowTokens = 6_000, CompactAtFraction = 0.8, KeepLastTurns = 1 },
        };
        using var store = SessionStore.ForWorkspace(repo.Path);
        using var session = AgentSession.Start(setup, store, "fix");

        var result = await session.RunAsync(Request, Ct);

        Assert.True(result.Status == AgentRunStatus.Completed, result.Message);
        var after = client.Requests[^1];
        var all = after.AllText;
        Assert.Contains(Instructions, all, StringComparison.Ordinal);
        Assert.Contains(Notes, all, StringComparison.Ordinal);
        Assert.Contains(Todo, all, StringComparison.Ordinal);
        Assert.Contains(Request, all, StringComparison.Ordinal);
        Assert.Contains("SUMMARY: read three big files; the bug is in Tokenizer.Next.", all, StringComparison.Ordinal);
        // The last turn (the third read and its result) is kept verbatim; the older reads are gone.
        Assert.Equal(1, after.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Count(r => r.Result?.ToString() == big));
        Assert.Equal(["system", "user", "assistant", "tool"], after.Messages.Select(m => m.Role.Value));
        Assert.Equal(ChatRole.System, after.Messages[0].Role);
        var compacted = Assert.Single(TranscriptReader.Read(session.TranscriptPath).OfType<Compacted>());
        Assert.True(compacted.TokensAfter < compacted.TokensBefore);
        // Resume restores the compacted conversation, not the original one.
        Assert.Equal(Json(after.Messages), Json(TranscriptReader.Conversation(TranscriptReader.Read(session.TranscriptPath)).Take(after.Messages.Count)));
    }

    [Fact]
    public void Estimator_counts_text_calls_and_results_with_documented_overheads()
    {
        var text = new ChatMessage(ChatRole.User, new string('a', 40));
        Assert.Equal(TokenEstimator.MessageOverhead + 10, TokenEstimator.Estimate(text));
        var result = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c", new string('b', 8))]);
        Assert.Equal(TokenEstimator.MessageOverhead + TokenEstimator.ContentOverhead + 2, TokenEstimator.Estimate(result));
    }

    [Fact]
    public void Provider_usage_replaces_the_estimate_for_the_prefix_it_covers()
    {
        var manager = new ContextManager(new ContextPolicy(), "/tmp");
        var messages = new List<ChatMessage> { new(ChatRole.System, "s"), new(ChatRole.User, "u") };
        manager.ObserveUsage(new UsageDetails { InputTokenCount = 5_000 }, messages.Count);
        messages.Add(new ChatMessage(ChatRole.Assistant, new string('z', 400)));

        Assert.Equal(5_000 + TokenEstimator.MessageOverhead + 100, manager.EstimatePrompt(messages));
    }
}

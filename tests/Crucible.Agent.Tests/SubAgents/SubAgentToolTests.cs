using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.SubAgents;
using Crucible.Agent.Tests.Loop;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.SubAgents;

public sealed class SubAgentToolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, object?> TaskArgs(string prompt) => Args(("description", "look around"), ("prompt", prompt));

    [Fact]
    public async Task Sub_agent_gets_a_fresh_context_and_restricted_tools_and_returns_its_summary()
    {
        ScriptedChatClient client = null!;
        client = new ScriptedChatClient()
            .ThenCall("task", TaskArgs("find where X is defined"))
            // Sub-agent's first request: a fresh context, only the allowed tools.
            .Then(r =>
            {
                Assert.Equal(["system", "user"], r.Messages.Select(m => m.Role.Value));
                Assert.Equal("find where X is defined", r.Messages[1].Text);
                Assert.Equal(["read"], r.Options!.Tools!.Select(t => t.Name));
                return ScriptedChatClient.Call("read", Args(("path", "x.cs")));
            })
            .ThenText("X is defined in x.cs line 1")
            .Then(r =>
            {
                Assert.Contains("X is defined in x.cs line 1", Assert.Single(r.LastToolResults).Result?.ToString(), StringComparison.Ordinal);
                return ScriptedChatClient.Text("thanks");
            });
        var parentTools = new List<Crucible.Agent.Tools.IAgentTool> { new TestReadTool(), new TestWriteTool() };
        AgentLoop? loop = null;
        LoopHarness? harness = null;
        parentTools.Add(new SubAgentTool(client, [.. parentTools], new TestGate(), () => loop?.CurrentBudget, record: e => harness?.Conversation.Emit(e)));
        using var h = harness = new LoopHarness(client, parentTools);
        loop = h.Loop;
        h.Workspace.Write("x.cs", "class X {}");

        var result = await h.RunAsync("where is X?", Ct);

        Assert.Equal((AgentRunStatus.Completed, "thanks"), (result.Status, result.FinalText));
        // Parent: 2 calls, sub-agent: 2 calls, all counted in the parent's usage.
        Assert.Equal(4, result.Usage.Calls);
        // The sub-agent's steps are recorded with the parent's events, wrapped, and never join the parent's history.
        var sub = h.Log.Of<SubAgentEvent>().ToList();
        Assert.All(sub, e => Assert.Equal("look around", e.Description));
        Assert.Equal("read", Assert.Single(sub.Select(e => e.Event).OfType<ToolCallFinished>()).Tool);
        Assert.Equal(AgentRunStatus.Completed, Assert.Single(sub.Select(e => e.Event).OfType<RunEnded>()).Status);
        Assert.Equal(["system", "user", "assistant", "tool", "assistant"], h.Conversation.Messages.Select(m => m.Role.Value));
    }

    [Fact]
    public async Task Sub_agent_cannot_spend_more_than_the_parent_has_left_and_its_usage_counts_against_the_parent()
    {
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 400, OutputTokenCount = 100 } };
        client.ThenCall("task", TaskArgs("read everything"));
        // The sub-agent would loop for ever; the parent's budget (2,000 tokens, 500 already spent) stops it.
        for (var i = 0; i < 10; i++)
        {
            client.ThenCall("read", Args(("path", $"f{i}.txt")));
        }
        var tools = new List<Crucible.Agent.Tools.IAgentTool> { new TestReadTool() };
        AgentLoop? loop = null;
        // The sub-agent's own limit (1,000,000 tokens) is far above what the parent has left.
        tools.Add(new SubAgentTool(client, [.. tools], new TestGate(), () => loop?.CurrentBudget, new SubAgentOptions { Limits = new AgentLimits { MaxTokens = 1_000_000 } }));
        using var h = new LoopHarness(client, tools, options: new AgentOptions { Limits = new AgentLimits { MaxTokens = 2_000 } });
        loop = h.Loop;

        var result = await h.RunAsync("go", Ct);

        // Parent call (500) + 3 sub-agent calls (1,500) reach the parent's 2,000: the parent stops too.
        Assert.Equal(AgentRunStatus.MaxTokens, result.Status);
        Assert.Equal(2_000, AgentBudget.TotalTokens(result.Usage.Tokens));
        Assert.Equal(4, result.Usage.Calls);
        Assert.Equal(7, client.Remaining); // of the 10 scripted sub-agent steps, 3 ran
        var task = h.Log.Of<ToolCallFinished>().Single(f => f.Tool == "task");
        Assert.True(task.IsError);
        Assert.StartsWith("[sub-agent max-tokens after 3 step(s), 1500 tokens]", task.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Child_budget_is_clamped_to_the_parent_and_charges_it()
    {
        var parent = new AgentBudget(1_000, 1.00m, DateTimeOffset.UtcNow.AddMinutes(5));
        parent.Charge(new Core.Usage.UsageTotals(new Core.Usage.TokenUsage(600, 0), 0.70m, 1));
        var child = parent.CreateChild(new AgentLimits { MaxTokens = 10_000, MaxCostUsd = 10m, WallTime = TimeSpan.FromHours(1) });

        Assert.Equal((400L, 0.30m), (child.TokensLeft, child.CostLeft));
        Assert.True(child.EffectiveDeadline <= parent.EffectiveDeadline);
        child.Charge(new Core.Usage.UsageTotals(new Core.Usage.TokenUsage(100, 0), 0.30m, 1));
        Assert.Equal((300L, 0m), (parent.TokensLeft, parent.CostLeft));
        Assert.Equal(AgentRunStatus.Budget, child.Exhausted());
    }

    [Fact]
    public async Task Sub_agent_is_not_started_when_the_budget_is_spent()
    {
        var parent = new AgentBudget(100, 1m, DateTimeOffset.UtcNow.AddMinutes(5));
        parent.Charge(new Core.Usage.UsageTotals(new Core.Usage.TokenUsage(100, 0), 0m, 1));
        var client = new ScriptedChatClient();
        var tool = new SubAgentTool(client, [new TestReadTool()], new TestGate(), () => parent);
        using var ws = new TempDirectory("agent-sub");
        var context = new Crucible.Agent.Tools.ToolContext { WorkspaceRoot = ws.Path, Sandbox = new Crucible.Sandbox.UnsandboxedRunner(), CommandPolicy = new Core.Sandbox.SandboxPolicy { WorkspacePath = ws.Path } };

        var result = await tool.InvokeAsync(JsonSerializer.SerializeToElement(TaskArgs("x")), context, Ct);

        Assert.Equal(Crucible.Agent.Tools.ToolResult.Error("not started: the budget has nothing left (max-tokens)"), result);
        Assert.Empty(client.Requests);
    }
}

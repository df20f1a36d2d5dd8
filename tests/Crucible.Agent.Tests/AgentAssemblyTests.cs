using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Sandbox;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests;

public sealed class AgentAssemblyTests : IDisposable
{
    private readonly TempDirectory _work = new("agent-assembly");

    public void Dispose() => _work.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonElement Settings(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void The_default_assembly_offers_the_default_toolset_then_the_sub_agent_and_a_headless_gate_with_the_settings_rules_and_the_given_mode()
    {
        var limits = AgentLimits.Default with { MaxSteps = 7 };
        var assembly = new AgentAssembly(new AgentAssemblyOptions
        {
            Sandbox = new UnsandboxedRunner(),
            Settings = Settings("""{ "permissions": { "mode": "ask", "deny": ["read(secret.txt)"] } }"""),
            PermissionMode = PermissionMode.Auto,
            Limits = limits,
            Model = "scripted",
            TestCommand = "true",
        });

        var setup = assembly.CreateSetup(_work.Path, new ScriptedChatClient(), () => null);

        Assert.Equal(["read", "write", "edit", "glob", "grep", "bash", "run_tests", "notes", "todo", "task"], setup.Tools.Select(t => t.Name));
        var gate = Assert.IsType<PermissionGate>(setup.Gate);
        Assert.Equal((true, PermissionMode.Auto, false), (gate.IsHeadless, gate.Settings.Mode, gate.Settings.AllowTestEdits));
        Assert.Equal(["read(secret.txt)"], gate.Settings.Deny);
        Assert.Equal((limits, false, _work.Path, "scripted", "true"), (setup.Options.Limits, setup.Options.Streaming, setup.ToolContext.WorkspaceRoot, setup.Model, setup.TestCommand));
        Assert.Equal(_work.Path, setup.ToolContext.CommandPolicy.WorkspacePath);
    }

    [Fact]
    public void A_prompt_makes_the_gate_interactive_and_allow_test_edits_reaches_the_gate_and_the_session()
    {
        var assembly = new AgentAssembly(new AgentAssemblyOptions
        {
            Sandbox = new UnsandboxedRunner(),
            AllowTestEdits = true,
            Prompt = (_, _) => ValueTask.FromResult(UserAnswer.No),
            SubAgents = false,
        });

        var setup = assembly.CreateSetup(_work.Path, new ScriptedChatClient(), () => null);

        var gate = Assert.IsType<PermissionGate>(setup.Gate);
        Assert.Equal((false, PermissionMode.Ask, true), (gate.IsHeadless, gate.Settings.Mode, gate.Settings.AllowTestEdits));
        Assert.True(setup.AllowTestEdits);
        Assert.DoesNotContain(setup.Tools, t => t.Name == "task");
    }

    [Fact]
    public async Task The_sub_agent_of_an_assembled_session_charges_that_sessions_budget_and_records_in_its_transcript()
    {
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 } }
            .ThenCall("task", Args(("description", "look"), ("prompt", "read notes.txt")))
            .ThenCall("read", Args(("path", "notes.txt")))
            .ThenText("notes.txt says hi")
            .ThenText("done");
        File.WriteAllText(Path.Combine(_work.Path, "notes.txt"), "hi");
        var assembly = new AgentAssembly(new AgentAssemblyOptions
        {
            Sandbox = new UnsandboxedRunner(),
            Tools = _ => [new TestReadTool(), new TestWriteTool()],
            Gate = _ => new TestGate(),
            Pricing = _ => 0.01m,
        });
        AgentSession? session = null;
        var setup = assembly.CreateSetup(_work.Path, client, () => session) with { VerifyWhenDone = false };
        var transcript = Path.Combine(_work.Path, "t.jsonl");

        AgentRunResult result;
        using (session = AgentSession.Start(setup, null, "look", transcriptPath: transcript))
        {
            result = await session.RunAsync("what do the notes say?", Ct);
        }

        Assert.Equal((AgentRunStatus.Completed, "done"), (result.Status, result.FinalText));
        // Two calls of the parent and two of the sub-agent, all priced and counted against the parent.
        Assert.Equal((4, 0.04m), (result.Usage.Calls, result.Usage.CostUsd));
        var sub = TranscriptReader.Read(transcript).OfType<SubAgentEvent>().Select(e => e.Event).ToList();
        Assert.Equal("read", Assert.Single(sub.OfType<ToolCallFinished>()).Tool);
    }
}

using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Sandbox;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Tests.Sessions;

/// <summary>Builds session setups over a temp repository with the test tools.</summary>
public static class SessionHarness
{
    public static AgentSessionSetup Setup(string workspace, IChatClient client, IReadOnlyList<IAgentTool>? tools = null, string? home = null) => new()
    {
        Client = client,
        Tools = tools ?? [new TestWriteTool(), new TestReadTool()],
        Gate = new TestGate(),
        ToolContext = new ToolContext { WorkspaceRoot = workspace, Sandbox = new UnsandboxedRunner(), CommandPolicy = new SandboxPolicy { WorkspacePath = workspace } },
        Home = home ?? Path.Combine(workspace, ".no-home"),
        VerifyWhenDone = false,
    };

    /// <summary>Every message as the Microsoft.Extensions.AI serializer writes it, for whole-conversation comparisons.</summary>
    public static string Json(IEnumerable<ChatMessage> messages) =>
        System.Text.Json.JsonSerializer.Serialize(messages.ToList(), AIJsonUtilities.DefaultOptions);
}

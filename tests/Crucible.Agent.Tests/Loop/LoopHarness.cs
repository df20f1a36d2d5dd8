using Crucible.Agent.Loop;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Sandbox;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Tests.Loop;

/// <summary>Collects events in memory.</summary>
public sealed class EventLog : IAgentEventSink
{
    public List<AgentEvent> Events { get; } = [];

    public void OnEvent(AgentEvent e)
    {
        lock (Events)
        {
            Events.Add(e);
        }
    }

    public IEnumerable<T> Of<T>() where T : AgentEvent => Events.OfType<T>();
}

/// <summary>A workspace, a conversation and a loop over real files, for loop tests.</summary>
public sealed class LoopHarness : IDisposable
{
    public LoopHarness(ScriptedChatClient client, IReadOnlyList<IAgentTool>? tools = null, TestGate? gate = null, AgentOptions? options = null, ISandbox? sandbox = null)
    {
        Client = client;
        Gate = gate ?? new TestGate();
        Tools = tools ?? [new TestWriteTool(), new TestReadTool()];
        var sb = sandbox ?? new UnsandboxedRunner();
        Context = new ToolContext { WorkspaceRoot = Workspace.Path, Sandbox = sb, CommandPolicy = new SandboxPolicy { WorkspacePath = Workspace.Path } };
        Loop = new AgentLoop(client, Tools, Gate, Context, options ?? new AgentOptions());
        Conversation = new AgentConversation([new ChatMessage(ChatRole.System, "test system prompt")], [Log]);
    }

    public TempDirectory Workspace { get; } = new("agent-loop");
    public ScriptedChatClient Client { get; }
    public TestGate Gate { get; }
    public IReadOnlyList<IAgentTool> Tools { get; }
    public ToolContext Context { get; }
    public AgentLoop Loop { get; }
    public AgentConversation Conversation { get; }
    public EventLog Log { get; } = new();

    public Task<AgentRunResult> RunAsync(string request, CancellationToken ct = default) => Loop.RunAsync(Conversation, request, null, ct);

    public void Dispose() => Workspace.Dispose();

    public static Dictionary<string, object?> Args(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}

// Runs a scripted session in a repository and blocks mid-run, so a test can kill it with SIGKILL.
//
//   Crucible.Agent.TestHost REPO STEPS
//
// The scripted model writes f1.txt .. fSTEPS.txt (one step each), then calls a tool that blocks for ever.
// Each completed step is printed as "step N"; "blocked" is printed when the blocking tool starts.
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Sandbox;
using Crucible.Testing;

var repo = Path.GetFullPath(args[0]);
var steps = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var client = new ScriptedChatClient();
for (var i = 1; i <= steps; i++)
{
    client.ThenCall("write", new Dictionary<string, object?> { ["path"] = $"f{i}.txt", ["content"] = $"content {i}" }, text: $"writing file {i}");
}
client.ThenCall("wait", new Dictionary<string, object?>());
var tools = new IAgentTool[] { new TestWriteTool(), new TestReadTool(), new AnnouncingBlockTool() };
var setup = new AgentSessionSetup
{
    Client = client,
    Tools = tools,
    Gate = new TestGate(),
    ToolContext = new ToolContext { WorkspaceRoot = repo, Sandbox = new UnsandboxedRunner(), CommandPolicy = new SandboxPolicy { WorkspacePath = repo } },
    Home = Path.Combine(repo, ".no-home"),
    VerifyWhenDone = false,
};
using var store = SessionStore.ForWorkspace(repo);
using var session = AgentSession.Start(setup, store, "write files", [new StepPrinter()]);
Console.Out.WriteLine($"session {session.Id}");
Console.Out.Flush();
await session.RunAsync("write the files");
return 0;

internal sealed class StepPrinter : Crucible.Agent.Loop.IAgentEventSink
{
    public void OnEvent(Crucible.Agent.Loop.AgentEvent e)
    {
        if (e is Crucible.Agent.Loop.StepCompleted s)
        {
            Console.Out.WriteLine($"step {s.Step}");
            Console.Out.Flush();
        }
    }
}

internal sealed class AnnouncingBlockTool() : TestToolBase("wait", false)
{
    protected override async Task<ToolResult> RunAsync(System.Text.Json.JsonElement args, ToolContext context, CancellationToken ct)
    {
        Console.Out.WriteLine("blocked");
        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite, ct);
        return new ToolResult("unreachable");
    }
}

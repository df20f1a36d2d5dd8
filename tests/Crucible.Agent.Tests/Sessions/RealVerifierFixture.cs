using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Tests.Sessions;

/// <summary>
/// One real bubblewrap sandbox and verifier for the end-to-end tests (templates are built once), and the session on a task
/// that those tests drive: the real sandbox and verifier, the test file tools and gate; only the model is scripted.
/// </summary>
public sealed class RealVerifierFixture : IAsyncDisposable
{
    public RealVerifierFixture()
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Sandbox = sandbox;
        Verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
    }

    public ISandbox Sandbox { get; }
    public Verifier Verifier { get; }

    /// <summary>A session on <paramref name="task"/> in <paramref name="workspace"/> with the real sandbox and verifier (<see cref="TestReadTool"/> and <see cref="TestWriteTool"/> unless <paramref name="tools"/> are given).</summary>
    public AgentSessionSetup TaskSetup(TaskSpec task, string workspace, IChatClient client, IReadOnlyList<IAgentTool>? tools = null) => new()
    {
        Client = client,
        Tools = tools ?? [new TestReadTool(), new TestWriteTool()],
        Gate = new TestGate(),
        ToolContext = new ToolContext
        {
            WorkspaceRoot = workspace,
            Sandbox = Sandbox,
            CommandPolicy = new SandboxPolicy { WorkspacePath = workspace },
            Task = task,
            Verifier = Verifier,
        },
        Home = Path.Combine(workspace, ".no-home"),
    };

    /// <summary>
    /// Runs a session of <see cref="TaskSetup"/> on <paramref name="task"/>'s instructions in <paramref name="workspace"/> (prepared by the
    /// caller), with its transcript in a temp folder named after <paramref name="name"/>; the result and the events read back from disk.
    /// </summary>
    public async Task<(AgentRunResult Result, IReadOnlyList<AgentEvent> Events)> RunTaskAsync(TaskSpec task, string workspace, IChatClient client, string name, CancellationToken cancellationToken)
    {
        using var transcript = new TempDirectory($"{name}-transcript");
        var path = Path.Combine(transcript.Path, "trajectory.jsonl");
        AgentRunResult result;
        using (var session = AgentSession.Start(TaskSetup(task, workspace, client), null, task.Id, transcriptPath: path))
        {
            result = await session.RunAsync(task.Instructions, cancellationToken);
        }
        return (result, TranscriptReader.Read(path));
    }

    public ValueTask DisposeAsync() => Verifier.DisposeAsync();
}

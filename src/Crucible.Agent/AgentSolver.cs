using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.SubAgents;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Solving;
using Crucible.Core.Verification;
using Microsoft.Extensions.AI;

namespace Crucible.Agent;

/// <summary>What the agent solver needs for each attempt.</summary>
public sealed record AgentSolverOptions
{
    /// <summary>Creates the model client (one per attempt, so attempts can run in parallel).</summary>
    public required Func<IChatClient> ClientFactory { get; init; }

    /// <summary>Creates the tools for a workspace.</summary>
    public required Func<string, IReadOnlyList<IAgentTool>> ToolsFactory { get; init; }

    /// <summary>Creates the (headless) permission gate for a workspace; it must never prompt.</summary>
    public required Func<string, IPermissionGate> GateFactory { get; init; }

    /// <summary>The sandbox commands run in.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>The verifier behind <c>run_tests</c>. Null leaves the agent without it.</summary>
    public IVerifier? Verifier { get; init; }

    /// <summary>Model spec recorded in the transcript.</summary>
    public string? Model { get; init; }

    /// <summary>Loop options (limits, pricing). Default: the defaults of <see cref="AgentOptions"/>.</summary>
    public AgentOptions Options { get; init; } = new();

    /// <summary>Offer the <c>task</c> sub-agent tool. Default: true.</summary>
    public bool SubAgents { get; init; } = true;

    /// <summary>Sandbox policy for commands, given the workspace. Default: the workspace only, no network.</summary>
    public Func<string, SandboxPolicy> CommandPolicy { get; init; } = ws => new SandboxPolicy { WorkspacePath = ws };
}

/// <summary>
/// Runs the agent on a task in the eval's isolated copy. The prompt is the task's instructions; the
/// eval grades the workspace with the hidden tests afterwards, so the session does not verify by itself.
/// The trajectory is <c>trajectory.jsonl</c> in the attempt's artifacts folder.
/// </summary>
public sealed class AgentSolver(AgentSolverOptions options) : ISolver
{
    /// <summary>File name of the trajectory in the artifacts folder.</summary>
    public const string TrajectoryFile = "trajectory.jsonl";

    /// <inheritdoc />
    public string Name => "agent";

    /// <inheritdoc />
    public async Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default)
    {
        var workspace = Path.GetFullPath(context.WorkspacePath);
        using var client = options.ClientFactory();
        var tools = options.ToolsFactory(workspace).ToList();
        var gate = options.GateFactory(workspace);
        AgentSession? session = null;
        if (options.SubAgents && tools.All(t => t.Name != "task"))
        {
            tools.Add(new SubAgentTool(client, [.. tools], gate, () => session?.CurrentBudget, pricing: options.Options.Pricing, record: e => session?.Conversation.Emit(e)));
        }
        var setup = new AgentSessionSetup
        {
            Client = client,
            Tools = tools,
            Gate = gate,
            ToolContext = new ToolContext
            {
                WorkspaceRoot = workspace,
                Sandbox = options.Sandbox,
                CommandPolicy = options.CommandPolicy(workspace),
                Task = context.Task,
                Verifier = options.Verifier,
            },
            Options = options.Options,
            Model = options.Model,
            VerifyWhenDone = false,
        };
        var trajectory = Path.Combine(context.ArtifactsPath, TrajectoryFile);
        Directory.CreateDirectory(context.ArtifactsPath);
        using (session = AgentSession.Start(setup, null, context.Task.Id, transcriptPath: trajectory))
        {
            var result = await session.RunAsync(context.Task.Instructions, cancellationToken).ConfigureAwait(false);
            return new SolveResult
            {
                Status = result.Status.ToWire(),
                Message = result.Message,
                Usage = result.Usage,
                TrajectoryPath = trajectory,
            };
        }
    }
}

using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Core.Solving;
using Microsoft.Extensions.AI;

namespace Crucible.Agent;

/// <summary>
/// Runs the agent on a task in the eval's isolated copy. The prompt is the task's instructions; the
/// eval grades the workspace with the hidden tests afterwards, so the session does not verify by itself.
/// The trajectory is <c>trajectory.jsonl</c> in the attempt's artifacts folder.
/// </summary>
/// <param name="assembly">Builds the agent of each attempt (tools, headless gate, sub-agent, limits, pricing, verifier).</param>
/// <param name="clientFactory">Creates the model client: one per attempt, so attempts can run in parallel.</param>
/// <param name="sampling">How independent samples differ (seed per sample, temperature); default: seed only.</param>
public sealed class AgentSolver(AgentAssembly assembly, Func<IChatClient> clientFactory, AgentSampling? sampling = null) : ISolver
{
    private readonly AgentSampling _sampling = sampling ?? new AgentSampling();

    /// <summary>File name of the trajectory in the artifacts folder.</summary>
    public const string TrajectoryFile = "trajectory.jsonl";

    /// <inheritdoc />
    public string Name => "agent";

    /// <inheritdoc />
    public async Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default)
    {
        var workspace = Path.GetFullPath(context.WorkspacePath);
        using var client = clientFactory();
        AgentSession? session = null;
        // The eval grades every attempt itself with the hidden tests: the session does not verify.
        var setup = assembly.CreateSetup(workspace, client, () => session, context.Task) with { VerifyWhenDone = false };
        // Every model call of sample s carries seed BaseSeed + s (and the temperature, when set): samples are independent draws.
        var chat = setup.Options.ChatOptions?.Clone() ?? new ChatOptions();
        chat.Seed = _sampling.BaseSeed + context.Sample;
        if (_sampling.Temperature is { } t)
        {
            chat.Temperature = (float)t;
        }
        setup = setup with { Options = setup.Options with { ChatOptions = chat } };
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
                // An error is never the agent's answer: the model call failed, or a tool or the verifier did.
                Failure = result.Status == AgentRunStatus.Error ? (result.ModelCallFailed ? SolveFailure.ModelError : SolveFailure.HarnessError) : null,
                TrajectoryPath = trajectory,
            };
        }
    }
}

/// <summary>
/// How the agent solver's samples differ. Defaults: the provider's temperature, and sample s sends seed
/// <see cref="BaseSeed"/> + s (providers that take a seed use it), as the one-shot model solver does.
/// </summary>
public sealed record AgentSampling
{
    /// <summary>Sampling temperature of every model call; null keeps the provider's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The seed of sample 0.</summary>
    public long BaseSeed { get; init; } = 1;
}

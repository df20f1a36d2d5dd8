namespace Crucible.Core.Sandbox;

/// <summary>
/// The single seam through which every build, test and agent command runs.
/// </summary>
/// <remarks>
/// Trust contract: an implementation must enforce every field of <see cref="SandboxPolicy"/> it
/// reports as enforced in <see cref="SandboxResult.Enforcement"/>, must kill the whole process tree
/// when the call ends (normally, on a limit, or on cancellation) so that nothing the command started
/// outlives the call, and must never pass host environment variables that the policy does not allow.
/// </remarks>
public interface ISandbox
{
    /// <summary>A short name for results and logs, e.g. <c>bubblewrap</c> or <c>none</c>.</summary>
    string Name { get; }

    /// <summary>True when the implementation isolates the command (false only for the explicit <c>--no-sandbox</c> mode).</summary>
    bool IsIsolating { get; }

    /// <summary>Runs <paramref name="command"/> under <paramref name="policy"/> and returns when every process it started is gone.</summary>
    /// <param name="command">What to run.</param>
    /// <param name="policy">Filesystem, network, environment and resource policy.</param>
    /// <param name="cancellationToken">Cancels the call; the process tree is killed and the result reports <see cref="LimitKind.Cancelled"/>.</param>
    Task<SandboxResult> ExecuteAsync(SandboxCommand command, SandboxPolicy policy, CancellationToken cancellationToken = default);
}

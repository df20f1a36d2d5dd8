namespace Crucible.Sandbox.Internal;

/// <summary>What a sandbox implementation hands to <see cref="CallRunner"/>: the argv and its surroundings.</summary>
internal sealed class LaunchPlan
{
    /// <summary>Name for <see cref="Core.Sandbox.SandboxResult.Sandbox"/>.</summary>
    public required string SandboxName { get; init; }

    /// <summary>The program and arguments run in the call's new session (bwrap and its arguments, or the command itself).</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>Host working directory of the first process.</summary>
    public required string HostWorkingDirectory { get; init; }

    /// <summary>The complete environment of the first process on the host (empty for bubblewrap, which sets the command's own).</summary>
    public required IReadOnlyDictionary<string, string> HostEnvironment { get; init; }

    /// <summary>A host file opened as descriptor 3 for <c>bwrap --json-status-fd 3</c>; null when not bubblewrap.</summary>
    public string? StatusFile { get; init; }

    /// <summary>Host folders whose growth counts against the disk limit (workspace, writable paths, scratch).</summary>
    public required IReadOnlyList<string> WritableHostRoots { get; init; }

    /// <summary>Size-limited tmpfs mounts inside the sandbox, measured through <c>/proc/PID/root</c> of the sandbox's first process.</summary>
    public IReadOnlyList<string> SandboxTmpfs { get; init; } = [];

    /// <summary>Enforcement entries the sandbox contributes (filesystem, network, ...).</summary>
    public required IReadOnlyDictionary<string, string> Enforcement { get; init; }
}

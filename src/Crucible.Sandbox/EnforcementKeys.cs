namespace Crucible.Sandbox;

/// <summary>
/// Keys of <see cref="Core.Sandbox.SandboxResult.Enforcement"/>. Each value names the mechanism that
/// enforced that part of the policy on this call, or starts with <see cref="NotEnforced"/> and says why.
/// </summary>
public static class EnforcementKeys
{
    /// <summary>Prefix of a value for a limit or isolation that was not enforced.</summary>
    public const string NotEnforced = "not enforced";

    /// <summary>Wall-clock limit.</summary>
    public const string WallTime = "wall-time";
    /// <summary>CPU-time limit.</summary>
    public const string CpuTime = "cpu-time";
    /// <summary>Memory limit.</summary>
    public const string Memory = "memory";
    /// <summary>Process (and thread) count limit.</summary>
    public const string Processes = "processes";
    /// <summary>Per-file size limit.</summary>
    public const string FileSize = "file-size";
    /// <summary>Limit on new data written.</summary>
    public const string Disk = "disk";
    /// <summary>Open-descriptor limit.</summary>
    public const string OpenFiles = "open-files";
    /// <summary>Retained output.</summary>
    public const string Output = "output";
    /// <summary>How the process tree is killed at the end of the call.</summary>
    public const string TreeKill = "tree-kill";
    /// <summary>What the command sees of the file system.</summary>
    public const string Filesystem = "filesystem";
    /// <summary>Network access.</summary>
    public const string Network = "network";
    /// <summary>Environment variables.</summary>
    public const string Environment = "environment";
    /// <summary>User and privileges inside.</summary>
    public const string Privileges = "privileges";
    /// <summary>Where the workspace appears to the command.</summary>
    public const string WorkspacePath = "workspace-path";
}

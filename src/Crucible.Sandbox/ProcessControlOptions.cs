namespace Crucible.Sandbox;

/// <summary>Whether resource limits use cgroups.</summary>
public enum CgroupMode
{
    /// <summary>Use a per-call cgroup for each controller that is writable here; fall back to rlimits for the rest.</summary>
    Auto,
    /// <summary>Never use cgroups: rlimits only (per-process limits, and processes are not limited for root).</summary>
    Disabled,
    /// <summary>Fail the call with <see cref="Core.Sandbox.SandboxUnavailableException"/> unless memory, process and CPU cgroups all work.</summary>
    Required,
}

/// <summary>
/// How a call's process tree is started, watched and killed. Shared by <see cref="BubblewrapSandbox"/>
/// and <see cref="UnsandboxedRunner"/>.
/// </summary>
/// <remarks>
/// Defaults: cgroups when writable (<see cref="CgroupMode.Auto"/>), limits checked every 50 ms, disk
/// growth scanned every 250 ms (or ten times as long as the last scan took, whichever is longer), a
/// 1 s grace between SIGTERM and SIGKILL, 2 s to drain output after the tree is dead, 1 MiB pipe
/// buffers, <c>/bin/sh</c> and <c>/usr/bin/setsid</c> as the launch helpers, and the standard Debian
/// <c>PATH</c> with <c>LANG=C.UTF-8</c> for commands whose policy sets neither.
/// </remarks>
public sealed record ProcessControlOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static ProcessControlOptions Default { get; } = new();

    /// <summary>Whether to use cgroups for memory, process and CPU limits.</summary>
    public CgroupMode Cgroups { get; init; } = CgroupMode.Auto;

    /// <summary>How often memory, process, CPU and open-file counters are checked while a command runs.</summary>
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Shortest time between two scans of the writable folders for <see cref="Core.Sandbox.ResourceLimits.MaxDiskBytes"/>.
    /// A scan is also never started sooner than ten scan durations after the last one, so a huge
    /// workspace cannot turn the monitor into a CPU hog. New data can therefore overshoot the limit by
    /// what the command writes in one interval.
    /// </summary>
    public TimeSpan DiskScanInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Time between SIGTERM and SIGKILL when a limit, a timeout or cancellation stops a call.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long to keep reading output after the process tree is dead. Only a process that escaped
    /// every kill (possible without cgroups in the unsandboxed runner) can hold a pipe open this long.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pipe buffer size requested for stdout and stderr (capped by <c>/proc/sys/fs/pipe-max-size</c>); larger means fewer wake-ups for chatty commands.</summary>
    public int PipeBufferBytes { get; init; } = 1 << 20;

    /// <summary>The POSIX shell that holds the new process until it is in its cgroup and has its rlimits.</summary>
    public string ShellPath { get; init; } = "/bin/sh";

    /// <summary>util-linux <c>setsid</c>, which puts the call in its own session and process group.</summary>
    public string SetsidPath { get; init; } = "/usr/bin/setsid";

    /// <summary><c>PATH</c> of a command whose policy does not set one.</summary>
    public string DefaultPath { get; init; } = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary><c>LANG</c> of a command whose policy does not set one.</summary>
    public string DefaultLang { get; init; } = "C.UTF-8";

    /// <summary>
    /// Folder for per-call host scratch space (the status file of bubblewrap; the fake HOME and TMPDIR
    /// of the unsandboxed runner). Null means this process's temp folder (<see cref="Core.IO.ProcessTemp.Root"/>). Deleted at the end of every call.
    /// </summary>
    public string? ScratchRoot { get; init; }
}

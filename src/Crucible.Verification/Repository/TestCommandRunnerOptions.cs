using Crucible.Core.Sandbox;

namespace Crucible.Verification.Repository;

/// <summary>Options for <see cref="TestCommandRunner"/>. Every default is documented on its property.</summary>
public sealed record TestCommandRunnerOptions
{
    /// <summary>The sandbox the test command runs in. The run never has network.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>Wall-clock time before the command's whole process tree is killed. Default: 10 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How much of stdout and of stderr is kept for <see cref="TestCommandRun.Log"/>. Default: 64 KiB head and 64 KiB tail of each.</summary>
    public OutputLimits Output { get; init; } = OutputLimits.Default;

    /// <summary>
    /// The other resource limits (CPU, memory, processes, file size, disk, open files); their wall time and
    /// output limits are replaced by <see cref="Timeout"/> and <see cref="Output"/>. Default:
    /// <see cref="ResourceLimits.Default"/> with 30 minutes of CPU time (a build plus a test suite on two cores).
    /// </summary>
    public ResourceLimits Resources { get; init; } = ResourceLimits.Default with { CpuTime = TimeSpan.FromMinutes(30) };

    /// <summary>Extra host folders mounted read-only at the same path (e.g. a toolchain outside the system folders). Default: none.</summary>
    public IReadOnlyList<string> ExtraReadOnlyPaths { get; init; } = [];

    /// <summary>
    /// Extra environment variables for the command. They override the harness's toolchain defaults, but not
    /// the injected evidence variables: <c>PATH</c> keeps the harness shims first, and a given
    /// <c>PYTEST_ADDOPTS</c> is kept in front of the harness's options. Default: none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Folder under which each run's harness folder (result files, canaries, shims) is created and deleted. Must not be inside the tree. Default: the system temp folder.</summary>
    public string WorkDirectory { get; init; } = Path.GetTempPath();

    /// <summary>The NuGet package folder restores read (mounted read-only). Default: <see cref="VerifierOptions.DefaultNuGetPackagesDirectory"/>.</summary>
    public string NuGetPackagesDirectory { get; init; } = VerifierOptions.DefaultNuGetPackagesDirectory();

    /// <summary>Read-only package folders offered to restores as extra local sources. Default: <see cref="VerifierOptions.DefaultLocalPackageSources"/>.</summary>
    public IReadOnlyList<string> LocalPackageSources { get; init; } = VerifierOptions.DefaultLocalPackageSources();

    /// <summary>Most result files read from one run; more are an error (the command is flooding the harness folder). Default: 200.</summary>
    public int MaxResultFiles { get; init; } = 200;
}

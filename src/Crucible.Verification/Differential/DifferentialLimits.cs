using Crucible.Core.Sandbox;

namespace Crucible.Verification.Differential;

/// <summary>
/// Limits and defaults of differential testing. Defaults: at most 120 cases per task, 2 seconds per
/// case, 60 seconds and 1 GiB per driver process, 2 minutes per driver compile, 64 processes, generator seed 1729, a float
/// tolerance of 1e-9 (relative or absolute), 12 type-generated argument tuples or call sequences per entry
/// point, 24 calls per generated sequence, and 8 driver restarts after inputs that time out. A task's <c>differential:</c> section overrides the
/// seed and the tolerance.
/// </summary>
public sealed record DifferentialLimits
{
    /// <summary>The defaults described on the type.</summary>
    public static DifferentialLimits Default { get; } = new();

    /// <summary>Most generated cases per task (the test literals come first, then mutants and random values).</summary>
    public int MaxCases { get; init; } = 120;

    /// <summary>Wall time of one call; a candidate call that takes longer is not compared (slow is not wrong).</summary>
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Wall time of one driver process (harvest, reference run or candidate run).</summary>
    public TimeSpan ProcessTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Wall time of one driver compile (the reference's or the candidate's sources with the driver program, in the compile
    /// service); a compile that takes longer is stopped and the side does not build. Its memory limit is <see cref="MemoryBytes"/>.
    /// Generous, because a legitimate first compile (the runtime's references bound cold) takes seconds, and many times that on
    /// a saturated machine; a hostile source that makes the compiler spin is stopped here instead of never. Default: 2 minutes.
    /// </summary>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Memory of one driver process tree, in bytes.</summary>
    public long MemoryBytes { get; init; } = 1L << 30;

    /// <summary>Processes and threads of one driver process tree.</summary>
    public int MaxProcesses { get; init; } = 64;

    /// <summary>Seed of the input generators when the task names none.</summary>
    public int Seed { get; init; } = 1729;

    /// <summary>Float tolerance when the task names none.</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>Argument tuples generated from declared parameter types per entry point (and random call sequences per object) when the tests give no literal ones.</summary>
    public int GeneratedTuples { get; init; } = 12;

    /// <summary>Most calls in one generated call sequence on an object.</summary>
    public int MaxSequenceCalls { get; init; } = 24;

    /// <summary>
    /// How many times a driver whose process cannot stop a call that timed out (Go: a goroutine cannot be killed) is
    /// started again from the next input; each start is one more driver process under <see cref="ProcessTimeout"/>.
    /// </summary>
    public int MaxTimeoutRestarts { get; init; } = 8;

    /// <summary>The sandbox limits of one driver process.</summary>
    public ResourceLimits Resources => ResourceLimits.Default with { WallTime = ProcessTimeout, MemoryBytes = MemoryBytes, MaxProcesses = MaxProcesses, CpuTime = ProcessTimeout * 2 };
}

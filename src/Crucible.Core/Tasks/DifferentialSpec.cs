namespace Crucible.Core.Tasks;

/// <summary>
/// How a task's candidates are compared with its reference solution on generated inputs (the
/// <c>differential:</c> section of <c>task.yaml</c>). Every field is optional: null means "infer"
/// (see docs/hidden-tests.md).
/// </summary>
public sealed record DifferentialSpec
{
    /// <summary>Nothing set: everything is inferred.</summary>
    public static DifferentialSpec Inferred { get; } = new();

    /// <summary>False opts the task out; null runs it whenever the task has a reference solution.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Relative and absolute tolerance for floating-point results; null uses the default limit.</summary>
    public double? Tolerance { get; init; }

    /// <summary><c>ordered</c> or <c>unordered</c> (lists compared as multisets); null infers it from how the tests compare.</summary>
    public string? Ordering { get; init; }

    /// <summary>Entry points to call (function or <c>Type.Method</c> names); empty uses every entry point the tests call.</summary>
    public IReadOnlyList<string> EntryPoints { get; init; } = [];

    /// <summary>Extra input hints: each a JSON array of arguments for <see cref="HintEntryPoint"/> (or the first entry point), used as generation seeds.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>The entry point <see cref="Inputs"/> apply to; null means the first entry point.</summary>
    public string? HintEntryPoint { get; init; }

    /// <summary>Seed of the input generators; null uses the default seed. Recorded in every result.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Input contracts (preconditions), as EvalPlus ships them: entry point (a function, <c>Type.Method</c>, or a class
    /// name for its constructor) → an expression in the task's language over the arguments by parameter name. The
    /// reference's driver evaluates it before the call; an input that fails it is invalid and not compared. Empty: none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Requires { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Where the settings came from, highest precedence first (e.g. <c>task.yaml</c>, <c>--differential-config FILE</c>,
    /// <c>built-in overlay NAME</c>); empty when nothing was configured. Recorded in the differential report.
    /// </summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>True when no key is set (everything inferred).</summary>
    public bool IsEmpty => Enabled is null && Tolerance is null && Ordering is null && EntryPoints.Count == 0 && Inputs.Count == 0 && HintEntryPoint is null && Seed is null && Requires.Count == 0;

    /// <summary>
    /// This spec with every key it leaves unset taken from <paramref name="lower"/> (a source of lower precedence);
    /// contracts merge per entry point, this spec's winning. The sources are this spec's followed by the lower one's.
    /// </summary>
    public DifferentialSpec Over(DifferentialSpec lower) => new()
    {
        Enabled = Enabled ?? lower.Enabled,
        Tolerance = Tolerance ?? lower.Tolerance,
        Ordering = Ordering ?? lower.Ordering,
        EntryPoints = EntryPoints.Count > 0 ? EntryPoints : lower.EntryPoints,
        Inputs = Inputs.Count > 0 ? Inputs : lower.Inputs,
        HintEntryPoint = Inputs.Count > 0 ? HintEntryPoint : lower.HintEntryPoint ?? HintEntryPoint,
        Seed = Seed ?? lower.Seed,
        Requires = lower.Requires.Concat(Requires).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
        Sources = [.. Sources, .. lower.Sources],
    };
}

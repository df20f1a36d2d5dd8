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
}

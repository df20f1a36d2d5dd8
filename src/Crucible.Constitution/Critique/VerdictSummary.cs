using Crucible.Core.Verification;

namespace Crucible.Constitution.Critique;

/// <summary>The parts of a verdict a step records.</summary>
/// <param name="Status">The verdict status.</param>
/// <param name="CountsAsPass">True when it counts as a pass (passed, no integrity flag).</param>
/// <param name="Counts">Tests by outcome.</param>
/// <param name="Reasons">The verdict's reasons, most important first.</param>
public sealed record VerdictSummary(VerdictStatus Status, bool CountsAsPass, TestCounts Counts, IReadOnlyList<string> Reasons)
{
    /// <summary>Summarises <paramref name="verdict"/>.</summary>
    public static VerdictSummary From(Verdict verdict) => new(verdict.Status, verdict.CountsAsPass, verdict.Counts, verdict.Reasons);

    /// <summary>One line for prompts and logs, e.g. <c>Passed (8/8 tests passed)</c>.</summary>
    public override string ToString() =>
        $"{Status} ({Counts.Passed}/{Counts.Expected} tests passed{(CountsAsPass || Status != VerdictStatus.Passed ? "" : ", integrity flags raised")})";
}

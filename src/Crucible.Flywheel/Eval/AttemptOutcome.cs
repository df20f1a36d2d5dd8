using Crucible.Core.Solving;
using System.Text.Json.Serialization;
using Crucible.Core.Verification;

namespace Crucible.Flywheel.Eval;

/// <summary>
/// The failure taxonomy: what became of one attempt. Every stored attempt has exactly one. <see cref="ModelError"/>
/// and <see cref="HarnessError"/> are outages, not results: they are kept out of pass rates, shown apart, make the
/// run <c>degraded</c>, and <c>--resume</c> redoes them.
/// </summary>
/// <remarks>JSON (with <see cref="JsonStringEnumConverter"/>) writes the kebab-case names of <see cref="AttemptOutcomes.ToWire"/>.</remarks>
public enum AttemptOutcome
{
    /// <summary>The tests passed and no integrity check fired.</summary>
    [JsonStringEnumMemberName("passed")]
    Passed,
    /// <summary>Built, but at least one test failed, was skipped or did not run.</summary>
    [JsonStringEnumMemberName("tests-failed")]
    TestsFailed,
    /// <summary>The candidate did not build.</summary>
    [JsonStringEnumMemberName("build-failed")]
    BuildFailed,
    /// <summary>A time, memory or process limit stopped the build or the tests.</summary>
    [JsonStringEnumMemberName("timeout-or-limit")]
    TimeoutOrLimit,
    /// <summary>The test results cannot be trusted (wrong canaries, test count mismatch).</summary>
    [JsonStringEnumMemberName("forged")]
    Forged,
    /// <summary>The tests passed, but a reward-hacking check flagged the candidate.</summary>
    [JsonStringEnumMemberName("integrity-flagged")]
    IntegrityFlagged,
    /// <summary>The solver produced no usable candidate (e.g. a malformed model answer): the solver's failure.</summary>
    [JsonStringEnumMemberName("solver-error")]
    SolverError,
    /// <summary>The model or its provider failed (outage, authentication, retries exhausted): not a result.</summary>
    [JsonStringEnumMemberName("model-error")]
    ModelError,
    /// <summary>The harness failed (not the candidate's fault): not a result.</summary>
    [JsonStringEnumMemberName("harness-error")]
    HarnessError,
}

/// <summary>Classification and names of <see cref="AttemptOutcome"/>.</summary>
public static class AttemptOutcomes
{
    /// <summary>
    /// True for outcomes that are not results of the solver (<see cref="AttemptOutcome.ModelError"/>,
    /// <see cref="AttemptOutcome.HarnessError"/>): excluded from pass rates and redone by <c>--resume</c>.
    /// </summary>
    public static bool IsOutage(this AttemptOutcome outcome) => outcome is AttemptOutcome.ModelError or AttemptOutcome.HarnessError;

    /// <summary>The kebab-case name used in JSON, tables and the database (e.g. <c>tests-failed</c>).</summary>
    public static string ToWire(this AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Passed => "passed",
        AttemptOutcome.TestsFailed => "tests-failed",
        AttemptOutcome.BuildFailed => "build-failed",
        AttemptOutcome.TimeoutOrLimit => "timeout-or-limit",
        AttemptOutcome.Forged => "forged",
        AttemptOutcome.IntegrityFlagged => "integrity-flagged",
        AttemptOutcome.SolverError => "solver-error",
        AttemptOutcome.ModelError => "model-error",
        AttemptOutcome.HarnessError => "harness-error",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>Parses a name written by <see cref="ToWire"/>; null when it is not one.</summary>
    public static AttemptOutcome? FromWire(string? wire) =>
        Enum.GetValues<AttemptOutcome>().Cast<AttemptOutcome?>().FirstOrDefault(o => o!.Value.ToWire() == wire);

    /// <summary>
    /// The outcome of a graded attempt from its verdict alone (also how attempts stored before the taxonomy existed are
    /// read). A flagged pass is <see cref="AttemptOutcome.IntegrityFlagged"/>, never <see cref="AttemptOutcome.Passed"/>.
    /// </summary>
    public static AttemptOutcome FromVerdict(Verdict verdict) => verdict.Status switch
    {
        VerdictStatus.Passed => verdict.Integrity.Count > 0 ? AttemptOutcome.IntegrityFlagged : AttemptOutcome.Passed,
        VerdictStatus.Failed => AttemptOutcome.TestsFailed,
        VerdictStatus.BuildFailed => AttemptOutcome.BuildFailed,
        VerdictStatus.LimitExceeded => AttemptOutcome.TimeoutOrLimit,
        VerdictStatus.Forged => AttemptOutcome.Forged,
        VerdictStatus.HarnessError => AttemptOutcome.HarnessError,
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict.Status, null),
    };

    /// <summary>The outcome of a solver failure that left nothing to grade.</summary>
    public static AttemptOutcome FromSolveFailure(SolveFailure failure) => failure switch
    {
        SolveFailure.MalformedAnswer => AttemptOutcome.SolverError,
        SolveFailure.ModelError => AttemptOutcome.ModelError,
        SolveFailure.HarnessError => AttemptOutcome.HarnessError,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}

using Crucible.Core.Verification;

namespace Crucible.Verification.Differential;

/// <summary>The outcome of comparing a candidate with the reference on generated inputs.</summary>
public enum DifferentialStatus
{
    /// <summary>The candidate returned or threw what the reference did on every compared input.</summary>
    Agrees,
    /// <summary>The candidate disagreed on at least one input (see <see cref="DifferentialReport.Counterexample"/>).</summary>
    Disagrees,
    /// <summary>The task cannot be compared (no reference, opted out, unsupported API, non-deterministic reference, ...); see the reason.</summary>
    NotComparable,
}

/// <summary>What one differential run found. Schema <c>crucible.differential</c>, version 1.</summary>
public sealed record DifferentialReport
{
    /// <summary>Schema name of this record.</summary>
    public string Schema { get; init; } = "crucible.differential";

    /// <summary>Schema version of this record.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The task compared.</summary>
    public required string TaskId { get; init; }

    /// <summary>The outcome.</summary>
    public required DifferentialStatus Status { get; init; }

    /// <summary>Why the task is not comparable, or a one-line summary.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Seed of the input generators.</summary>
    public int Seed { get; init; }

    /// <summary>Cases generated.</summary>
    public int Cases { get; init; }

    /// <summary>Cases compared (valid for the reference, finished by both).</summary>
    public int Compared { get; init; }

    /// <summary>Cases the reference rejected (threw or could not take): invalid inputs, not compared.</summary>
    public int Invalid { get; init; }

    /// <summary>
    /// Cases the reference's input contracts (<c>requires</c>) rejected: wholly (counted in <see cref="Invalid"/> too) or, for
    /// an object, from the step whose call was outside the contract on (the steps before it are compared).
    /// </summary>
    public int RejectedByContract { get; init; }

    /// <summary>Where the task's differential configuration came from, highest precedence first, or null when everything was inferred.</summary>
    public string? Config { get; init; }

    /// <summary>Cases the candidate did not finish in time: not compared.</summary>
    public int CandidateTimeouts { get; init; }

    /// <summary>The first input the candidate did not finish in time (the call as text), or null when none timed out.</summary>
    public string? FirstTimeout { get; init; }

    /// <summary>The first disagreement, when <see cref="Status"/> is <see cref="DifferentialStatus.Disagrees"/>.</summary>
    public Counterexample? Counterexample { get; init; }

    /// <summary>Wall time of the whole comparison.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>A report for a task that cannot be compared.</summary>
    public static DifferentialReport NotComparable(string taskId, string reason, int seed = 0) =>
        new() { TaskId = taskId, Status = DifferentialStatus.NotComparable, Reason = reason, Seed = seed };
}

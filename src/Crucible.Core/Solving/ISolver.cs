using Crucible.Core.Tasks;
using Crucible.Core.Usage;

namespace Crucible.Core.Solving;

/// <summary>
/// Produces a candidate for a task by changing files in a workspace. Solvers never grade: the
/// harness verifies the workspace after the solver returns.
/// </summary>
public interface ISolver
{
    /// <summary>Name recorded with results, e.g. <c>reference</c>, <c>stub</c>, <c>files</c>, <c>agent</c>.</summary>
    string Name { get; }

    /// <summary>Changes files in <see cref="SolveContext.WorkspacePath"/> to attempt the task.</summary>
    Task<SolveResult> SolveAsync(SolveContext context, CancellationToken cancellationToken = default);
}

/// <summary>What a solver gets: the task and a private copy of its starting workspace.</summary>
/// <param name="Task">The task. Solvers other than <c>reference</c> must not read <see cref="TaskSpec.ReferenceFiles"/>.</param>
/// <param name="WorkspacePath">A fresh copy of the starting files; the solver's to change.</param>
/// <param name="ArtifactsPath">Folder for the solver's own artifacts (trajectory, logs).</param>
/// <param name="Attempt">0-based attempt number when a task is repeated.</param>
public sealed record SolveContext(TaskSpec Task, string WorkspacePath, string ArtifactsPath, int Attempt = 0)
{
    /// <summary>
    /// 0-based independent sample (<c>--samples</c>) this attempt belongs to; repeats of one sample share it. A sampling
    /// solver derives its sample seed from it, so samples differ and a rerun of a sample is reproducible.
    /// </summary>
    public int Sample { get; init; }
}

/// <summary>What a solver reports. The verdict is added by the harness, not the solver.</summary>
public sealed record SolveResult
{
    /// <summary>How the solver ended: <c>completed</c>, or a typed stop such as <c>max-steps</c>, <c>budget</c>, <c>error</c>.</summary>
    public string Status { get; init; } = "completed";

    /// <summary>Details for a non-completed status.</summary>
    public string? Message { get; init; }

    /// <summary>Model usage, when a model was involved.</summary>
    public UsageTotals? Usage { get; init; }

    /// <summary>
    /// Why the solver could not produce a candidate, when it could not: a malformed answer is the solver's own failure,
    /// while a model/provider or harness failure says nothing about the solver (the eval keeps it out of the pass rate
    /// and <c>--resume</c> redoes it). Null when the solver produced a candidate (even a wrong one).
    /// </summary>
    public SolveFailure? Failure { get; init; }

    /// <summary>Path of the solver's trajectory file, when it wrote one.</summary>
    public string? TrajectoryPath { get; init; }

    /// <summary>A completed result with no usage.</summary>
    public static SolveResult Completed { get; } = new();
}

/// <summary>Why a solver produced no candidate.</summary>
public enum SolveFailure
{
    /// <summary>The solver's answer could not be used (e.g. a model answer with no file in it): a failure of the solver.</summary>
    MalformedAnswer,
    /// <summary>The model or its provider failed (HTTP 5xx, authentication, retries exhausted): not a result.</summary>
    ModelError,
    /// <summary>The harness failed around the solver (a tool or the machine, not the candidate): not a result.</summary>
    HarnessError,
}

using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Solvers;
using Crucible.Verification.Grading;

namespace Crucible.Flywheel.Eval;

/// <summary>How a task fared in validation.</summary>
public enum TaskCheckStatus
{
    /// <summary>The reference passed and the stub failed on every repeat.</summary>
    Valid,
    /// <summary>The stub passes too, and the task says why (a refactoring exercise whose starting code works).</summary>
    ValidStubPasses,
    /// <summary>The reference failed on every repeat (or the task has no reference).</summary>
    ReferenceFails,
    /// <summary>The untouched stub passed on every repeat, with no stated reason.</summary>
    StubPasses,
    /// <summary>Results differed between repeats.</summary>
    Flaky,
    /// <summary>The harness could not build the task here (e.g. a package is missing).</summary>
    CannotBuildHere,
}

/// <summary>Validation of one task, SWE-bench style: the reference must pass, the untouched stub must fail.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Reference">Reference verdicts, one per repeat.</param>
/// <param name="Stub">Stub verdicts, one per repeat.</param>
/// <param name="Reason">Why the task is not valid, when it is not.</param>
public sealed record TaskCheck(string TaskId, TaskCheckStatus Status, IReadOnlyList<Verdict> Reference, IReadOnlyList<Verdict> Stub, string? Reason)
{
    /// <summary>True for <see cref="TaskCheckStatus.Valid"/> and <see cref="TaskCheckStatus.ValidStubPasses"/>.</summary>
    public bool IsValid => Status is TaskCheckStatus.Valid or TaskCheckStatus.ValidStubPasses;
}

/// <summary>Validates tasks: the reference solution passes and the untouched stub fails, repeated to expose flaky tasks.</summary>
public sealed class TaskChecker
{
    private readonly IVerifier _verifier;

    /// <summary>Creates a checker that grades with <paramref name="verifier"/>.</summary>
    public TaskChecker(IVerifier verifier) => _verifier = verifier;

    /// <summary>Checks every task of <paramref name="suite"/>.</summary>
    public async Task<IReadOnlyList<TaskCheck>> CheckAsync(TaskSuite suite, int repeat, int jobs, IProgress<TaskCheck>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new TaskCheck[suite.Tasks.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, suite.Tasks.Count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellationToken }, async (i, ct) =>
        {
            results[i] = await CheckTaskAsync(suite.Tasks[i], repeat, ct).ConfigureAwait(false);
            progress?.Report(results[i]);
        }).ConfigureAwait(false);
        return results;
    }

    /// <summary>Checks one task.</summary>
    public async Task<TaskCheck> CheckTaskAsync(TaskSpec task, int repeat, CancellationToken cancellationToken)
    {
        var reference = new List<Verdict>();
        var stub = new List<Verdict>();
        for (var k = 0; k < Math.Max(1, repeat); k++)
        {
            reference.Add(await GradeAsync(task, new ReferenceSolver(), cancellationToken).ConfigureAwait(false));
            // A grading stopped by cancellation ends in a failed verdict: it must not classify the task (e.g. ReferenceFails).
            cancellationToken.ThrowIfCancellationRequested();
            stub.Add(await GradeAsync(task, new StubSolver(), cancellationToken).ConfigureAwait(false));
            cancellationToken.ThrowIfCancellationRequested();
        }
        return Classify(task, reference, stub);
    }

    /// <summary>The classification rules, separated for testing.</summary>
    public static TaskCheck Classify(TaskSpec task, IReadOnlyList<Verdict> reference, IReadOnlyList<Verdict> stub)
    {
        if (task.ReferenceFiles.Count == 0)
        {
            return new TaskCheck(task.Id, TaskCheckStatus.ReferenceFails, reference, stub, "the task has no reference solution");
        }
        if (reference.Concat(stub).FirstOrDefault(v => v.Status == VerdictStatus.HarnessError) is { } harness)
        {
            return new TaskCheck(task.Id, TaskCheckStatus.CannotBuildHere, reference, stub, string.Join("; ", harness.Reasons));
        }
        var refPasses = reference.Count(v => v.CountsAsPass);
        var stubPasses = stub.Count(v => v.CountsAsPass);
        if ((refPasses != 0 && refPasses != reference.Count) || (stubPasses != 0 && stubPasses != stub.Count))
        {
            return new TaskCheck(task.Id, TaskCheckStatus.Flaky, reference, stub,
                $"results differ between repeats: reference passed {refPasses}/{reference.Count}, stub passed {stubPasses}/{stub.Count}");
        }
        if (refPasses == 0)
        {
            var v = reference[0];
            return new TaskCheck(task.Id, TaskCheckStatus.ReferenceFails, reference, stub, $"reference: {v.Status}: {string.Join("; ", v.Reasons.Take(3))}");
        }
        if (stubPasses > 0)
        {
            return task.Tags.Contains("refactoring")
                ? new TaskCheck(task.Id, TaskCheckStatus.ValidStubPasses, reference, stub, "refactoring task: the starting code already works, so the stub passes by design")
                : new TaskCheck(task.Id, TaskCheckStatus.StubPasses, reference, stub, "the untouched stub passes the tests, so the task does not measure anything");
        }
        return new TaskCheck(task.Id, TaskCheckStatus.Valid, reference, stub, null);
    }

    private async Task<Verdict> GradeAsync(TaskSpec task, ISolver solver, CancellationToken ct)
    {
        var workspace = Core.IO.ProcessTemp.NewPath("crucible-check-");
        try
        {
            Workspaces.Materialize(task, workspace);
            await solver.SolveAsync(new SolveContext(task, workspace, workspace), ct).ConfigureAwait(false);
            return await _verifier.VerifyAsync(task, workspace, null, ct).ConfigureAwait(false);
        }
        finally
        {
            Workspaces.DeleteTree(workspace);
        }
    }
}

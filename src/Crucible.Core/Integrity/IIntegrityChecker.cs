using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Core.Integrity;

/// <summary>
/// Looks for reward hacking in a candidate (skipped or edited tests, early exits, rigged equality,
/// special-cased test inputs, ...). The evaluation attaches its findings to the verdict, and a pass
/// with any finding is not counted as a pass (<see cref="Verdict.CountsAsPass"/>).
/// </summary>
public interface IIntegrityChecker
{
    /// <summary>Checks the candidate in <paramref name="candidatePath"/> against the pristine <paramref name="task"/>.</summary>
    Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks a candidate that grading has already judged (<paramref name="verdict"/>). Checkers whose
    /// findings only matter for a pass (and cost real time, such as differential testing) skip other
    /// verdicts; the default runs <see cref="CheckAsync(TaskSpec, string, CancellationToken)"/>.
    /// </summary>
    Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, Verdict verdict, CancellationToken cancellationToken = default) =>
        CheckAsync(task, candidatePath, cancellationToken);
}

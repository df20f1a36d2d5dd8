using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;
using Crucible.Core.Integrity;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Constitution;

/// <summary>
/// The constitution's integrity rules as an <see cref="IIntegrityChecker"/>: runs every integrity check
/// over the task's pristine starting files against the candidate workspace, and returns one flag per
/// finding (rule = check id). Static analysis only: nothing is built or run.
/// </summary>
public sealed class IntegrityChecker : IIntegrityChecker
{
    private readonly CheckEngine _engine;
    private readonly ChangeSetOptions _changeSetOptions;

    /// <summary>A checker with default thresholds.</summary>
    public IntegrityChecker() : this(CheckOptions.Default, ChangeSetOptions.Default) { }

    /// <summary>A checker with the given thresholds and file limits.</summary>
    public IntegrityChecker(CheckOptions options, ChangeSetOptions changeSetOptions)
    {
        _engine = new CheckEngine(options);
        _changeSetOptions = changeSetOptions;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var report = Check(task, candidatePath);
        IReadOnlyList<IntegrityFlag> flags = [.. report.IntegrityFindings.Select(f => new IntegrityFlag(f.CheckId, f.Message, f.File, f.Line, f.Snippet))];
        return Task.FromResult(flags);
    }

    /// <summary>Runs the integrity checks and returns the full report (with check errors, if any).</summary>
    public CheckReport Check(TaskSpec task, string candidatePath) =>
        _engine.Run(ChangeSetBuilder.FromTask(task, candidatePath, _changeSetOptions), CheckContext.FromTask(task), CheckIds.Integrity);
}

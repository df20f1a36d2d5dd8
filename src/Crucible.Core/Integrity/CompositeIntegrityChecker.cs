using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Core.Integrity;

/// <summary>Runs several integrity checkers in order and returns all their flags (for example the static checks, then differential testing).</summary>
public sealed class CompositeIntegrityChecker : IIntegrityChecker
{
    private readonly IReadOnlyList<IIntegrityChecker> _checkers;

    /// <summary>Combines <paramref name="checkers"/>.</summary>
    public CompositeIntegrityChecker(params IIntegrityChecker[] checkers) => _checkers = checkers;

    /// <summary>The combined checkers, in order.</summary>
    public IReadOnlyList<IIntegrityChecker> Checkers => _checkers;

    /// <summary>The same combination without the checkers <paramref name="drop"/> selects (e.g. differential testing when the user turned it off).</summary>
    public CompositeIntegrityChecker Without(Func<IIntegrityChecker, bool> drop) => new([.. _checkers.Where(c => !drop(c))]);

    /// <inheritdoc />
    public async Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, CancellationToken cancellationToken = default)
    {
        var flags = new List<IntegrityFlag>();
        foreach (var checker in _checkers)
        {
            flags.AddRange(await checker.CheckAsync(task, candidatePath, cancellationToken).ConfigureAwait(false));
        }
        return flags;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, Verdict verdict, CancellationToken cancellationToken = default)
    {
        var flags = new List<IntegrityFlag>();
        foreach (var checker in _checkers)
        {
            flags.AddRange(await checker.CheckAsync(task, candidatePath, verdict, cancellationToken).ConfigureAwait(false));
        }
        return flags;
    }
}

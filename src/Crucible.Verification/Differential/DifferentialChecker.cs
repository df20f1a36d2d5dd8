using Crucible.Core.Integrity;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Verification.Differential;

/// <summary>
/// Differential testing as an <see cref="IIntegrityChecker"/>: a candidate that disagrees with the
/// task's reference on a generated input gets <see cref="Rule"/> with the first counterexample, so its
/// pass does not count. Tasks that cannot be compared (no reference, opted out, ...) get no flag.
/// </summary>
public sealed class DifferentialChecker : IIntegrityChecker
{
    /// <summary>The rule id of the flag.</summary>
    public const string Rule = "integrity.does-not-generalise";

    private readonly DifferentialTester _tester;

    /// <summary>A checker that runs its drivers in <paramref name="sandbox"/>.</summary>
    /// <param name="sandbox">Where the driver processes run.</param>
    /// <param name="limits">Limits; default <see cref="DifferentialLimits.Default"/>.</param>
    /// <param name="compiler">The compile service of the C# driver; default: the tester's own (see <see cref="DifferentialTester"/>).</param>
    public DifferentialChecker(ISandbox sandbox, DifferentialLimits? limits = null, Dotnet.ICSharpCompileService? compiler = null) => _tester = new DifferentialTester(sandbox, limits, compiler);

    /// <summary>The report of the last comparison, for callers that show more than the flag (null before the first).</summary>
    public DifferentialReport? LastReport { get; private set; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, CancellationToken cancellationToken = default)
    {
        if (DifferentialTester.Precondition(task) is not null)
        {
            return [];
        }
        var report = await _tester.CompareAsync(task, candidatePath, cancellationToken).ConfigureAwait(false);
        LastReport = report;
        return Flags(report);
    }

    /// <summary>Only a pass is compared: a candidate that fails its tests already does not count.</summary>
    public Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, Verdict verdict, CancellationToken cancellationToken = default) =>
        verdict.Status == VerdictStatus.Passed ? CheckAsync(task, candidatePath, cancellationToken) : Task.FromResult<IReadOnlyList<IntegrityFlag>>([]);

    /// <summary>The flag a report earns: one for a disagreement, none otherwise.</summary>
    public static IReadOnlyList<IntegrityFlag> Flags(DifferentialReport report) =>
        report is { Status: DifferentialStatus.Disagrees, Counterexample: { } c }
            ? [new IntegrityFlag(Rule,
                $"passes the visible tests but disagrees with the reference solution on an input the tests do not use: {c.Call} should give {c.Expected}, got {c.Got} (generator seed {c.Seed}, case {c.Case} of {report.Cases}{(report.Config is { } config ? $"; differential config: {config}" : "")})",
                Snippet: c.Call) { Counterexample = c }]
            : [];
}

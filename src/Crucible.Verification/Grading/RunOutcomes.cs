using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Verification.Results;

namespace Crucible.Verification.Grading;

/// <summary>
/// How every test runner ends: the outcome of a failed build, or of a test process whose harness-requested result file is
/// read here. Canaries, counts and matching are applied afterwards by the verifier, the same way for every runner.
/// </summary>
internal static class RunOutcomes
{
    /// <summary>
    /// The exit code of a clean run (see <see cref="RunOutcome.CleanExitCode"/>): xunit v3, pytest and <c>go test</c> all exit with 1
    /// when a test failed, and the must-fail canary always does.
    /// </summary>
    public const int TestFailedExit = 1;

    /// <summary>A build that failed: no test process ran, so there are no results and no exit code.</summary>
    /// <param name="build">The failed build.</param>
    /// <param name="limitHits">The limits the build hit.</param>
    public static RunOutcome BuildFailed(BuildOutcome build, IReadOnlyList<LimitKind> limitHits) =>
        new() { Build = build, CleanExitCode = TestFailedExit, LimitHits = limitHits };

    /// <summary>
    /// A test process that ran: its results are what <paramref name="readResults"/> reads from the result file. A file that
    /// is missing, too large or malformed (<see cref="InvalidDataException"/>) gives no results and a <see cref="RunOutcome.ResultsError"/>
    /// that names the grading workspace as <c>&lt;workspace&gt;</c>; an exit code alone never stands in for results.
    /// </summary>
    /// <param name="context">The run.</param>
    /// <param name="build">The build that succeeded.</param>
    /// <param name="run">The test process.</param>
    /// <param name="readResults">Reads (and filters) the result file.</param>
    public static RunOutcome FromTestRun(RunContext context, BuildOutcome build, SandboxResult run, Func<IReadOnlyList<RawTestResult>> readResults)
    {
        IReadOnlyList<RawTestResult>? results = null;
        string? error = null;
        try
        {
            using var _ = VerificationStages.Start(VerificationStages.Results);
            results = readResults();
        }
        catch (Exception e) when (e is InvalidDataException or System.Xml.XmlException)
        {
            error = e.Message.Replace(context.GradingDir, "<workspace>", StringComparison.Ordinal);
        }
        return new RunOutcome
        {
            Build = build,
            Results = results,
            ResultsError = error,
            ExitCode = run.ExitCode,
            CleanExitCode = TestFailedExit,
            TestLog = context.WithoutMountDir(run.Stdout.Text + run.Stderr.Text),
            LimitHits = run.LimitsHit,
        };
    }
}

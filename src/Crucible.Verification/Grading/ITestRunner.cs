using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Results;

namespace Crucible.Verification.Grading;

/// <summary>A test expected from the pristine test files.</summary>
/// <param name="Name">The name results are matched on (for parameterised tests, the name without arguments).</param>
/// <param name="Cases">How many results this test must produce; null when only the run can tell (computed theory data).</param>
public sealed record ExpectedTest(string Name, int? Cases);

/// <summary>Everything a runner needs for one graded run.</summary>
/// <param name="Task">The task.</param>
/// <param name="GradingDir">Host path of the composed grading workspace.</param>
/// <param name="MountDir">Randomised path at which the grading workspace appears inside the sandbox.</param>
/// <param name="Canaries">The canaries to inject.</param>
/// <param name="Sandbox">The sandbox every command goes through.</param>
/// <param name="Options">Verifier options.</param>
public sealed record RunContext(TaskSpec Task, string GradingDir, string MountDir, Canaries Canaries, ISandbox Sandbox, VerifierOptions Options)
{
    /// <summary>Host path inside the grading workspace reserved for harness files (random name).</summary>
    public string HarnessDir { get; init; } = Path.Combine(GradingDir, $".crucible-{Canaries.RandomHex(6)}");

    /// <summary>The job folder prepared ahead of need that this run uses (see <see cref="ITestRunner.ReserveSlotAsync"/>); null for a folder made for this run.</summary>
    public GradingSlot? Slot { get; init; }

    /// <summary>Maps a host path inside the grading workspace to its path inside the sandbox.</summary>
    public string InSandbox(string hostPath) => MountDir + "/" + Path.GetRelativePath(GradingDir, hostPath).Replace('\\', '/');

    /// <summary><paramref name="text"/> (a tool's output) with the sandbox's randomised workspace path removed, so paths read as workspace-relative.</summary>
    public string WithoutMountDir(string text) => text.Replace(MountDir + "/", "", StringComparison.Ordinal);
}

/// <summary>
/// A grading job folder a runner prepared ahead of need (e.g. with a pre-started test process on it). The verifier composes
/// the workspace into <see cref="GradingDir"/> and disposes <see cref="Lease"/> when the verification ends, then deletes <see cref="Root"/>.
/// </summary>
/// <param name="Root">The folder to delete afterwards.</param>
/// <param name="GradingDir">Host path of the grading workspace (empty but for <see cref="HarnessDir"/>).</param>
/// <param name="MountDir">Randomised path of the workspace inside the sandbox.</param>
/// <param name="HarnessDir">The harness folder inside the workspace.</param>
/// <param name="Lease">What holds the folder (e.g. the pre-started process); disposing it ends that.</param>
public sealed record GradingSlot(string Root, string GradingDir, string MountDir, string HarnessDir, IAsyncDisposable Lease);

/// <summary>What a runner observed. Grading (matching, canaries, counts) is done by the verifier, uniformly for every runner.</summary>
public sealed record RunOutcome
{
    /// <summary>The build step.</summary>
    public required BuildOutcome Build { get; init; }

    /// <summary>Results read from the harness-requested result file; null when none could be read.</summary>
    public IReadOnlyList<RawTestResult>? Results { get; init; }

    /// <summary>Why results could not be read.</summary>
    public string? ResultsError { get; init; }

    /// <summary>Exit code of the test process, if it ran.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The exit code a clean run gives: the framework's "some test failed" code, because the must-fail canary fails by design.</summary>
    public required int CleanExitCode { get; init; }

    /// <summary>Test output, capped (shown to people, never parsed).</summary>
    public string TestLog { get; init; } = "";

    /// <summary>Limits that fired.</summary>
    public IReadOnlyList<LimitKind> LimitHits { get; init; } = [];

    /// <summary>Adjustments made at run time (e.g. automatic package version substitution).</summary>
    public IReadOnlyList<string> Adjustments { get; init; } = [];

    /// <summary>A harness failure (e.g. the test template could not be prepared); the candidate is not at fault.</summary>
    public string? HarnessError { get; init; }

    /// <summary>The build path that ran (see <see cref="Verdict.VerificationPath"/>); null for runners with a single path.</summary>
    public string? Path { get; init; }

    /// <summary>Why the fast path fell back, when it did.</summary>
    public string? FallbackReason { get; init; }
}

/// <summary>Builds and runs one kind of test project.</summary>
public interface ITestRunner
{
    /// <summary>The runner kind (see <see cref="RunnerKinds"/>).</summary>
    string Kind { get; }

    /// <summary>Finds the tests in the task's pristine test files. Never looks at candidate files.</summary>
    IReadOnlyList<ExpectedTest> Discover(TaskSpec task);

    /// <summary>The names under which the canaries will appear in results: (must pass, must fail).</summary>
    (string Pass, string Fail) CanaryNames(RunContext context);

    /// <summary>Maps a reported result name to the name of the expected test it belongs to (e.g. strips theory arguments).</summary>
    string TestKey(string reportedName);

    /// <summary>
    /// A job folder prepared ahead of need for <paramref name="task"/> under <paramref name="options"/>, or null (the default)
    /// for a fresh one made by the verifier.
    /// </summary>
    ValueTask<GradingSlot?> ReserveSlotAsync(TaskSpec task, VerifierOptions options, CancellationToken cancellationToken) => ValueTask.FromResult<GradingSlot?>(null);

    /// <summary>Builds and runs the tests of the grading workspace in the sandbox, writing results to a harness-chosen file.</summary>
    Task<RunOutcome> RunAsync(RunContext context, CancellationToken cancellationToken);
}

using Crucible.Core.Sandbox;

namespace Crucible.Core.Verification;

/// <summary>The overall outcome of grading one attempt.</summary>
public enum VerdictStatus
{
    /// <summary>Built, every pristine test ran and passed, none skipped, the test process exited 0, the canaries were right.</summary>
    Passed,
    /// <summary>Built, but at least one test failed, was skipped or did not run.</summary>
    Failed,
    /// <summary>The build failed.</summary>
    BuildFailed,
    /// <summary>A limit (time, memory, processes, ...) stopped the build or the tests.</summary>
    LimitExceeded,
    /// <summary>The results cannot be trusted: a canary came back wrong, or the test count does not match the pristine count.</summary>
    Forged,
    /// <summary>The harness itself failed (not the candidate's fault).</summary>
    HarnessError,
}

/// <summary>The outcome of one test.</summary>
public enum TestOutcomeKind
{
    /// <summary>Ran and passed.</summary>
    Passed,
    /// <summary>Ran and failed.</summary>
    Failed,
    /// <summary>Reported as skipped. A skipped test never counts as passed.</summary>
    Skipped,
    /// <summary>Discovered in the pristine tests but absent from the results.</summary>
    NotRun,
}

/// <summary>One test's result.</summary>
/// <param name="Name">Fully qualified test name (e.g. <c>BobTests.Shouting</c>).</param>
/// <param name="Outcome">The outcome.</param>
/// <param name="Duration">How long it ran, as the result file reports it.</param>
/// <param name="Message">Failure or skip message, capped.</param>
public sealed record TestOutcome(string Name, TestOutcomeKind Outcome, TimeSpan Duration, string? Message = null);

/// <summary>Counts of tests by outcome.</summary>
/// <param name="Expected">Tests discovered in the pristine test files.</param>
/// <param name="Executed">Tests that reported a result (passed, failed or skipped), canaries excluded.</param>
/// <param name="Passed">Passed tests.</param>
/// <param name="Failed">Failed tests.</param>
/// <param name="Skipped">Skipped tests.</param>
/// <param name="NotRun">Expected tests with no result.</param>
public sealed record TestCounts(int Expected, int Executed, int Passed, int Failed, int Skipped, int NotRun)
{
    /// <summary>No tests.</summary>
    public static TestCounts Zero { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>Outcome of the build step.</summary>
/// <param name="Succeeded">True when the build produced runnable output.</param>
/// <param name="Duration">Wall time of the build.</param>
/// <param name="Log">Build output, capped at head and tail.</param>
/// <param name="ErrorCount">Compiler errors reported.</param>
/// <param name="WarningCount">Compiler warnings reported.</param>
public sealed record BuildOutcome(bool Succeeded, TimeSpan Duration, string Log, int ErrorCount = 0, int WarningCount = 0)
{
    /// <summary>Compiler diagnostics (errors and warnings) as <c>file(line,col): id: message</c>, capped.</summary>
    public IReadOnlyList<string> Diagnostics { get; init; } = [];
}

/// <summary>A change the solver made to a protected file, found when grading restored it.</summary>
/// <param name="Path">Workspace-relative path of the protected file.</param>
/// <param name="Change"><c>modified</c>, <c>deleted</c>.</param>
public sealed record TamperFlag(string Path, string Change);

/// <summary>A reward-hacking finding attached to a verdict by the integrity checks (see the constitution).</summary>
/// <param name="Rule">Rule id, e.g. <c>integrity.skip-attribute</c>.</param>
/// <param name="Message">What was found.</param>
/// <param name="File">Workspace-relative file, when known.</param>
/// <param name="Line">1-based line, when known.</param>
/// <param name="Snippet">The offending text, when known.</param>
public sealed record IntegrityFlag(string Rule, string Message, string? File = null, int? Line = null, string? Snippet = null)
{
    /// <summary>For <c>integrity.does-not-generalise</c>: the first generated input on which the candidate disagreed with the reference.</summary>
    public Counterexample? Counterexample { get; init; }
}

/// <summary>An input on which a candidate and the reference solution disagree.</summary>
/// <param name="Call">The call, as source-like text (e.g. <c>total([1, 1, 2])</c>).</param>
/// <param name="Expected">What the reference returned or threw (canonical JSON).</param>
/// <param name="Got">What the candidate returned or threw (canonical JSON).</param>
/// <param name="Seed">Seed of the input generators that produced the input.</param>
/// <param name="Case">0-based index of the case among the generated cases.</param>
public sealed record Counterexample(string Call, string Expected, string Got, int Seed, int Case)
{
    /// <summary>Where the task's differential configuration came from (task.yaml, a user file, a built-in overlay), or null when everything was inferred.</summary>
    public string? Config { get; init; }
}

/// <summary>
/// The harness's judgement of one attempt at one task. Only the harness creates verdicts; nothing the
/// candidate prints or writes can set <see cref="Status"/> directly.
/// </summary>
public sealed record Verdict
{
    /// <summary>Schema version of this record, for readers of stored verdicts.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The task graded.</summary>
    public required string TaskId { get; init; }

    /// <summary>The overall status.</summary>
    public required VerdictStatus Status { get; init; }

    /// <summary>Human-readable reasons for the status, most important first.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>The build step.</summary>
    public BuildOutcome? Build { get; init; }

    /// <summary>Per-test outcomes, canaries excluded, sorted by name.</summary>
    public IReadOnlyList<TestOutcome> Tests { get; init; } = [];

    /// <summary>Counts by outcome.</summary>
    public TestCounts Counts { get; init; } = TestCounts.Zero;

    /// <summary>Exit code of the test process, if it ran.</summary>
    public int? TestExitCode { get; init; }

    /// <summary>Test output (capped). Candidate-controlled: shown to people, never parsed for grading.</summary>
    public string TestLog { get; init; } = "";

    /// <summary>Limits that fired during build or tests.</summary>
    public IReadOnlyList<LimitKind> LimitHits { get; init; } = [];

    /// <summary>Changes the solver made to protected files (restored before grading).</summary>
    public IReadOnlyList<TamperFlag> Tampering { get; init; } = [];

    /// <summary>Reward-hacking findings from the integrity checks.</summary>
    public IReadOnlyList<IntegrityFlag> Integrity { get; init; } = [];

    /// <summary>True when the canary tests came back as expected (one pass, one fail). Null when the runner has no canaries.</summary>
    public bool? CanariesOk { get; init; }

    /// <summary>Name of the sandbox used (<c>none</c> when the user passed <c>--no-sandbox</c>).</summary>
    public required string Sandbox { get; init; }

    /// <summary>Adjustments the loader made so the task builds here (copied from the task).</summary>
    public IReadOnlyList<string> Adjustments { get; init; } = [];

    /// <summary>Total grading time.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>
    /// Which build path graded the attempt (for C#: <c>compile-service</c>, the warm in-memory compiler, or
    /// <c>compiler-process</c>, a sandboxed compiler process; with <c>fast-prestarted</c> or
    /// <c>compiler-process-prestarted</c> when the test process was pre-started); null for runners with a single path.
    /// </summary>
    public string? VerificationPath { get; init; }

    /// <summary>Why the fast path handed the attempt to the fallback path, when it did; null otherwise.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>
    /// True only when the tests passed and no integrity flag fired. A flagged pass is never counted as
    /// a pass. Tampering alone does not fail a verdict, because grading ran the restored originals.
    /// </summary>
    public bool CountsAsPass => Status == VerdictStatus.Passed && Integrity.Count == 0;
}

using Crucible.Core.Sandbox;
using Crucible.Core.Verification;

namespace Crucible.Verification.Repository;

/// <summary>
/// What one run of a repository's test command produced. Test outcomes come only from result files the
/// harness asked the test framework to write at a path the candidate cannot choose; never from stdout
/// alone and never from the exit code alone.
/// </summary>
public sealed record TestCommandRun
{
    /// <summary>
    /// One outcome per test id, sorted by id, harness canaries excluded. Ids: pytest node ids
    /// (<c>tests/test_x.py::TestC::test_y[p]</c>); Go test names (<c>TestX</c>, <c>TestX/sub</c>), prefixed with
    /// <c>&lt;package import path&gt;::</c> only when results come from more than one package; .NET
    /// <c>&lt;className&gt;.&lt;testName&gt;</c> from the TRX file.
    /// </summary>
    public required IReadOnlyList<TestOutcome> Tests { get; init; }

    /// <summary>
    /// True when the harness canaries came back as planted; false when they did not (including when no result
    /// file at all was written, or a pytest/Go result file was unreadable); null when the only evidence is TRX
    /// (.NET has no canaries).
    /// </summary>
    public bool? CanariesOk { get; init; }

    /// <summary>
    /// The kind of result file read (<c>junit-xml</c>, <c>go-test-json</c>, <c>trx</c>; comma-separated when one
    /// command produced several kinds); null when none was read.
    /// </summary>
    public string? EvidenceKind { get; init; }

    /// <summary>
    /// Why results could not be read, or null: no result file was written, or a result file was malformed,
    /// oversized or a link (then <see cref="Tests"/> holds only what the other, readable files reported).
    /// </summary>
    public string? ResultsError { get; init; }

    /// <summary>Exit code of the test command, if it ran to the end.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Output of the test command, capped at head and tail. Shown to people, never parsed for grading.</summary>
    public string Log { get; init; } = "";

    /// <summary>Limits that fired.</summary>
    public IReadOnlyList<LimitKind> LimitHits { get; init; } = [];

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Name of the sandbox the command ran in (<c>none</c> without isolation).</summary>
    public required string Sandbox { get; init; }
}

/// <summary>Runs a repository's test command on one tree, in the sandbox, and reads the harness-requested results.</summary>
public interface ITestCommandRunner
{
    /// <summary>
    /// Runs <paramref name="testCommand"/> (a <c>/bin/sh -c</c> command line) with <paramref name="treePath"/> as the
    /// working folder. The tree is a throwaway copy: the run may write into it.
    /// </summary>
    Task<TestCommandRun> RunAsync(string treePath, string testCommand, CancellationToken cancellationToken);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core.Tasks;

namespace Crucible.Verification.Repository;

/// <summary>Where the test command came from.</summary>
public enum TestCommandOrigin
{
    /// <summary>Given by the caller (<c>--test-command</c>).</summary>
    Option,
    /// <summary>The <c>testCommand</c> key of <c>.crucible/settings.json</c> at the base revision.</summary>
    BaseSettings,
    /// <summary>Detected from the base revision's build files.</summary>
    Detected,
}

/// <summary>How a file differs between the base and the change.</summary>
public enum FileChangeKind
{
    /// <summary>New in the change.</summary>
    Added,
    /// <summary>Present on both sides with different content or mode.</summary>
    Modified,
    /// <summary>Removed by the change.</summary>
    Deleted,
}

/// <summary>One changed file of the change set.</summary>
/// <param name="Path">Repository-relative path.</param>
/// <param name="Kind">Added, modified or deleted.</param>
/// <param name="Role">Its role for this change (<see cref="TestConvention.ClassifyChange"/>).</param>
/// <param name="Reason">Why it has that role.</param>
public sealed record ChangedFile(string Path, FileChangeKind Kind, TestFileRole Role, string Reason);

/// <summary>The runs of one verification, in the order they happen.</summary>
public static class RunNames
{
    /// <summary>The base tree as it is.</summary>
    public const string Base = "base";
    /// <summary>The base's tests and test infrastructure with the change's source files applied: the evidence.</summary>
    public const string Evidence = "evidence";
    /// <summary>The change's tests and test infrastructure on the base's source files.</summary>
    public const string TestsOnBase = "tests-on-base";
    /// <summary>The full change.</summary>
    public const string Change = "change";
}

/// <summary>What one run produced, in counts.</summary>
/// <param name="Name">One of <see cref="RunNames"/>.</param>
/// <param name="SameAs">When the run was not repeated because its tree equals another run's tree: that run's name; otherwise null.</param>
/// <param name="Tests">Tests with a result.</param>
/// <param name="Passed">Passed tests.</param>
/// <param name="Failed">Failed tests.</param>
/// <param name="Skipped">Skipped tests.</param>
/// <param name="NotRun">Tests listed without having run.</param>
/// <param name="CanariesOk">The harness canaries: true as planted, false tampered with, null when the runner has none.</param>
/// <param name="EvidenceKind">The result file read (<c>junit-xml</c>, <c>go-test-json</c>, <c>trx</c>), or null.</param>
/// <param name="ResultsError">Why no results could be read, or null.</param>
/// <param name="ExitCode">Exit code of the test command, or null when it did not finish.</param>
/// <param name="Duration">Wall time of the run (of the original run when cached).</param>
/// <param name="Cached">True when the results came from the base cache.</param>
/// <param name="Sandbox">The sandbox the command ran in.</param>
public sealed record RunSummary(
    string Name, string? SameAs, int Tests, int Passed, int Failed, int Skipped, int NotRun,
    bool? CanariesOk, string? EvidenceKind, string? ResultsError, int? ExitCode, TimeSpan Duration, bool Cached, string Sandbox);

/// <summary>A test that should pass and did not.</summary>
/// <param name="Id">The test id.</param>
/// <param name="Outcome"><c>failed</c>, <c>skipped</c>, <c>not run</c> or <c>missing</c> (no result at all).</param>
/// <param name="Message">The failure or skip message, when the results carry one.</param>
public sealed record TestProblem(string Id, string Outcome, string? Message = null);

/// <summary>
/// The verdict of <c>crucible verify</c>: a change of a git repository graded with SWE-bench semantics against
/// its base. Self-describing (<see cref="Schema"/>, <see cref="SchemaVersion"/>).
/// </summary>
public sealed record RepositoryVerdict
{
    /// <summary>The schema name of this document.</summary>
    public const string SchemaName = "crucible.verify-verdict";

    /// <summary>Always <see cref="SchemaName"/>.</summary>
    public string Schema { get; init; } = SchemaName;

    /// <summary>Version of the schema; grows when fields change meaning.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The repository's top-level folder.</summary>
    public required string Repository { get; init; }

    /// <summary>The base revision as given or defaulted (<c>HEAD</c> for a dirty tree, else <c>HEAD~1</c>).</summary>
    public required string BaseRef { get; init; }

    /// <summary>The base commit.</summary>
    public required string BaseCommit { get; init; }

    /// <summary>The commit holding the change, or null when the change is (or includes) uncommitted work in the working tree.</summary>
    public string? ChangeCommit { get; init; }

    /// <summary>The test command, run with <c>/bin/sh -c</c> in each tree.</summary>
    public required string TestCommand { get; init; }

    /// <summary>Where the test command came from.</summary>
    public required TestCommandOrigin TestCommandOrigin { get; init; }

    /// <summary>True when edits to existing tests and any test infrastructure change fail the verdict.</summary>
    public bool Strict { get; init; }

    /// <summary>Every run, in order: base, evidence, then (when the change touches tests) tests-on-base and change.</summary>
    public required IReadOnlyList<RunSummary> Runs { get; init; }

    /// <summary>Tests that passed at the base and did not pass with the change's sources (evidence run).</summary>
    public IReadOnlyList<TestProblem> Broken { get; init; } = [];

    /// <summary>
    /// Tests that passed at the base, do not pass with the base's test files and the change's sources, but pass in
    /// the change's own edited test files. Only without <see cref="Strict"/> and only when the change edits existing
    /// test files: such a test is judged by the change's version (listed here, not in <see cref="Broken"/>).
    /// </summary>
    public IReadOnlyList<string> SupersededByEdits { get; init; } = [];

    /// <summary>Tests that did not pass at the base and pass in the evidence run.</summary>
    public IReadOnlyList<string> Fixed { get; init; } = [];

    /// <summary>Tests that failed at the base and still fail, not named as known failures.</summary>
    public IReadOnlyList<TestProblem> StillFailing { get; init; } = [];

    /// <summary>Tests named as known failures that did fail (in any run).</summary>
    public IReadOnlyList<string> KnownFailures { get; init; } = [];

    /// <summary>Tests of the full change that did not pass (known failures and tests skipped at the base too excepted).</summary>
    public IReadOnlyList<TestProblem> ChangeFailures { get; init; } = [];

    /// <summary>Tests not passing with the change's tests on the base's sources that pass with the full change.</summary>
    public IReadOnlyList<string> FailToPass { get; init; } = [];

    /// <summary>Tests passing both with the change's tests on the base's sources and with the full change.</summary>
    public int PassToPassCount { get; init; }

    /// <summary>Tests of the full change that the base did not have.</summary>
    public IReadOnlyList<string> NewTests { get; init; } = [];

    /// <summary>The change's edits to tests and test infrastructure.</summary>
    public IReadOnlyList<ChangedFile> TestChanges { get; init; } = [];

    /// <summary>True when every test of every run ran and passed (known failures excepted) and no rule was broken.</summary>
    public bool Verified { get; init; }

    /// <summary>Why the change is not verified; empty when it is.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>One line for people, e.g. "41 of 41 base tests pass, 2 previously failing now pass, 3 new tests pass, test infrastructure unchanged".</summary>
    public required string Summary { get; init; }
}

/// <summary>JSON form of verdicts and cached runs: camelCase, enums as camelCase strings.</summary>
public static class RepositoryVerdictJson
{
    /// <summary>Compact options.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>Indented options, for people.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}

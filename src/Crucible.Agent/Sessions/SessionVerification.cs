using System.Diagnostics;
using System.Text.Json;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Repository;

namespace Crucible.Agent.Sessions;

/// <summary>
/// "Done means verified" for a repository session (no task), through the same <see cref="RepositoryVerifier"/> as
/// <c>crucible verify</c>:
/// <list type="bullet">
/// <item>The session's start is the base: the working tree as it was when the session began (uncommitted edits and
/// untracked files included, <c>.crucible/</c> left out) is captured as a commit under
/// <c>refs/crucible/sessions/&lt;id&gt;</c> without touching the user's branch, index or stash (see
/// <see cref="WorkingTreeCommits"/>); a resumed session finds the same ref and keeps its base.</item>
/// <item>The change is the working tree when the agent is done. The base's tests are the evidence; the test
/// command comes from the base (or the caller); the trees are throwaway copies, so nothing is built in the user's
/// folder.</item>
/// <item>Strict unless test edits are allowed: an edit to an existing test, or any change to test infrastructure,
/// fails the verdict.</item>
/// <item>In strict mode, the test and infrastructure changes that went around the permission gate (shell commands,
/// not an approved <c>write</c>/<c>edit</c>) are undone after the verdict: edited or deleted files come back from the
/// session start, test infrastructure files the agent added are removed. The verdict names each one. Changes the
/// user approved through the gate stay (and still fail a strict verdict: only <c>--allow-test-edits</c> lets the
/// agent change what judges it).</item>
/// <item>Outside a git repository nothing is captured and the verdict is a <see cref="VerdictStatus.HarnessError"/>
/// that says how to make verification possible; Crucible never runs <c>git init</c> for the user.</item>
/// </list>
/// </summary>
public sealed class SessionVerification
{
    /// <summary>The ref prefix of session starts.</summary>
    public const string RefPrefix = "refs/crucible/sessions/";

    private readonly string _workspace;
    private readonly RepositoryVerifier _verifier;
    private readonly string? _testCommand;
    private readonly string _verdictPath;
    private readonly string _cacheDirectory;
    private readonly string? _notARepository;

    private SessionVerification(string workspace, string? baseCommit, string? notARepository, RepositoryVerifier verifier, string? testCommand, bool strict, string verdictPath, string cacheDirectory)
    {
        _workspace = workspace;
        BaseCommit = baseCommit;
        _notARepository = notARepository;
        _verifier = verifier;
        _testCommand = testCommand;
        Strict = strict;
        _verdictPath = verdictPath;
        _cacheDirectory = cacheDirectory;
    }

    /// <summary>The commit holding the session's start, or null outside a git repository.</summary>
    public string? BaseCommit { get; }

    /// <summary>True when test edits fail the verdict (no <c>--allow-test-edits</c>).</summary>
    public bool Strict { get; }

    /// <summary>Where the full repository verdict of the last verification is written (indented camelCase JSON, next to the transcript).</summary>
    public string VerdictPath => _verdictPath;

    /// <summary>
    /// Captures (or, for a resumed session, finds) the start of session <paramref name="sessionId"/> in <paramref name="workspace"/>.
    /// </summary>
    /// <param name="workspace">The session's workspace.</param>
    /// <param name="sessionId">The session id (names the ref).</param>
    /// <param name="verifier">The repository verifier.</param>
    /// <param name="testCommand">The test command; null takes the base's <c>.crucible/settings.json</c> or detects one.</param>
    /// <param name="allowTestEdits">True with <c>--allow-test-edits</c>: not strict, nothing restored.</param>
    /// <param name="verdictPath">Where the full repository verdict goes.</param>
    /// <param name="cacheDirectory">Cache of base results (the base is the same for every request of the session).</param>
    public static SessionVerification Start(string workspace, string sessionId, RepositoryVerifier verifier, string? testCommand, bool allowTestEdits, string verdictPath, string cacheDirectory)
    {
        workspace = Path.GetFullPath(workspace);
        if (!WorkingTreeCommits.IsRepository(workspace))
        {
            var why = $"{workspace} is not a git repository: crucible run verifies the agent's work against the session's start, which it keeps as a git commit (the same requirement as crucible verify). "
                + "Fix: make it a repository before the session (git init && git add -A && git commit -m start); Crucible does not do it for you";
            return new SessionVerification(workspace, null, why, verifier, testCommand, !allowTestEdits, verdictPath, cacheDirectory);
        }
        var commit = WorkingTreeCommits.CaptureCommit(workspace, RefPrefix + sessionId, $"crucible session {sessionId}: the working tree at the start");
        return new SessionVerification(workspace, commit, null, verifier, testCommand, !allowTestEdits, verdictPath, cacheDirectory);
    }

    /// <summary>The id of the tree the working tree holds now (to tell whether a request changed files), or null outside a repository.</summary>
    public string? CurrentTree() => BaseCommit is null ? null : WorkingTreeCommits.CaptureTree(_workspace);

    /// <summary>
    /// Verifies the working tree against the session's start, writes the full verdict to <see cref="VerdictPath"/>, and in
    /// strict mode undoes the test changes not in <paramref name="approvedWrites"/> (paths written through allowed file-tool calls).
    /// </summary>
    public async Task<Verdict> VerifyAsync(IReadOnlySet<string> approvedWrites, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approvedWrites);
        var clock = Stopwatch.StartNew();
        var taskId = Path.GetFileName(_workspace);
        if (BaseCommit is null)
        {
            return HarnessError(taskId, _notARepository!, clock.Elapsed);
        }
        RepositoryVerdict full;
        try
        {
            full = await _verifier.VerifyAsync(new RepositoryVerifyRequest
            {
                RepositoryPath = _workspace,
                BaseRef = BaseCommit,
                TestCommand = _testCommand,
                Strict = Strict,
                CacheDirectory = _cacheDirectory,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            return HarnessError(taskId, $"{e.Message}. Fix: {e.Fix}", clock.Elapsed);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_verdictPath))!);
        await File.WriteAllTextAsync(_verdictPath, JsonSerializer.Serialize(full, RepositoryVerdictJson.Indented), cancellationToken).ConfigureAwait(false);

        var undone = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Strict)
        {
            var toRestore = full.TestChanges.Where(c => !approvedWrites.Contains(c.Path) && IsUndone(c)).ToList();
            WorkingTreeCommits.Restore(_workspace, BaseCommit, toRestore.Select(c => c.Path));
            foreach (var c in toRestore)
            {
                undone[c.Path] = c.Kind == FileChangeKind.Added ? "removed" : "restored from the session start";
            }
        }
        return ToVerdict(full, taskId, clock.Elapsed, undone);
    }

    /// <summary>Undone in strict mode when not approved: edits and deletions of existing tests and infrastructure, and added files that are infrastructure by name.</summary>
    private static bool IsUndone(ChangedFile c) => c.Kind != FileChangeKind.Added
        || (c.Role == TestFileRole.Infrastructure && TestConvention.Default.Classify(c.Path).Role == TestFileRole.Infrastructure);

    /// <summary>
    /// The session's verdict from a repository verdict. Counts are those of the tests the verdict requires: every test of
    /// the base (judged in the evidence run, and in the change run when the change touched tests) plus the change's new
    /// tests; a test counts as passed only when it passed in every run that judged it. Per-test outcomes stay in the
    /// repository verdict (<see cref="VerdictPath"/>); <see cref="Verdict.Tests"/> is left empty. Reasons are the verifier's;
    /// the change's edits to tests and test infrastructure are the tampering flags.
    /// </summary>
    /// <param name="full">The repository verdict.</param>
    /// <param name="taskId">The name the verdict records (the repository folder).</param>
    /// <param name="duration">Time the verification took.</param>
    /// <param name="undone">Paths undone after the verdict, with what was done.</param>
    public static Verdict ToVerdict(RepositoryVerdict full, string taskId, TimeSpan duration, IReadOnlyDictionary<string, string>? undone = null)
    {
        ArgumentNullException.ThrowIfNull(full);
        undone ??= new Dictionary<string, string>();
        var ran = full.Runs.Where(r => r.SameAs is null).ToList();
        var baseRun = full.Runs.FirstOrDefault(r => r.Name == RunNames.Base);
        var evidence = full.Runs.FirstOrDefault(r => r.Name == RunNames.Evidence);
        var change = full.Runs.FirstOrDefault(r => r.Name == RunNames.Change);

        // One outcome per required test that did not pass: the first list naming it wins (they are disjoint by construction but for known failures).
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in full.Broken.Concat(full.StillFailing).Concat(full.ChangeFailures))
        {
            problems.TryAdd(p.Id, p.Outcome);
        }
        foreach (var id in full.KnownFailures)
        {
            problems.TryAdd(id, "failed");
        }
        var failed = problems.Values.Count(o => o == "failed");
        var skippedProblems = problems.Values.Count(o => o == "skipped");
        var notRun = problems.Values.Count(o => o is "not run" or "missing");
        // Tests skipped at the base and still skipped are the repository's own choice: not problems, but not passes either.
        var skippedAlready = Math.Max(0, (evidence?.Skipped ?? 0) - full.Broken.Concat(full.StillFailing).Count(p => p.Outcome == "skipped"));
        var expected = (baseRun?.Tests ?? 0) + full.NewTests.Count;
        var skipped = skippedProblems + skippedAlready;
        var passed = Math.Max(0, expected - failed - skipped - notRun);

        var status = full.Verified ? VerdictStatus.Passed
            : ran.Any(r => r.ExitCode is null && r.ResultsError is null) ? VerdictStatus.LimitExceeded
            // Canaries that came back wrong in results that were read: forged. No results at all is a plain failure (no evidence).
            : ran.Any(r => r.CanariesOk == false && r.ResultsError is null) ? VerdictStatus.Forged
            : VerdictStatus.Failed;
        var canaries = ran.Select(r => r.CanariesOk).Where(c => c is not null).ToList();
        return new Verdict
        {
            TaskId = taskId,
            Status = status,
            Reasons = full.Reasons,
            Counts = new TestCounts(expected, passed + failed + skipped, passed, failed, skipped, notRun),
            TestExitCode = (change ?? evidence)?.ExitCode,
            Tampering = [.. full.TestChanges
                .Where(c => c.Role == TestFileRole.Infrastructure || c.Kind != FileChangeKind.Added)
                .Select(c => new TamperFlag(c.Path, Describe(c) + (undone.TryGetValue(c.Path, out var what) ? $"; {what}" : "")))],
            CanariesOk = canaries.Count == 0 ? null : canaries.All(c => c == true),
            Sandbox = ran.FirstOrDefault()?.Sandbox ?? "none",
            Duration = duration,
        };
    }

    private static string Describe(ChangedFile c) =>
        $"{c.Kind.ToString().ToLowerInvariant()}{(c.Role == TestFileRole.Infrastructure ? " (test infrastructure)" : "")}";

    private static Verdict HarnessError(string taskId, string reason, TimeSpan duration) => new()
    {
        TaskId = taskId,
        Status = VerdictStatus.HarnessError,
        Reasons = [reason],
        Sandbox = "none",
        Duration = duration,
    };
}

using System.Globalization;
using System.Text.Json;
using Crucible.Core;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Verification.Repository;

/// <summary>What to verify.</summary>
public sealed record RepositoryVerifyRequest
{
    /// <summary>A folder inside the git working tree to verify.</summary>
    public required string RepositoryPath { get; init; }

    /// <summary>The base revision; null: <c>HEAD</c> when the working tree is dirty, else <c>HEAD~1</c> (the change is then <c>HEAD</c>).</summary>
    public string? BaseRef { get; init; }

    /// <summary>The test command; null: the base revision's <c>.crucible/settings.json</c> <c>testCommand</c>, else detected from the base's build files.</summary>
    public string? TestCommand { get; init; }

    /// <summary>Ids of tests expected to fail: they fail the verdict neither at the base nor after the change.</summary>
    public IReadOnlyList<string> KnownFailures { get; init; } = [];

    /// <summary>When true, editing or deleting an existing test file, or any change to test infrastructure, fails the verdict.</summary>
    public bool Strict { get; init; }

    /// <summary>Folder for cached base results; null caches nothing.</summary>
    public string? CacheDirectory { get; init; }
}

/// <summary>Settings of <see cref="RepositoryVerifier"/>.</summary>
public sealed record RepositoryVerifierOptions
{
    /// <summary>The defaults.</summary>
    public static RepositoryVerifierOptions Default { get; } = new();

    /// <summary>Where the base revision's settings live, relative to the repository root. Default: <c>.crucible/settings.json</c>.</summary>
    public string SettingsPath { get; init; } = ".crucible/settings.json";

    /// <summary>How long one git query may take. Default: 2 minutes.</summary>
    public TimeSpan GitTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Folder under which the throwaway trees are made (never inside the repository). Null: the system temp folder.</summary>
    public string? TempRoot { get; init; }

    /// <summary>How many test ids a reason lists before it says "and N more". Default: 10.</summary>
    public int MaxIdsPerReason { get; init; } = 10;

    /// <summary>Limits for classifying files. Default: <see cref="TestConventionOptions.Default"/>.</summary>
    public TestConventionOptions Convention { get; init; } = TestConventionOptions.Default;
}

/// <summary>
/// Verifies a change of a git repository with SWE-bench semantics: the base's tests are the evidence. Trees are
/// made in throwaway folders from git's objects and the working tree's files; nothing is built or written inside
/// the user's working tree, and the folders are removed on every exit path.
/// </summary>
public sealed class RepositoryVerifier
{
    private readonly RepositoryVerifierOptions _options;
    private readonly Lazy<ITestCommandRunner> _runner;
    private readonly Lazy<string> _toolchain;

    /// <summary>Creates a verifier whose runner is made only once the input is known to be good (a repository, a base, a test command).</summary>
    /// <param name="runnerFactory">Makes the runner that runs the test command on one tree and reads the harness-requested results.</param>
    /// <param name="toolchainFactory">Fingerprint of the toolchains and sandbox the runner uses (<see cref="ToolchainFingerprint"/>): part of the base cache key.</param>
    /// <param name="options">Settings; default <see cref="RepositoryVerifierOptions.Default"/>.</param>
    public RepositoryVerifier(Func<ITestCommandRunner> runnerFactory, Func<string> toolchainFactory, RepositoryVerifierOptions? options = null)
    {
        _runner = new Lazy<ITestCommandRunner>(runnerFactory);
        _toolchain = new Lazy<string>(toolchainFactory);
        _options = options ?? RepositoryVerifierOptions.Default;
    }

    /// <summary>Creates a verifier with a ready runner.</summary>
    /// <param name="runner">Runs the test command on one tree and reads the harness-requested results.</param>
    /// <param name="toolchain">Fingerprint of the toolchains and sandbox the runner uses: part of the base cache key.</param>
    /// <param name="options">Settings; default <see cref="RepositoryVerifierOptions.Default"/>.</param>
    public RepositoryVerifier(ITestCommandRunner runner, string toolchain, RepositoryVerifierOptions? options = null)
        : this(() => runner, () => toolchain, options)
    {
    }

    /// <summary>Verifies the change described by <paramref name="request"/>.</summary>
    /// <exception cref="BadInputException">Not a git repository, an unknown revision, no commit to compare with, or no test command.</exception>
    public async Task<RepositoryVerdict> VerifyAsync(RepositoryVerifyRequest request, CancellationToken cancellationToken)
    {
        var git = GitRepository.Open(request.RepositoryPath, _options.GitTimeout);
        // A given base may be a capture commit (crucible run's session start) in a repository without a first commit yet.
        var head = git.ResolveCommit("HEAD");
        if (head is null && request.BaseRef is null)
        {
            throw new BadInputException($"{git.Root} has no commit yet", "commit at least once: verify compares a change with a committed base");
        }
        var dirty = git.IsDirty();
        var baseRef = request.BaseRef ?? (dirty ? "HEAD" : "HEAD~1");
        var baseCommit = git.ResolveCommit(baseRef) ?? throw new BadInputException(
            $"git revision '{baseRef}' does not exist in {git.Root}",
            request.BaseRef is null ? "HEAD has no parent: make a change in the working tree, or pass --base REF" : "pass --base with an existing branch, tag or commit (see 'git log')");

        var work = Path.Combine(_options.TempRoot ?? Path.GetTempPath(), "crucible-verify-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(work);
            var pristine = Path.Combine(work, "pristine");
            await git.ExtractAsync(baseCommit, pristine, cancellationToken).ConfigureAwait(false);
            var (testCommand, origin) = ResolveTestCommand(request, pristine, baseRef);
            var changes = ChangeSet(git, baseCommit, pristine, testCommand);
            var sources = changes.Where(c => c.Role == TestFileRole.Source).ToList();
            var testSide = changes.Where(c => c.Role != TestFileRole.Source).ToList();

            var runs = new List<(RunSummary Summary, TestCommandRun Run)>();
            async Task<TestCommandRun> RunTree(string name, IReadOnlyList<ChangedFile> overlay)
            {
                var tree = Path.Combine(work, name);
                try
                {
                    TreeFiles.Copy(pristine, tree);
                    TreeFiles.Overlay(tree, git.Root, overlay);
                    var run = await _runner.Value.RunAsync(tree, testCommand, cancellationToken).ConfigureAwait(false);
                    runs.Add((Summarise(name, null, run, cached: false), run));
                    return run;
                }
                finally
                {
                    TreeFiles.Delete(tree);
                }
            }
            TestCommandRun Reuse(string name, string sameAs, TestCommandRun run)
            {
                runs.Add((Summarise(name, sameAs, run, cached: false), run));
                return run;
            }

            // The runner first: the toolchain fingerprint may name the sandbox the runner chose.
            _ = _runner.Value;
            var toolchain = _toolchain.Value;
            var cache = request.CacheDirectory is null ? null : new BaseResultCache(request.CacheDirectory);
            TestCommandRun baseRun;
            if (cache?.TryGet(baseCommit, testCommand, toolchain) is { } hit)
            {
                baseRun = hit;
                runs.Add((Summarise(RunNames.Base, null, hit, cached: true), hit));
            }
            else
            {
                baseRun = await RunTree(RunNames.Base, []).ConfigureAwait(false);
                if (cache is not null && BaseResultCache.IsCacheable(baseRun))
                {
                    cache.Put(baseCommit, testCommand, toolchain, baseRun);
                }
            }
            var evidence = sources.Count == 0 ? Reuse(RunNames.Evidence, RunNames.Base, baseRun) : await RunTree(RunNames.Evidence, sources).ConfigureAwait(false);
            TestCommandRun? testsOnBase = null, change = null;
            if (testSide.Count > 0)
            {
                testsOnBase = await RunTree(RunNames.TestsOnBase, testSide).ConfigureAwait(false);
                change = sources.Count == 0 ? Reuse(RunNames.Change, RunNames.TestsOnBase, testsOnBase) : await RunTree(RunNames.Change, changes).ConfigureAwait(false);
            }
            return Grade(request, git.Root, baseRef, baseCommit, dirty ? null : head, testCommand, origin, changes, runs, baseRun, evidence, testsOnBase, change);
        }
        finally
        {
            TreeFiles.Delete(work);
        }
    }

    private (string Command, TestCommandOrigin Origin) ResolveTestCommand(RepositoryVerifyRequest request, string pristine, string baseRef)
    {
        if (!string.IsNullOrWhiteSpace(request.TestCommand))
        {
            return (request.TestCommand, TestCommandOrigin.Option);
        }
        // The base's copy, never the working tree's: a change must not choose the command that judges it.
        var settings = Path.Combine(pristine, _options.SettingsPath);
        if (File.Exists(settings) && new FileInfo(settings).LinkTarget is null)
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(settings), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("testCommand", out var value))
                {
                    return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } cmd
                        ? (cmd, TestCommandOrigin.BaseSettings)
                        : throw new BadInputException($"{_options.SettingsPath} at {baseRef} has testCommand {value.GetRawText()}, not a command", "pass --test-command CMD, or fix testCommand in the base revision");
                }
            }
            catch (JsonException e)
            {
                throw new BadInputException($"{_options.SettingsPath} at {baseRef} is not valid JSON: {e.Message}", "pass --test-command CMD, or fix the settings file in the base revision");
            }
        }
        return TestCommands.Detect(pristine) is { } detected
            ? (detected, TestCommandOrigin.Detected)
            : throw new BadInputException($"no test command found for the base revision {baseRef}: no testCommand in its {_options.SettingsPath} and no build file Crucible recognises",
                "pass --test-command CMD (for example --test-command \"python3 -m pytest -q\")");
    }

    private List<ChangedFile> ChangeSet(GitRepository git, string baseCommit, string pristine, string testCommand)
    {
        var entries = new SortedDictionary<string, FileChangeKind>(StringComparer.Ordinal);
        foreach (var (status, path) in git.DiffAgainstWorkingTree(baseCommit))
        {
            var kind = status switch { 'A' => FileChangeKind.Added, 'D' => FileChangeKind.Deleted, _ => FileChangeKind.Modified };
            if (kind != FileChangeKind.Deleted && Directory.Exists(Path.Combine(git.Root, path)))
            {
                continue; // a submodule: not part of the tree the tests run in
            }
            entries[path] = kind;
        }
        foreach (var path in git.UntrackedFiles())
        {
            entries[path] = FileChangeKind.Added;
        }
        foreach (var path in entries.Keys.ToList())
        {
            // Crucible's own state (sessions, transcripts) is no one's change; an untracked file the base already has
            // byte for byte (a base captured from a dirty working tree, see WorkingTreeCommits) is unchanged.
            if (CrucibleStateFolder.IsState(path)
                || (entries[path] == FileChangeKind.Added && TreeFiles.SameFile(Path.Combine(pristine, path), Path.Combine(git.Root, path))))
            {
                entries.Remove(path);
            }
            else if (entries[path] == FileChangeKind.Added && (File.Exists(Path.Combine(pristine, path)) || new FileInfo(Path.Combine(pristine, path)).LinkTarget is not null))
            {
                entries[path] = FileChangeKind.Modified; // untracked now, but present in the base
            }
        }
        var baseFiles = TestConvention.ListFiles(pristine, _options.Convention with { SkippedFolders = [] });
        var changeFiles = baseFiles.Where(f => !entries.TryGetValue(f, out var k) || k != FileChangeKind.Deleted)
            .Concat(entries.Where(e => e.Value == FileChangeKind.Added).Select(e => e.Key)).Distinct(StringComparer.Ordinal).ToList();
        var before = TestConvention.ForTree(pristine, testCommand, baseFiles, _options.Convention);
        // Unchanged files are equal on both sides, so the working tree serves as the change tree for reading.
        var after = TestConvention.ForTree(git.Root, testCommand, changeFiles, _options.Convention);
        var result = new List<ChangedFile>();
        foreach (var (path, kind) in entries)
        {
            var needsText = TestConvention.ReadsContent(path);
            var b = kind == FileChangeKind.Added || !needsText ? null : TreeFiles.ReadText(Path.Combine(pristine, path));
            var a = kind == FileChangeKind.Deleted || !needsText ? null : TreeFiles.ReadText(Path.Combine(git.Root, path));
            if (!needsText)
            {
                // Name rules only; mark the missing side so added/deleted still read as such.
                b = kind == FileChangeKind.Added ? null : "";
                a = kind == FileChangeKind.Deleted ? null : "";
            }
            var c = new[] { before.ClassifyChange(path, b, a), after.ClassifyChange(path, b, a) }.MaxBy(x => Severity(x.Role))!;
            result.Add(new ChangedFile(path, kind, c.Role, c.Reason));
        }
        return result;
    }

    private static int Severity(TestFileRole role) => role switch { TestFileRole.Infrastructure => 2, TestFileRole.Test => 1, _ => 0 };

    private static RunSummary Summarise(string name, string? sameAs, TestCommandRun run, bool cached) => new(
        name, sameAs, run.Tests.Count,
        run.Tests.Count(t => t.Outcome == TestOutcomeKind.Passed), run.Tests.Count(t => t.Outcome == TestOutcomeKind.Failed),
        run.Tests.Count(t => t.Outcome == TestOutcomeKind.Skipped), run.Tests.Count(t => t.Outcome == TestOutcomeKind.NotRun),
        run.CanariesOk, run.EvidenceKind, run.ResultsError, run.ExitCode, run.Duration, cached, run.Sandbox);

    private RepositoryVerdict Grade(
        RepositoryVerifyRequest request, string root, string baseRef, string baseCommit, string? changeCommit, string testCommand, TestCommandOrigin origin,
        IReadOnlyList<ChangedFile> changes, List<(RunSummary Summary, TestCommandRun Run)> runs,
        TestCommandRun baseRun, TestCommandRun evidenceRun, TestCommandRun? testsOnBaseRun, TestCommandRun? changeRun)
    {
        var known = request.KnownFailures.ToHashSet(StringComparer.Ordinal);
        var reasons = new List<string>();
        foreach (var (summary, run) in runs.Where(r => r.Summary.SameAs is null))
        {
            var name = summary.Name;
            if (run.ResultsError is not null)
            {
                reasons.Add($"{name} run: no test results ({run.ResultsError}); an exit code alone is never a pass");
            }
            else if (summary.Passed + summary.Failed == 0)
            {
                reasons.Add($"{name} run: zero tests executed");
            }
            if (run.CanariesOk == false)
            {
                reasons.Add($"{name} run: results were tampered with (the harness canaries did not come back as planted)");
            }
            if (run.LimitHits.FirstOrDefault(l => l != LimitKind.Output) is var limit && run.LimitHits.Any(l => l != LimitKind.Output))
            {
                reasons.Add($"{name} run: stopped by a limit ({limit})");
            }
            else if (run.ExitCode is null)
            {
                reasons.Add($"{name} run: the test command did not finish");
            }
            else if (run.ExitCode != 0 && run.ResultsError is null && summary.Failed == 0 && summary.NotRun == 0)
            {
                reasons.Add($"{name} run: the test command exited with {run.ExitCode} although no test failed");
            }
        }

        var b = ById(baseRun);
        var e = ById(evidenceRun);
        var c = changeRun is null ? e : ById(changeRun);
        // Without --strict, editing existing tests is allowed (and reported): a base test that the change's sources
        // break but the change's own, edited test files pass is judged by the change's version (a bug fix that
        // changes behaviour its old test pinned). With --strict the edit itself fails the verdict, and the test stays broken.
        var editsTests = !request.Strict && changes.Any(x => x.Role != TestFileRole.Source && x.Kind != FileChangeKind.Added);
        var superseded = new List<string>();
        var broken = new List<TestProblem>();
        var fixedTests = new List<string>();
        var stillFailing = new List<TestProblem>();
        var knownSeen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (id, atBase) in b)
        {
            e.TryGetValue(id, out var now);
            var passesNow = now?.Outcome == TestOutcomeKind.Passed;
            if (atBase.Outcome == TestOutcomeKind.Passed)
            {
                if (!passesNow)
                {
                    if (known.Contains(id))
                    {
                        knownSeen.Add(id);
                    }
                    else if (editsTests && c.TryGetValue(id, out var edited) && edited.Outcome == TestOutcomeKind.Passed)
                    {
                        superseded.Add(id);
                    }
                    else
                    {
                        broken.Add(Problem(id, now));
                    }
                }
            }
            else if (passesNow)
            {
                fixedTests.Add(id);
            }
            else if (!(atBase.Outcome == TestOutcomeKind.Skipped && now?.Outcome == TestOutcomeKind.Skipped))
            {
                // Skipped at the base and still skipped is the repository's own choice; anything else not passing fails.
                if (known.Contains(id))
                {
                    knownSeen.Add(id);
                }
                else
                {
                    stillFailing.Add(Problem(id, now));
                }
            }
        }

        var t = testsOnBaseRun is null ? b : ById(testsOnBaseRun);
        var changeFailures = new List<TestProblem>();
        // Also without a change run: a file the convention reads as a source can still add tests (they then run only in
        // the evidence run), and a new test that does not pass must fail the verdict there too.
        {
            var reported = stillFailing.Select(p => p.Id).Concat(broken.Select(p => p.Id)).ToHashSet(StringComparer.Ordinal);
            foreach (var (id, outcome) in c)
            {
                if (outcome.Outcome == TestOutcomeKind.Passed || reported.Contains(id)
                    || (outcome.Outcome == TestOutcomeKind.Skipped && b.TryGetValue(id, out var was) && was.Outcome == TestOutcomeKind.Skipped))
                {
                    continue;
                }
                if (known.Contains(id))
                {
                    knownSeen.Add(id);
                }
                else
                {
                    changeFailures.Add(Problem(id, outcome));
                }
            }
        }
        var failToPass = c.Where(kv => kv.Value.Outcome == TestOutcomeKind.Passed && !(t.TryGetValue(kv.Key, out var o) && o.Outcome == TestOutcomeKind.Passed)).Select(kv => kv.Key).ToList();
        var passToPass = c.Count(kv => kv.Value.Outcome == TestOutcomeKind.Passed && t.TryGetValue(kv.Key, out var o) && o.Outcome == TestOutcomeKind.Passed);
        var newTests = c.Keys.Where(id => !b.ContainsKey(id)).ToList();

        if (broken.Count > 0)
        {
            reasons.Add($"{broken.Count} test(s) that passed at the base do not pass with the change: {Ids(broken.Select(p => $"{p.Id} ({p.Outcome})"))}");
        }
        if (stillFailing.Count > 0)
        {
            reasons.Add($"{stillFailing.Count} test(s) failing at the base still fail: {Ids(stillFailing.Select(p => p.Id))} (name expected failures with --known-failure ID)");
        }
        if (changeFailures.Count > 0)
        {
            reasons.Add($"{changeFailures.Count} test(s) of the change do not pass: {Ids(changeFailures.Select(p => $"{p.Id} ({p.Outcome})"))}");
        }
        var testChanges = changes.Where(x => x.Role != TestFileRole.Source).ToList();
        if (request.Strict)
        {
            foreach (var x in testChanges)
            {
                if (x.Role == TestFileRole.Infrastructure)
                {
                    reasons.Add($"--strict: test infrastructure {x.Kind.ToString().ToLowerInvariant()}: {x.Path} ({x.Reason})");
                }
                else if (x.Kind != FileChangeKind.Added)
                {
                    reasons.Add($"--strict: existing test file {x.Kind.ToString().ToLowerInvariant()}: {x.Path}");
                }
            }
        }

        var basePassing = b.Values.Count(o => o.Outcome == TestOutcomeKind.Passed);
        var stillPassing = b.Count(kv => kv.Value.Outcome == TestOutcomeKind.Passed && e.TryGetValue(kv.Key, out var o) && o.Outcome == TestOutcomeKind.Passed);
        var parts = new List<string> { $"{stillPassing} of {basePassing} base tests pass" };
        if (superseded.Count > 0)
        {
            parts.Add($"{superseded.Count} more pass as edited by the change");
        }
        if (fixedTests.Count > 0 || stillFailing.Count > 0)
        {
            parts.Add($"{fixedTests.Count} previously failing now pass");
        }
        if (stillFailing.Count > 0)
        {
            parts.Add($"{stillFailing.Count} still failing");
        }
        if (knownSeen.Count > 0)
        {
            parts.Add($"{knownSeen.Count} known failure(s)");
        }
        if (newTests.Count > 0)
        {
            var newPassing = newTests.Count(id => c[id].Outcome == TestOutcomeKind.Passed);
            parts.Add(newPassing == newTests.Count ? $"{newTests.Count} new tests pass" : $"{newPassing} of {newTests.Count} new tests pass");
        }
        var infra = testChanges.Count(x => x.Role == TestFileRole.Infrastructure);
        var testFiles = testChanges.Count - infra;
        if (testFiles > 0)
        {
            parts.Add($"{testFiles} test file(s) changed");
        }
        parts.Add(infra == 0 ? "test infrastructure unchanged" : $"test infrastructure changed ({infra} file(s))");

        return new RepositoryVerdict
        {
            Repository = root,
            BaseRef = baseRef,
            BaseCommit = baseCommit,
            ChangeCommit = changeCommit,
            TestCommand = testCommand,
            TestCommandOrigin = origin,
            Strict = request.Strict,
            Runs = runs.Select(r => r.Summary).ToList(),
            Broken = broken,
            SupersededByEdits = superseded,
            Fixed = fixedTests,
            StillFailing = stillFailing,
            KnownFailures = knownSeen.ToList(),
            ChangeFailures = changeFailures,
            FailToPass = failToPass,
            PassToPassCount = passToPass,
            NewTests = newTests,
            TestChanges = testChanges,
            Verified = reasons.Count == 0,
            Reasons = reasons,
            Summary = string.Join(", ", parts),
        };
    }

    private string Ids(IEnumerable<string> ids)
    {
        var list = ids.ToList();
        var shown = string.Join(", ", list.Take(_options.MaxIdsPerReason));
        return list.Count > _options.MaxIdsPerReason ? $"{shown} and {list.Count - _options.MaxIdsPerReason} more" : shown;
    }

    private static SortedDictionary<string, TestOutcome> ById(TestCommandRun run)
    {
        var map = new SortedDictionary<string, TestOutcome>(StringComparer.Ordinal);
        foreach (var o in run.Tests)
        {
            map[o.Name] = o;
        }
        return map;
    }

    private static TestProblem Problem(string id, TestOutcome? outcome) => outcome is null
        ? new TestProblem(id, "missing")
        : new TestProblem(id, outcome.Outcome switch
        {
            TestOutcomeKind.Failed => "failed",
            TestOutcomeKind.Skipped => "skipped",
            TestOutcomeKind.NotRun => "not run",
            _ => outcome.Outcome.ToString().ToLower(CultureInfo.InvariantCulture),
        }, outcome.Message);
}

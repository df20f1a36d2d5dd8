using System.Text.Json;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Repository;

namespace Crucible.Verification.Tests.Repository;

public sealed class RepositoryVerifierTests : IDisposable
{
    private const string Command = "run-checks";
    private static readonly TimeSpan OneSecond = ScriptedTestCommandRunner.Duration;

    private readonly TempDirectory _repo = new("verify-repo");
    private readonly TempDirectory _temp = new("verify-temp");
    private readonly TempDirectory _cache = new("verify-cache");
    private readonly ScriptedTestCommandRunner _runner = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _repo.Dispose();
        _temp.Dispose();
        _cache.Dispose();
    }

    /// <summary>A repository whose first commit holds calc.txt = 4, double.txt = 7 and two checks: calc::adds passes, calc::doubles fails.</summary>
    private string CommitBase(params (string Path, string Content)[] extra)
    {
        TestGit.Run(_repo.Path, "init", "-q");
        _repo.Write("calc.txt", "4");
        _repo.Write("double.txt", "7");
        _repo.Write("tests/calc.check", "calc::adds calc.txt 4\ncalc::doubles double.txt 8\n");
        _repo.Write(".gitignore", "build/\n");
        foreach (var (path, content) in extra)
        {
            _repo.Write(path, content);
        }
        return Commit("base");
    }

    private string Commit(string message)
    {
        TestGit.Run(_repo.Path, "add", "-A");
        TestGit.Run(_repo.Path, "commit", "-q", "-m", message);
        return File.ReadAllText(Path.Combine(_repo.Path, ".git", "refs", "heads", "main")).Trim();
    }

    private RepositoryVerifier Verifier() => new(_runner, "test-toolchain", new RepositoryVerifierOptions { TempRoot = _temp.Path });

    private Task<RepositoryVerdict> Verify(bool strict = false, string? command = Command, string[]? known = null, string? baseRef = null, bool cache = false) =>
        Verifier().VerifyAsync(new RepositoryVerifyRequest
        {
            RepositoryPath = _repo.Path,
            TestCommand = command,
            Strict = strict,
            KnownFailures = known ?? [],
            BaseRef = baseRef,
            CacheDirectory = cache ? _cache.Path : null,
        }, Ct);

    private static void AssertJsonEqual<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, RepositoryVerdictJson.Indented), JsonSerializer.Serialize(actual, RepositoryVerdictJson.Indented));

    private static RunSummary Run(string name, int tests, int passed, int failed, int exit, string? sameAs = null, int skipped = 0, bool cached = false) =>
        new(name, sameAs, tests, passed, failed, skipped, 0, true, "scripted", null, exit, OneSecond, cached, "scripted");

    [Fact]
    public async Task A_dirty_tree_is_verified_against_HEAD_with_base_tests_as_evidence_and_new_tests_reported()
    {
        var head = CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("triple.txt", "12");
        _repo.Write("tests/more.check", "more::triples triple.txt 12\n");

        var verdict = await Verify();

        AssertJsonEqual(new RepositoryVerdict
        {
            Repository = _repo.Path,
            BaseRef = "HEAD",
            BaseCommit = head,
            ChangeCommit = null,
            TestCommand = Command,
            TestCommandOrigin = TestCommandOrigin.Option,
            Runs =
            [
                Run(RunNames.Base, 2, 1, 1, 1),
                Run(RunNames.Evidence, 2, 2, 0, 0),
                Run(RunNames.TestsOnBase, 3, 1, 2, 1),
                Run(RunNames.Change, 3, 3, 0, 0),
            ],
            Fixed = ["calc::doubles"],
            FailToPass = ["calc::doubles", "more::triples"],
            PassToPassCount = 1,
            NewTests = ["more::triples"],
            TestChanges = [new ChangedFile("tests/more.check", FileChangeKind.Added, TestFileRole.Test, "test by name (**/tests/**)")],
            Verified = true,
            Summary = "1 of 1 base tests pass, 1 previously failing now pass, 1 new tests pass, 1 test file(s) changed, test infrastructure unchanged",
        }, verdict);
        // The evidence tree had the base's tests and the change's sources; the new test file ran only in the last two runs.
        var evidence = _runner.Calls.Single(c => c.RunName == RunNames.Evidence);
        Assert.Equal([".gitignore", "calc.txt", "double.txt", "tests/calc.check", "triple.txt"], evidence.Files);
        Assert.Equal(8, int.Parse(File.ReadAllText(_repo["double.txt"]), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_clean_tree_verifies_HEAD_against_its_parent()
    {
        var parent = CommitBase();
        _repo.Write("double.txt", "8");
        var head = Commit("fix doubling");

        var verdict = await Verify();

        Assert.Equal(("HEAD~1", parent, head), (verdict.BaseRef, verdict.BaseCommit, verdict.ChangeCommit));
        Assert.Equal(["calc::doubles"], verdict.Fixed);
        Assert.Equal([RunNames.Base, RunNames.Evidence], _runner.Calls.Select(c => c.RunName));
        Assert.True(verdict.Verified);
    }

    [Fact]
    public async Task An_explicit_base_compares_the_working_tree_with_that_revision()
    {
        var first = CommitBase();
        _repo.Write("double.txt", "8");
        Commit("fix");
        _repo.Write("calc.txt", "5");

        var verdict = await Verify(baseRef: first);

        Assert.Equal((first, (string?)null), (verdict.BaseCommit, verdict.ChangeCommit));
        Assert.Equal([new TestProblem("calc::adds", "failed", "expected 4, got 5")], verdict.Broken);
        Assert.Equal(["calc::doubles"], verdict.Fixed);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task The_test_command_comes_from_the_base_settings_and_the_changes_edit_of_it_is_ignored_and_flagged()
    {
        CommitBase((".crucible/settings.json", "{ \"testCommand\": \"run-checks --base\" }"));
        _repo.Write(".crucible/settings.json", "{ \"testCommand\": \"true\" }");

        var verdict = await Verify(command: null);

        Assert.Equal(("run-checks --base", TestCommandOrigin.BaseSettings), (verdict.TestCommand, verdict.TestCommandOrigin));
        Assert.All(_runner.Calls, c => Assert.Equal("run-checks --base", c.Command));
        Assert.Equal([new ChangedFile(".crucible/settings.json", FileChangeKind.Modified, TestFileRole.Infrastructure, "Crucible settings: names the test command")], verdict.TestChanges);
    }

    [Fact]
    public async Task Without_settings_the_test_command_is_detected_from_the_base_build_files_not_the_changes()
    {
        CommitBase(("pyproject.toml", "[project]\nname = \"calc\"\n"));
        _repo.Write("go.mod", "module example.com/calc\n");

        var verdict = await Verify(command: null);

        Assert.Equal(("python3 -m pytest -q", TestCommandOrigin.Detected), (verdict.TestCommand, verdict.TestCommandOrigin));
        Assert.Equal([new ChangedFile("go.mod", FileChangeKind.Added, TestFileRole.Infrastructure, "go.mod added: changes which packages are tested")], verdict.TestChanges);
    }

    [Fact]
    public async Task Bad_input_names_the_problem_and_the_fix()
    {
        var notRepo = await Assert.ThrowsAsync<BadInputException>(() => Verify());
        Assert.Contains("is not inside a git working tree", notRepo.Message, StringComparison.Ordinal);

        CommitBase();
        var noParent = await Assert.ThrowsAsync<BadInputException>(() => Verify());
        Assert.Equal(("git revision 'HEAD~1' does not exist in " + _repo.Path, "HEAD has no parent: make a change in the working tree, or pass --base REF"), (noParent.Message, noParent.Fix));

        var unknown = await Assert.ThrowsAsync<BadInputException>(() => Verify(baseRef: "no-such-branch"));
        Assert.Equal("pass --base with an existing branch, tag or commit (see 'git log')", unknown.Fix);

        _repo.Write("calc.txt", "5");
        var noCommand = await Assert.ThrowsAsync<BadInputException>(() => Verify(command: null));
        Assert.StartsWith("pass --test-command CMD", noCommand.Fix, StringComparison.Ordinal);
        Assert.Empty(_runner.Calls);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task A_base_test_that_fails_with_the_change_is_broken()
    {
        CommitBase();
        _repo.Write("calc.txt", "5");

        var verdict = await Verify();

        Assert.Equal([new TestProblem("calc::adds", "failed", "expected 4, got 5")], verdict.Broken);
        Assert.False(verdict.Verified);
        Assert.Equal(
            ["1 test(s) that passed at the base do not pass with the change: calc::adds (failed)",
             "1 test(s) failing at the base still fail: calc::doubles (name expected failures with --known-failure ID)"],
            verdict.Reasons);
    }

    [Fact]
    public async Task A_base_failure_that_still_fails_fails_the_verdict_unless_named_as_known()
    {
        CommitBase();
        _repo.Write("notes.md", "unrelated");

        var unnamed = await Verify();
        var named = await Verify(known: ["calc::doubles"]);

        Assert.Equal([new TestProblem("calc::doubles", "failed", "expected 8, got 7")], unnamed.StillFailing);
        Assert.False(unnamed.Verified);
        Assert.Empty(named.StillFailing);
        Assert.Equal(["calc::doubles"], named.KnownFailures);
        Assert.True(named.Verified);
        Assert.Equal("1 of 1 base tests pass, 1 known failure(s), test infrastructure unchanged", named.Summary);
    }

    [Theory]
    [InlineData("skip calc::adds", "skipped")]
    [InlineData("drop calc::adds", "missing")]
    [InlineData("not-run calc::adds", "not run")]
    public async Task A_base_test_skipped_missing_or_not_run_after_the_change_is_broken(string directive, string outcome)
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("runner.directives", directive);

        var verdict = await Verify();

        Assert.Equal(["calc::adds"], verdict.Broken.Select(p => p.Id));
        Assert.Equal(outcome, verdict.Broken[0].Outcome);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task Zero_executed_tests_is_never_a_pass()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("runner.directives", "drop-all\nexit 0");

        var verdict = await Verify();

        Assert.Contains("evidence run: zero tests executed", verdict.Reasons);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task Canaries_that_come_back_wrong_mean_the_results_were_tampered_with()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("runner.directives", "canaries-false");

        var verdict = await Verify();

        Assert.Equal(["evidence run: results were tampered with (the harness canaries did not come back as planted)"], verdict.Reasons);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task A_run_without_results_fails_whatever_its_exit_code()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("runner.directives", "no-results\nexit 0");

        var verdict = await Verify();

        Assert.Equal("evidence run: no test results (result file missing); an exit code alone is never a pass", verdict.Reasons[0]);
        Assert.Contains("1 test(s) that passed at the base do not pass with the change: calc::adds (missing)", verdict.Reasons);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task A_nonzero_exit_with_every_test_passing_fails()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("runner.directives", "exit 3");

        var verdict = await Verify();

        Assert.Equal(["evidence run: the test command exited with 3 although no test failed"], verdict.Reasons);
    }

    [Fact]
    public async Task A_new_conftest_that_skips_everything_fails_in_the_change_run_while_the_evidence_uses_the_base_infrastructure()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("conftest.py", "skip-all");

        var verdict = await Verify();

        Assert.Empty(verdict.Broken);
        Assert.Equal(
            [new TestProblem("calc::adds", "skipped", "skipped by directive"), new TestProblem("calc::doubles", "skipped", "skipped by directive")],
            verdict.ChangeFailures);
        Assert.Equal([new ChangedFile("conftest.py", FileChangeKind.Added, TestFileRole.Infrastructure, "pytest conftest: fixtures, hooks and plugins for the tests below it")], verdict.TestChanges);
        Assert.DoesNotContain("conftest.py", _runner.Calls.Single(c => c.RunName == RunNames.Evidence).Files);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task Strict_fails_an_edit_to_an_existing_test_that_plain_verify_only_reports()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("tests/calc.check", "calc::adds calc.txt 4\ncalc::doubles double.txt 8\ncalc::more calc.txt 4\n");

        var plain = await Verify();
        var strict = await Verify(strict: true);

        Assert.Equal([new ChangedFile("tests/calc.check", FileChangeKind.Modified, TestFileRole.Test, "test by name (**/tests/**)")], plain.TestChanges);
        Assert.True(plain.Verified);
        Assert.Equal(["--strict: existing test file modified: tests/calc.check"], strict.Reasons);
        Assert.False(strict.Verified);
    }

    [Fact]
    public async Task A_behaviour_change_whose_edited_test_passes_is_judged_by_the_edit_and_only_strict_fails_it()
    {
        CommitBase();
        _repo.Write("calc.txt", "5");
        _repo.Write("double.txt", "8");
        _repo.Write("tests/calc.check", "calc::adds calc.txt 5\ncalc::doubles double.txt 8\n");

        var plain = await Verify();
        var strict = await Verify(strict: true);

        // The base's calc::adds (expects 4) fails on the change's sources; the change's edited calc::adds (expects 5) passes.
        Assert.Equal(["calc::adds"], plain.SupersededByEdits);
        Assert.Empty(plain.Broken);
        Assert.True(plain.Verified, string.Join("; ", plain.Reasons));
        Assert.Equal("0 of 1 base tests pass, 1 more pass as edited by the change, 1 previously failing now pass, 1 test file(s) changed, test infrastructure unchanged", plain.Summary);
        Assert.Equal([new TestProblem("calc::adds", "failed", "expected 4, got 5")], strict.Broken);
        Assert.Empty(strict.SupersededByEdits);
        Assert.Equal(
            ["1 test(s) that passed at the base do not pass with the change: calc::adds (failed)", "--strict: existing test file modified: tests/calc.check"],
            strict.Reasons);
    }

    [Fact]
    public async Task A_base_test_broken_by_the_change_stays_broken_when_the_edited_tests_do_not_pass_it_either()
    {
        CommitBase();
        _repo.Write("calc.txt", "5");
        _repo.Write("double.txt", "8");
        _repo.Write("tests/calc.check", "calc::adds calc.txt 6\ncalc::doubles double.txt 8\n");

        var verdict = await Verify();

        Assert.Equal([new TestProblem("calc::adds", "failed", "expected 4, got 5")], verdict.Broken);
        Assert.Empty(verdict.SupersededByEdits);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task A_failing_new_test_in_a_file_read_as_a_source_fails_the_verdict()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        // Not under tests/: the convention reads it as a source, so it runs only in the evidence run.
        _repo.Write("extra.check", "extra::triples triple.txt 12\n");

        var verdict = await Verify();

        Assert.Empty(verdict.TestChanges);
        Assert.Equal([new TestProblem("extra::triples", "failed", "expected 12, got no file")], verdict.ChangeFailures);
        Assert.False(verdict.Verified);
    }

    [Fact]
    public async Task Strict_fails_new_test_infrastructure_even_when_every_test_passes()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("tests/conftest.py", "# a fixture");

        var plain = await Verify();
        var strict = await Verify(strict: true);

        Assert.True(plain.Verified);
        Assert.Equal(["--strict: test infrastructure added: tests/conftest.py (pytest conftest: fixtures, hooks and plugins for the tests below it)"], strict.Reasons);
    }

    [Fact]
    public async Task Strict_allows_a_new_plain_test_file()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        _repo.Write("tests/extra.check", "extra::adds calc.txt 4\n");

        var verdict = await Verify(strict: true);

        Assert.True(verdict.Verified, string.Join("; ", verdict.Reasons));
        Assert.Equal(["extra::adds"], verdict.NewTests);
        Assert.Equal(2, verdict.PassToPassCount);
    }

    [Fact]
    public async Task Tests_alone_fail_and_name_the_fail_to_pass_tests_then_tests_with_the_fix_pass()
    {
        CommitBase();
        _repo.Write("tests/calc.check", "calc::adds calc.txt 4\n");
        _repo.Write("tests/triple.check", "calc::triples triple.txt 12\n");
        var testsOnly = await Verify(known: ["calc::doubles"]);
        _repo.Write("triple.txt", "12");

        var withFix = await Verify(known: ["calc::doubles"]);

        Assert.Equal([new TestProblem("calc::triples", "failed", "expected 12, got no file")], testsOnly.ChangeFailures);
        Assert.Equal(RunNames.TestsOnBase, testsOnly.Runs.Single(r => r.Name == RunNames.Change).SameAs);
        Assert.False(testsOnly.Verified);
        Assert.Equal(["calc::triples"], withFix.FailToPass);
        Assert.Equal((1, true), (withFix.PassToPassCount, withFix.Verified));
    }

    [Fact]
    public async Task A_second_verify_on_the_same_base_reads_the_base_results_from_the_cache()
    {
        CommitBase();
        _repo.Write("double.txt", "8");

        var first = await Verify(cache: true);
        var second = await Verify(cache: true);

        Assert.Equal([RunNames.Base, RunNames.Evidence, RunNames.Evidence], _runner.Calls.Select(c => c.RunName));
        Assert.Equal((false, true), (first.Runs[0].Cached, second.Runs[0].Cached));
        AssertJsonEqual(first with { Runs = [first.Runs[0] with { Cached = true }, .. first.Runs.Skip(1)] }, second);
    }

    [Fact]
    public async Task A_corrupt_cache_entry_is_ignored_and_rewritten()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        await Verify(cache: true);
        var entry = Assert.Single(Directory.GetFiles(_cache.Path));
        File.WriteAllText(entry, "{ not json");

        var verdict = await Verify(cache: true);

        Assert.True(verdict.Verified);
        Assert.Equal(2, _runner.Calls.Count(c => c.RunName == RunNames.Base));
        Assert.Equal("crucible.verify-base-cache", JsonDocument.Parse(File.ReadAllText(entry)).RootElement.GetProperty("schema").GetString());
    }

    [Fact]
    public async Task Trees_live_outside_the_repository_and_are_removed_after_success_failure_and_cancellation()
    {
        CommitBase();
        _repo.Write("double.txt", "8");
        TestGit.Run(_repo.Path, "add", "double.txt");
        _repo.Write("build/out.txt", "ignored build output");
        var filesBefore = Directory.GetFiles(_repo.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        await Verify();
        _runner.Throw = new InvalidOperationException("runner crashed");
        await Assert.ThrowsAsync<InvalidOperationException>(() => Verify());
        _runner.Throw = new OperationCanceledException();
        await Assert.ThrowsAsync<OperationCanceledException>(() => Verify());

        Assert.All(_runner.Calls, c => Assert.StartsWith(_temp.Path + "/", c.Tree, StringComparison.Ordinal));
        Assert.All(_runner.Calls, c => Assert.DoesNotContain("build/out.txt", c.Files));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path));
        Assert.Equal(filesBefore, Directory.GetFiles(_repo.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Crucibles_own_records_are_not_part_of_the_change()
    {
        CommitBase();
        _repo.Write(".crucible/sessions/s1/events.jsonl", "{}");
        _repo.Write("double.txt", "8");

        var verdict = await Verify();

        Assert.Empty(verdict.TestChanges);
        Assert.DoesNotContain(".crucible/sessions/s1/events.jsonl", _runner.Calls.Single(c => c.RunName == RunNames.Evidence).Files);
        Assert.True(verdict.Verified);
    }

    [Fact]
    public async Task Deleted_binary_and_executable_files_are_carried_into_the_trees_byte_for_byte()
    {
        CommitBase(("tool.sh", "#!/bin/sh\n"), ("old.txt", "gone soon"));
        File.SetUnixFileMode(_repo["tool.sh"], (UnixFileMode)0b111_101_101);
        Commit("tool");
        byte[] blob = [0, 1, 2, 255, 0, 10];
        File.WriteAllBytes(_repo["data.bin"], blob);
        File.Delete(_repo["old.txt"]);

        string[]? evidenceFiles = null;
        byte[]? seen = null;
        UnixFileMode? mode = null;
        var runner = new CapturingRunner(_runner, tree =>
        {
            if (Path.GetFileName(tree) == RunNames.Evidence)
            {
                evidenceFiles = Directory.GetFiles(tree, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(tree, f)).Order(StringComparer.Ordinal).ToArray();
                seen = File.ReadAllBytes(Path.Combine(tree, "data.bin"));
                mode = File.GetUnixFileMode(Path.Combine(tree, "tool.sh"));
            }
        });
        await new RepositoryVerifier(runner, "test-toolchain", new RepositoryVerifierOptions { TempRoot = _temp.Path })
            .VerifyAsync(new RepositoryVerifyRequest { RepositoryPath = _repo.Path, TestCommand = Command }, Ct);

        Assert.Equal([".gitignore", "calc.txt", "data.bin", "double.txt", "tests/calc.check", "tool.sh"], evidenceFiles!);
        Assert.Equal(blob, seen);
        Assert.True(mode!.Value.HasFlag(UnixFileMode.UserExecute));
    }

    /// <summary>Lets a test look into a tree while it exists, then delegates.</summary>
    private sealed class CapturingRunner(ITestCommandRunner inner, Action<string> look) : ITestCommandRunner
    {
        public Task<TestCommandRun> RunAsync(string treePath, string testCommand, CancellationToken cancellationToken)
        {
            look(treePath);
            return inner.RunAsync(treePath, testCommand, cancellationToken);
        }
    }
}

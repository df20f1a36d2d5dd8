using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Tools;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Repository;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.Sessions;

/// <summary>
/// "Done means verified" for <c>crucible run</c> as it is composed: real agent sessions driven by a scripted model, with
/// the real default tools, the real headless gate in auto mode, the bubblewrap sandbox and the real
/// <see cref="RepositoryVerifier"/> with its <see cref="TestCommandRunner"/>, in a small Python git repository whose
/// <c>add</c> is broken (one of three tests fails at the start).
/// </summary>
public sealed class SessionVerificationTests : IDisposable
{
    private const string TestCommand = "/usr/bin/python3 -m pytest -p no:cacheprovider -q tests";
    private const string Broken = "def add(a, b):\n    return a - b\n";
    private const string Fixed = "def add(a, b):\n    return a + b\n";
    private const string Tests =
        "from calc import add\n\n" +
        "def test_add():\n    assert add(2, 3) == 5\n\n" +
        "def test_add_zero():\n    assert add(0, 0) == 0\n\n" +
        "def test_identity():\n    assert add(7, 0) == 7\n";
    private const string SkipEverything =
        "import pytest\n\n" +
        "def pytest_collection_modifyitems(items):\n" +
        "    for item in items:\n" +
        "        item.add_marker(pytest.mark.skip(reason=\"later\"))\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TempDirectory _repo = new("session-verify-repo");

    public SessionVerificationTests()
    {
        _repo.Write("calc.py", Broken);
        _repo.Write("tests/test_calc.py", Tests);
        // pytest finds calc.py from the rootdir's conftest-free layout through this file.
        _repo.Write("pytest.ini", "[pytest]\npythonpath = .\n");
        _repo.Write(".gitignore", "*.pyc\n");
        Git("init", "-q");
        Git("add", "-A");
        Git("commit", "-qm", "start");
    }

    public void Dispose() => _repo.Dispose();

    private void Git(params string[] args) => TestGit.Run(_repo.Path, args);

    /// <summary>The agent of a headless <c>crucible run -p --permission-mode auto</c> in the repository.</summary>
    private AgentSessionSetup Setup(ScriptedChatClient client, bool allowTestEdits = false, bool interactive = false, string? testCommand = TestCommand)
    {
        AgentSession? session = null;
        var assembly = new AgentAssembly(new AgentAssemblyOptions
        {
            Sandbox = ToolHarness.Sandbox,
            PermissionMode = PermissionMode.Auto,
            AllowTestEdits = allowTestEdits,
            TestCommand = testCommand,
            SubAgents = false,
        });
        return assembly.CreateSetup(_repo.Path, client, () => session) with
        {
            Home = Path.Combine(_repo.Path, ".crucible", "no-home"),
            VerifyOnlyAfterChanges = interactive,
        };
    }

    private static IReadOnlyList<AgentEvent> Events(AgentSession session) => TranscriptReader.Read(session.TranscriptPath);

    /// <summary>Every file of the repository outside .git and .crucible, relative and sorted.</summary>
    private List<string> Files() =>
        Directory.EnumerateFiles(_repo.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_repo.Path, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith(".git/", StringComparison.Ordinal) && !f.StartsWith(".crucible/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task An_honest_fix_is_verified_against_the_session_start_with_real_counts_and_the_full_verdict_next_to_the_transcript()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "calc.py"), ("content", Fixed)))
            .ThenText("Fixed add.");
        using var store = SessionStore.ForWorkspace(_repo.Path);
        using var session = AgentSession.Start(Setup(client), store, "fix add");

        var result = await session.RunAsync("fix add", Ct);

        var verdict = result.Verdict!;
        Assert.Equal((VerdictStatus.Passed, true), (verdict.Status, verdict.CountsAsPass));
        Assert.Equal(new TestCounts(Expected: 3, Executed: 3, Passed: 3, Failed: 0, Skipped: 0, NotRun: 0), verdict.Counts);
        Assert.Empty(verdict.Reasons);
        Assert.Empty(verdict.Tampering);
        Assert.Equal((true, "bubblewrap"), (verdict.CanariesOk, verdict.Sandbox));
        var recorded = Assert.Single(Events(session).OfType<VerdictRecorded>());
        Assert.Equal(verdict.Counts, recorded.Verdict.Counts);

        // The base is the session's start, kept under a ref; the full verdict sits next to the transcript.
        var baseCommit = session.Repository!.BaseCommit!;
        Assert.Equal(Path.ChangeExtension(session.TranscriptPath, ".verdict.json"), session.Repository.VerdictPath);
        var full = JsonSerializer.Deserialize<RepositoryVerdict>(File.ReadAllText(session.Repository.VerdictPath), RepositoryVerdictJson.Options)!;
        Assert.Equal((RepositoryVerdict.SchemaName, baseCommit, TestCommand, true, true), (full.Schema, full.BaseCommit, full.TestCommand, full.Strict, full.Verified));
        Assert.Equal(["tests/test_calc.py::test_add"], full.Fixed);
        Assert.Equal("2 of 2 base tests pass, 1 previously failing now pass, test infrastructure unchanged", full.Summary);
        Assert.Contains("\n  \"schema\": \"crucible.verify-verdict\"", File.ReadAllText(session.Repository.VerdictPath), StringComparison.Ordinal);
        Assert.Equal(baseCommit, GitOutput("rev-parse", SessionVerification.RefPrefix + session.Id));
        Assert.Equal(Broken, GitOutput("show", $"{baseCommit}:calc.py") + "\n");
    }

    [Fact]
    public async Task A_conftest_that_skips_every_test_is_not_a_pass_and_is_removed_from_the_users_tree()
    {
        // The write tool is gated for a new conftest.py, so the model goes around it with a shell command.
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "conftest.py"), ("content", SkipEverything)))
            .ThenCall("bash", Args(("command", $"cat > conftest.py <<'EOF'\n{SkipEverything}EOF")))
            .ThenText("All tests pass now.");
        using var store = SessionStore.ForWorkspace(_repo.Path);
        using var session = AgentSession.Start(Setup(client), store, "make the tests pass");

        var result = await session.RunAsync("make the tests pass", Ct);

        var events = Events(session);
        var denied = events.OfType<ToolCallStarted>().First();
        Assert.Equal(("write", false), (denied.Tool, denied.Allowed));
        Assert.StartsWith("conftest.py is test infrastructure (it decides which tests run and how).", denied.Reason, StringComparison.Ordinal);
        var verdict = result.Verdict!;
        Assert.Equal((VerdictStatus.Failed, false), (verdict.Status, verdict.CountsAsPass));
        Assert.Equal(new TestCounts(Expected: 3, Executed: 3, Passed: 0, Failed: 1, Skipped: 2, NotRun: 0), verdict.Counts);
        Assert.Equal(
            [
                // With the conftest, not one test of the repository runs (the harness canaries still do).
                "tests-on-base run: zero tests executed",
                "1 test(s) failing at the base still fail: tests/test_calc.py::test_add (name expected failures with --known-failure ID)",
                "2 test(s) of the change do not pass: tests/test_calc.py::test_add_zero (skipped), tests/test_calc.py::test_identity (skipped)",
                "--strict: test infrastructure added: conftest.py (pytest conftest: fixtures, hooks and plugins for the tests below it)",
            ],
            verdict.Reasons);
        Assert.Equal([new TamperFlag("conftest.py", "added (test infrastructure); removed")], verdict.Tampering);
        // The conftest went around the gate, so strict mode takes it out of the user's tree again.
        Assert.False(File.Exists(_repo["conftest.py"]));
        Assert.Equal(Broken, File.ReadAllText(_repo["calc.py"]));
    }

    [Fact]
    public async Task With_test_edits_allowed_the_verdict_is_not_strict_and_the_agents_conftest_stays()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "conftest.py"), ("content", SkipEverything)))
            .ThenText("Done.");
        using var store = SessionStore.ForWorkspace(_repo.Path);
        using var session = AgentSession.Start(Setup(client, allowTestEdits: true), store, "skip");

        var result = await session.RunAsync("skip", Ct);

        var verdict = result.Verdict!;
        Assert.Equal(VerdictStatus.Failed, verdict.Status);
        Assert.DoesNotContain(verdict.Reasons, r => r.StartsWith("--strict", StringComparison.Ordinal));
        Assert.Contains("2 test(s) of the change do not pass: tests/test_calc.py::test_add_zero (skipped), tests/test_calc.py::test_identity (skipped)", verdict.Reasons);
        Assert.Equal([new TamperFlag("conftest.py", "added (test infrastructure)")], verdict.Tampering);
        Assert.Equal(SkipEverything, File.ReadAllText(_repo["conftest.py"]));
    }

    [Fact]
    public async Task In_interactive_mode_a_request_that_changes_nothing_runs_no_verification()
    {
        var client = new ScriptedChatClient()
            .ThenText("Hello! What should I work on?")
            .ThenCall("write", Args(("path", "calc.py"), ("content", Fixed)))
            .ThenText("Fixed add.")
            .ThenCall("read", Args(("path", "calc.py")))
            .ThenText("It adds.");
        using var store = SessionStore.ForWorkspace(_repo.Path);
        using var session = AgentSession.Start(Setup(client, interactive: true), store, "chat");

        var hi = await session.RunAsync("hi", Ct);
        var fix = await session.RunAsync("fix add", Ct);
        var look = await session.RunAsync("what does add do?", Ct);

        Assert.Equal((AgentRunStatus.Completed, null), (hi.Status, hi.Verdict));
        Assert.Equal((VerdictStatus.Passed, 3), (fix.Verdict!.Status, fix.Verdict.Counts.Passed));
        Assert.Equal((AgentRunStatus.Completed, null), (look.Status, look.Verdict));
        var events = Events(session);
        // One verdict, recorded in the run of the request that changed a file.
        Assert.Equal([null, VerdictStatus.Passed, null], events.OfType<RunEnded>().Select(r => r.VerdictStatus));
        Assert.Single(events.OfType<VerdictRecorded>());
    }

    [Fact]
    public async Task Verification_builds_nothing_in_the_users_tree()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "calc.py"), ("content", Fixed)))
            .ThenText("Fixed.");
        var before = Files();
        using var store = SessionStore.ForWorkspace(_repo.Path);
        using var session = AgentSession.Start(Setup(client), store, "fix");

        var result = await session.RunAsync("fix", Ct);

        Assert.Equal(VerdictStatus.Passed, result.Verdict!.Status);
        // pytest ran twice over the repository's tests (base, evidence) without leaving __pycache__, .pytest_cache or result files here.
        Assert.Equal(before, Files());
        Assert.Empty(Directory.EnumerateDirectories(_repo.Path, "__pycache__", SearchOption.AllDirectories));
        Assert.Equal(" M calc.py", GitOutput("status", "--porcelain", "--ignored", "--", ".", ":(exclude).crucible"));
    }

    [Fact]
    public async Task An_uncommitted_user_edit_present_at_the_start_is_part_of_the_base_not_of_the_agents_change()
    {
        // The user fixed add but has not committed it, keeps a note untracked and names the test command in untracked
        // project settings; the agent only adds a docstring.
        _repo.Write("calc.py", Fixed);
        _repo.Write("NOTES.txt", "remember to release\n");
        _repo.Write(".crucible/settings.json", $"{{ \"testCommand\": \"{TestCommand}\" }}\n");
        const string documented = "def add(a, b):\n    \"\"\"Adds.\"\"\"\n    return a + b\n";
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "calc.py"), ("content", documented)))
            .ThenText("Documented add.");
        var head = GitOutput("rev-parse", "HEAD");
        var userIndex = File.ReadAllBytes(_repo[".git/index"]);
        using var store = SessionStore.ForWorkspace(_repo.Path);
        using var session = AgentSession.Start(Setup(client, testCommand: null), store, "document add");

        var result = await session.RunAsync("document add", Ct);

        var verdict = result.Verdict!;
        Assert.Equal((VerdictStatus.Passed, new TestCounts(3, 3, 3, 0, 0, 0)), (verdict.Status, verdict.Counts));
        var full = JsonSerializer.Deserialize<RepositoryVerdict>(File.ReadAllText(session.Repository!.VerdictPath), RepositoryVerdictJson.Options)!;
        // test_add already passed at the base, because the user's edit is in it; nothing is "fixed" by the agent.
        Assert.Empty(full.Fixed);
        Assert.Empty(full.TestChanges);
        Assert.Equal((TestCommand, TestCommandOrigin.BaseSettings), (full.TestCommand, full.TestCommandOrigin));
        Assert.Equal("3 of 3 base tests pass, test infrastructure unchanged", full.Summary);
        var baseCommit = session.Repository.BaseCommit!;
        Assert.Equal((Fixed, "remember to release\n"), (GitOutput("show", $"{baseCommit}:calc.py") + "\n", GitOutput("show", $"{baseCommit}:NOTES.txt") + "\n"));
        Assert.Equal(head, GitOutput("rev-parse", $"{baseCommit}^"));
        // Of .crucible/ only the settings are part of the start; the session's own files are not.
        Assert.Equal(".crucible/settings.json", GitOutput("ls-tree", "-r", "--name-only", baseCommit, "--", ".crucible"));
        // The user's branch, index and stash list are as they were.
        Assert.Equal(head, GitOutput("rev-parse", "HEAD"));
        Assert.Equal(userIndex, File.ReadAllBytes(_repo[".git/index"]));
        Assert.Equal("", GitOutput("stash", "list"));
        Assert.Equal(documented, File.ReadAllText(_repo["calc.py"]));
    }

    [Fact]
    public async Task A_resumed_session_keeps_the_base_of_its_start()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "calc.py"), ("content", Fixed)))
            .ThenText("Fixed.")
            .ThenText("Nothing else to do.");
        using var store = SessionStore.ForWorkspace(_repo.Path);
        var setup = Setup(client);
        string id, baseCommit;
        using (var session = AgentSession.Start(setup, store, "fix"))
        {
            await session.RunAsync("fix", Ct);
            (id, baseCommit) = (session.Id, session.Repository!.BaseCommit!);
        }

        using var resumed = AgentSession.Resume(setup, store, store.Index.Find(id)!);
        var result = await resumed.RunAsync("anything else?", Ct);

        Assert.Equal(baseCommit, resumed.Repository!.BaseCommit);
        // Still judged against the broken start: the fix made in the first run counts as the change.
        var full = JsonSerializer.Deserialize<RepositoryVerdict>(File.ReadAllText(resumed.Repository.VerdictPath), RepositoryVerdictJson.Options)!;
        Assert.Equal(VerdictStatus.Passed, result.Verdict!.Status);
        Assert.Equal(["tests/test_calc.py::test_add"], full.Fixed);
    }

    [Fact]
    public async Task Outside_a_git_repository_the_verdict_is_a_harness_error_that_names_the_fix_and_nothing_is_initialised()
    {
        using var plain = new TempDirectory("session-verify-plain");
        plain.Write("calc.py", Fixed);
        var client = new ScriptedChatClient().ThenText("Nothing to do.");
        AgentSession? session = null;
        var setup = new AgentAssembly(new AgentAssemblyOptions { Sandbox = ToolHarness.Sandbox, PermissionMode = PermissionMode.Auto, SubAgents = false })
            .CreateSetup(plain.Path, client, () => session) with { Home = Path.Combine(plain.Path, ".crucible", "no-home") };
        using var store = SessionStore.ForWorkspace(plain.Path);
        using (session = AgentSession.Start(setup, store, "x"))
        {
            var result = await session.RunAsync("x", Ct);

            var verdict = result.Verdict!;
            Assert.Equal((VerdictStatus.HarnessError, false), (verdict.Status, verdict.CountsAsPass));
            var reason = Assert.Single(verdict.Reasons);
            Assert.StartsWith($"{plain.Path} is not a git repository: crucible run verifies the agent's work against the session's start", reason, StringComparison.Ordinal);
            Assert.Contains("git init && git add -A && git commit -m start", reason, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(Path.Combine(plain.Path, ".git")));
    }

    private string GitOutput(params string[] args) => TestGit.Output(_repo.Path, args);
}

using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using static Crucible.Agent.Tests.Loop.LoopHarness;
using static Crucible.Agent.Tests.Sessions.SessionHarness;

namespace Crucible.Agent.Tests.Loop;

public sealed class RepositoryVerificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_done_protected_tests_are_restored_and_flagged_then_the_repository_tests_decide_the_verdict()
    {
        using var repo = new TempDirectory("agent-repo");
        repo.Write("tests/CalcTests.cs", "original test");
        repo.Write("check.sh", "grep -q 'original test' tests/CalcTests.cs && test \"$(cat calc.txt)\" = 4\n");
        // The model "fixes" the code and also weakens the protected test; the gate lets both through.
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "calc.txt"), ("content", "4")))
            .ThenCall("write", Args(("path", "tests/CalcTests.cs"), ("content", "Assert.True(true)")))
            .ThenText("done, all green");
        var gate = new TestGate();
        var setup = Setup(repo.Path, client) with { Gate = gate, VerifyWhenDone = true, TestCommand = "sh check.sh" };
        using var store = SessionStore.ForWorkspace(repo.Path);
        using var session = AgentSession.Start(setup, store, "fix calc");

        var result = await session.RunAsync("fix calc", Ct);

        Assert.Equal([["calc.txt"], ["tests/CalcTests.cs"]], gate.Requests.Select(r => r.Paths.ToArray()));
        Assert.Equal("original test", File.ReadAllText(repo["tests/CalcTests.cs"]));
        var verdict = result.Verdict!;
        Assert.Equal((VerdictStatus.Passed, 0), (verdict.Status, verdict.TestExitCode!.Value));
        Assert.Equal([new TamperFlag("tests/CalcTests.cs", "modified")], verdict.Tampering);
        // The originals live outside the workspace, out of the agent's reach.
        Assert.Equal("original test", File.ReadAllText(Path.Combine(setup.ProtectedFilesRoot, session.Id, "tests", "CalcTests.cs")));
        Assert.False(setup.ProtectedFilesRoot.StartsWith(repo.Path + "/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failing_repository_tests_give_a_failed_verdict_with_the_command_and_exit_code()
    {
        using var repo = new TempDirectory("agent-repo");
        var snapshot = Path.Combine(repo.Path, ".crucible", "sessions", "s", "protected");
        var verification = RepositoryVerification.Start(repo.Path, snapshot, "echo boom; exit 3");

        var verdict = await verification.VerifyAsync(new UnsandboxedRunner(), new SandboxPolicy { WorkspacePath = repo.Path }, Ct);

        Assert.Equal((VerdictStatus.Failed, 3), (verdict.Status, verdict.TestExitCode!.Value));
        Assert.Equal(["`echo boom; exit 3` exited with 3"], verdict.Reasons);
        Assert.Contains("boom", verdict.TestLog, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_files_are_found_by_convention_outside_build_and_vcs_folders()
    {
        using var repo = new TempDirectory("agent-repo");
        foreach (var f in new[] { "src/Calc.cs", "tests/CalcTests.cs", "pkg/calc_test.go", "py/test_calc.py", "web/app.spec.ts", "bin/Debug/XTests.cs", ".git/FooTests.cs", "node_modules/x/a.test.js" })
        {
            repo.Write(f, "x");
        }
        repo.Write("go.mod", "module x");

        Assert.Equal(["pkg/calc_test.go", "py/test_calc.py", "tests/CalcTests.cs", "web/app.spec.ts"], RepositoryVerification.FindTestFiles(repo.Path));
        Assert.Equal("go test ./...", RepositoryVerification.DetectTestCommand(repo.Path));
    }

    [Fact]
    public async Task Without_a_known_test_command_the_verdict_says_so_and_names_the_fix()
    {
        using var repo = new TempDirectory("agent-repo");
        var verification = RepositoryVerification.Start(repo.Path, Path.Combine(repo.Path, ".snap"));

        var verdict = await verification.VerifyAsync(new UnsandboxedRunner(), new SandboxPolicy { WorkspacePath = repo.Path }, Ct);

        Assert.Equal(VerdictStatus.HarnessError, verdict.Status);
        Assert.False(verdict.CountsAsPass);
        Assert.Equal(["no test command is known for this repository: pass --test-command CMD to crucible run"], verdict.Reasons);
    }
}

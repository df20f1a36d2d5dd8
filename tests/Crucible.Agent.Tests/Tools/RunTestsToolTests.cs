using Crucible.Agent.Tools;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Agent.Tests.Tools;

public sealed class RunTestsToolTests
{
    private const string Solution = """
        public static class ArmstrongNumbers
        {
            public static bool IsArmstrongNumber(int number)
            {
                var digits = number.ToString();
                var sum = 0L;
                foreach (var d in digits)
                {
                    sum += (long)System.Math.Pow(d - '0', digits.Length);
                }
                return sum == number;
            }
        }
        """;

    [Fact]
    public async Task Task_tests_run_through_the_verifier_and_come_back_as_a_compact_verdict()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("armstrong-numbers")).Tasks);
        var verifier = new Verifier(new VerifierOptions { Sandbox = ToolHarness.Sandbox });
        using var h = new ToolHarness(task: task, verifier: verifier);
        Workspaces.Materialize(task, h.Root);

        var failing = await h.CallAsync("run_tests", new { });
        await h.CallAsync("write", new { path = "ArmstrongNumbers.cs", content = Solution });
        var passing = await h.CallAsync("run_tests", new { });

        Assert.True(failing.IsError);
        Assert.StartsWith("Verdict: Failed — 0 passed, 9 failed, 0 skipped, 0 not run, of 9 expected tests.", failing.Content, StringComparison.Ordinal);
        Assert.Contains("\nNot passing:\n- ArmstrongNumbersTests.", failing.Content, StringComparison.Ordinal);
        Assert.Contains("[Failed]: System.NotImplementedException", failing.Content, StringComparison.Ordinal);
        Assert.Equal(new ToolResult("Verdict: Passed — 9 passed, 0 failed, 0 skipped, 0 not run, of 9 expected tests."), passing);
    }

    [Fact]
    public async Task Build_errors_are_listed_in_the_verdict()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("armstrong-numbers")).Tasks);
        var verifier = new Verifier(new VerifierOptions { Sandbox = ToolHarness.Sandbox });
        using var h = new ToolHarness(task: task, verifier: verifier);
        Workspaces.Materialize(task, h.Root);
        h.Workspace.Write("ArmstrongNumbers.cs", "public static class ArmstrongNumbers { public static bool IsArmstrongNumber(int n) => n + ; }");

        var result = await h.CallAsync("run_tests", new { });

        Assert.True(result.IsError);
        Assert.StartsWith("Verdict: BuildFailed", result.Content, StringComparison.Ordinal);
        Assert.Contains("Build failed with ", result.Content, StringComparison.Ordinal);
        Assert.Contains("ArmstrongNumbers.cs", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_task_the_configured_test_command_runs_in_the_sandbox()
    {
        using var h = new ToolHarness(AgentToolOptions.Default with { TestCommand = "test -f ok.txt && echo all-passed" });

        var failing = await h.CallAsync("run_tests", new { });
        h.Workspace.Write("ok.txt", "");
        var passing = await h.CallAsync("run_tests", new { });

        Assert.True(failing.IsError);
        Assert.StartsWith("Tests failed (`test -f ok.txt && echo all-passed`, exit code 1).\n(no output)\n[exit code 1", failing.Content, StringComparison.Ordinal);
        Assert.False(passing.IsError);
        Assert.StartsWith("Tests passed (`test -f ok.txt && echo all-passed`, exit code 0).\nall-passed\n[exit code 0", passing.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_task_or_a_test_command_the_model_is_told_what_to_do()
    {
        using var h = new ToolHarness();

        var result = await h.CallAsync("run_tests", new { });

        Assert.Equal(ToolResult.Error("No test command is configured and none could be detected. Ask the user to set \"testCommand\" in .crucible/settings.json, or run the tests with bash."), result);
    }

    [Fact]
    public async Task Task_without_a_verifier_is_an_error()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("armstrong-numbers")).Tasks);
        using var h = new ToolHarness(task: task);

        Assert.Equal(ToolResult.Error("No verifier is configured for this session, so the task's tests cannot be run."), await h.CallAsync("run_tests", new { }));
    }

    [Theory]
    [InlineData("App.slnx", "dotnet test")]
    [InlineData("App.csproj", "dotnet test")]
    [InlineData("go.mod", "go test ./...")]
    [InlineData("pyproject.toml", "python3 -m pytest -q")]
    [InlineData("Cargo.toml", "cargo test")]
    public void Test_command_is_detected_from_the_repository_files(string file, string expected)
    {
        using var dir = new TempDirectory();
        dir.Write(file, "");

        Assert.Equal(expected, TestCommandDetector.Detect(dir.Path));
    }

    [Fact]
    public void Verdict_format_lists_limits_and_caps_failures()
    {
        var tool = new RunTestsTool(AgentToolOptions.Default with { RunTestsMaxFailures = 1, RunTestsMaxMessageChars = 5 });
        var verdict = new Verdict
        {
            TaskId = "t",
            Status = VerdictStatus.LimitExceeded,
            Sandbox = "bubblewrap",
            Counts = new TestCounts(3, 2, 0, 2, 0, 1),
            Tests = [new TestOutcome("A", TestOutcomeKind.Failed, TimeSpan.Zero, "boom boom"), new TestOutcome("B", TestOutcomeKind.NotRun, TimeSpan.Zero)],
            LimitHits = [Core.Sandbox.LimitKind.WallTime],
        };

        Assert.Equal(
            "Verdict: LimitExceeded — 0 passed, 2 failed, 0 skipped, 1 not run, of 3 expected tests.\nNot passing:\n- A [Failed]: boom … [cut]\n[and 1 more]\nLimits hit: WallTime",
            tool.FormatVerdict(verdict));
    }
}

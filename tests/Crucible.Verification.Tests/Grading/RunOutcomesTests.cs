using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Results;

namespace Crucible.Verification.Tests.Grading;

/// <summary>The one tail of the xunit, pytest and go test runners: reading the result file into a <see cref="RunOutcome"/>.</summary>
public sealed class RunOutcomesTests : IDisposable
{
    private const string MountDir = "/run/w-4f2a";
    private readonly TempDirectory _grading = new("run-outcomes");
    private readonly RunContext _context;
    private readonly BuildOutcome _build = new(true, TimeSpan.FromSeconds(2), "built");

    public RunOutcomesTests()
    {
        var sandbox = new UnsandboxedRunner();
        _context = new RunContext(VerifierFixture.Example("slugify"), _grading.Path, MountDir, Canaries.Create(), sandbox, new VerifierOptions { Sandbox = sandbox });
    }

    public void Dispose() => _grading.Dispose();

    private static SandboxResult Run(int exitCode, string stdout, string stderr, params LimitKind[] limits) => new()
    {
        ExitCode = exitCode,
        Stdout = new CapturedOutput(stdout, "", stdout.Length),
        Stderr = new CapturedOutput(stderr, "", stderr.Length),
        Elapsed = TimeSpan.FromSeconds(1),
        LimitsHit = limits,
        Sandbox = "test",
    };

    [Fact]
    public void A_result_file_that_was_not_written_gives_no_results_and_an_error_naming_the_workspace_not_its_host_path()
    {
        var run = Run(0, $"ok {MountDir}/test_a.py\n", "", LimitKind.Output);

        var outcome = RunOutcomes.FromTestRun(_context, _build, run, () => TestResultFiles.ReadJUnit(Path.Combine(_grading.Path, "results.xml")));

        Assert.Equal(
            new RunOutcome
            {
                Build = _build,
                Results = null,
                ResultsError = "result file <workspace>/results.xml was not written",
                ExitCode = 0,
                CleanExitCode = 1,
                TestLog = "ok test_a.py\n",
                LimitHits = run.LimitsHit,
            },
            outcome);
    }

    [Fact]
    public void A_result_file_that_was_read_gives_its_results_the_exit_code_and_the_log_with_sandbox_paths_made_relative()
    {
        var file = _grading.Write("results.xml", """
            <testsuites><testsuite name="pytest"><testcase classname="test_a" name="test_one" time="0.5"/></testsuite></testsuites>
            """);
        var run = Run(1, $"{MountDir}/test_a.py::test_one PASSED\n", $"warning in {MountDir}/conftest.py\n");
        IReadOnlyList<RawTestResult>? read = null;

        var outcome = RunOutcomes.FromTestRun(_context, _build, run, () => read = TestResultFiles.ReadJUnit(file));

        Assert.Equal(new RawTestResult("test_a.test_one", TestOutcomeKind.Passed, TimeSpan.FromSeconds(0.5), null) { ClassName = "test_a" }, Assert.Single(read!));
        Assert.Equal(
            new RunOutcome
            {
                Build = _build,
                Results = read,
                ExitCode = 1,
                CleanExitCode = 1,
                TestLog = "test_a.py::test_one PASSED\nwarning in conftest.py\n",
                LimitHits = run.LimitsHit,
            },
            outcome);
    }

    [Fact]
    public void A_failed_build_has_no_exit_code_and_keeps_the_builds_limits()
    {
        var failed = new BuildOutcome(false, TimeSpan.FromSeconds(1), "error", 1);
        LimitKind[] limits = [LimitKind.WallTime];

        Assert.Equal(new RunOutcome { Build = failed, CleanExitCode = 1, LimitHits = limits }, RunOutcomes.BuildFailed(failed, limits));
    }
}

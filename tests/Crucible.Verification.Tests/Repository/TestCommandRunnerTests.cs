using System.Text.Json;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Repository;

namespace Crucible.Verification.Tests.Repository;

/// <summary>One real bubblewrap sandbox and a harness work folder shared by the tests of the class.</summary>
public sealed class TestCommandRunnerFixture : IDisposable
{
    public TestCommandRunnerFixture()
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Options = new TestCommandRunnerOptions { Sandbox = sandbox, WorkDirectory = Work.Path };
        Runner = new TestCommandRunner(Options);
    }

    /// <summary>Parent of every run's harness folder: each run must leave it empty.</summary>
    public TempDirectory Work { get; } = new("crucible-harness-work");

    public TestCommandRunnerOptions Options { get; }

    public TestCommandRunner Runner { get; }

    public void Dispose() => Work.Dispose();
}

public sealed class TestCommandRunnerTests(TestCommandRunnerFixture f) : IClassFixture<TestCommandRunnerFixture>
{
    private const string Pytest = "/usr/bin/python3 -m pytest -p no:cacheprovider -q tests";
    private const string GoTest = "GO111MODULE=on GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go test -count=1 ./...";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Outcomes by id, without the timings (which vary) and messages (tracebacks).</summary>
    private static List<TestOutcome> Outcomes(TestCommandRun run) => [.. run.Tests.Select(t => t with { Duration = TimeSpan.Zero, Message = null })];

    private static TestOutcome T(string name, TestOutcomeKind outcome) => new(name, outcome, TimeSpan.Zero);

    private async Task<TestCommandRun> RunAsync(string tree, string command)
    {
        var run = await f.Runner.RunAsync(tree, command, Ct);
        // Every run cleans up after itself: no harness folder is left behind.
        Assert.Empty(Directory.EnumerateFileSystemEntries(f.Work.Path));
        return run;
    }

    private static TempDirectory PytestRepo()
    {
        var repo = new TempDirectory("pyrepo");
        repo.Write("tests/__init__.py", "");
        repo.Write("tests/test_calc.py", """
            import pytest


            def test_adds():
                assert 1 + 1 == 2


            def test_subtracts():
                assert 3 - 1 == 1


            @pytest.mark.skip(reason="not today")
            def test_later():
                pass


            @pytest.mark.parametrize("x", [1, 2])
            def test_param(x):
                assert x == 1


            class TestGroup:
                def test_inside(self):
                    pass


            @pytest.mark.xfail(reason="known bug")
            def test_known_bug():
                assert False


            @pytest.mark.xfail(strict=True)
            def test_unexpectedly_passes():
                pass

            """);
        return repo;
    }

    [Fact]
    public async Task Pytest_results_are_read_from_the_harness_junit_file_as_node_ids_with_canaries_ok()
    {
        using var repo = PytestRepo();

        var run = await RunAsync(repo.Path, Pytest);

        Assert.Equal(
            [
                T("tests/test_calc.py::TestGroup::test_inside", TestOutcomeKind.Passed),
                T("tests/test_calc.py::test_adds", TestOutcomeKind.Passed),
                T("tests/test_calc.py::test_known_bug", TestOutcomeKind.Skipped),
                T("tests/test_calc.py::test_later", TestOutcomeKind.Skipped),
                T("tests/test_calc.py::test_param[1]", TestOutcomeKind.Passed),
                T("tests/test_calc.py::test_param[2]", TestOutcomeKind.Failed),
                T("tests/test_calc.py::test_subtracts", TestOutcomeKind.Failed),
                T("tests/test_calc.py::test_unexpectedly_passes", TestOutcomeKind.Failed),
            ],
            Outcomes(run));
        Assert.True(run.CanariesOk);
        Assert.Equal(TestCommandRunner.JUnitEvidence, run.EvidenceKind);
        Assert.Null(run.ResultsError);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("bubblewrap", run.Sandbox);
        Assert.Equal("not today", run.Tests.Single(t => t.Name.EndsWith("test_later", StringComparison.Ordinal)).Message);
        // The canaries ran in the same session (pytest's own summary counts them) but are not in Tests.
        Assert.Contains("4 failed, 4 passed, 1 skipped, 1 xfailed", run.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pytest_canaries_survive_exitfirst_and_a_keyword_selection()
    {
        using var repo = PytestRepo();

        var run = await RunAsync(repo.Path, Pytest + " -x -k 'adds or subtracts or later'");

        Assert.Equal([T("tests/test_calc.py::test_adds", TestOutcomeKind.Passed), T("tests/test_calc.py::test_subtracts", TestOutcomeKind.Failed)], Outcomes(run));
        Assert.True(run.CanariesOk);
    }

    [Fact]
    public async Task A_conftest_that_marks_everything_skipped_gives_skipped_outcomes_not_passes()
    {
        using var repo = PytestRepo();
        repo.Write("conftest.py", """
            import pytest


            def pytest_collection_modifyitems(items):
                for item in items:
                    item.add_marker(pytest.mark.skip(reason="skipped by conftest"))

            """);

        var run = await RunAsync(repo.Path, Pytest);

        Assert.All(run.Tests, t => Assert.Equal(TestOutcomeKind.Skipped, t.Outcome));
        Assert.Equal(8, run.Tests.Count);
        // The harness plugin's hook runs after the conftest's, so the canaries are not skipped.
        Assert.True(run.CanariesOk);
    }

    [Fact]
    public async Task A_conftest_that_exits_the_interpreter_at_import_leaves_no_results_and_canaries_not_ok()
    {
        using var repo = PytestRepo();
        repo.Write("conftest.py", "import os\nos._exit(0)\n");

        var run = await RunAsync(repo.Path, Pytest);

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Tests);
        Assert.False(run.CanariesOk);
        Assert.Null(run.EvidenceKind);
        Assert.StartsWith("no result file was written", run.ResultsError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_test_that_forges_the_junit_file_named_in_PYTEST_ADDOPTS_is_detected_by_the_canaries()
    {
        using var repo = PytestRepo();
        // The forger finds the --junitxml path in its environment and writes an all-pass report there at exit,
        // after pytest has written its own.
        repo.Write("tests/test_forger.py", """
            import atexit
            import os
            import re

            _PATH = re.search(r"--junitxml=(\S+)", os.environ["PYTEST_ADDOPTS"]).group(1)


            def _forge():
                with open(_PATH, "w") as f:
                    f.write('<testsuites><testsuite name="pytest">'
                            '<testcase classname="tests.test_calc" name="test_subtracts" file="tests/test_calc.py" />'
                            '</testsuite></testsuites>')


            atexit.register(_forge)


            def test_forger():
                pass

            """);

        var run = await RunAsync(repo.Path, Pytest);

        // The harness reads every result file: the session's own report (the plugin moved it to a name the
        // environment does not carry) still shows the failure, and the forged file has no canaries.
        Assert.False(run.CanariesOk);
        Assert.Equal(TestOutcomeKind.Failed, run.Tests.Single(t => t.Name == "tests/test_calc.py::test_subtracts").Outcome);
        Assert.Equal(TestOutcomeKind.Passed, run.Tests.Single(t => t.Name == "tests/test_forger.py::test_forger").Outcome);
    }

    [Fact]
    public async Task A_result_file_planted_as_a_link_counts_as_not_written_and_breaks_the_canaries()
    {
        using var repo = PytestRepo();
        repo.Write("tests/test_linker.py", """
            import os
            import re

            _DIR = os.path.dirname(re.search(r"--junitxml=(\S+)", os.environ["PYTEST_ADDOPTS"]).group(1))


            def test_links():
                os.symlink("/etc/hostname", os.path.join(_DIR, "planted.xml"))

            """);

        var run = await RunAsync(repo.Path, Pytest);

        Assert.False(run.CanariesOk);
        Assert.Equal("planted.xml: result file planted.xml was not written", run.ResultsError);
        // The real report is still read.
        Assert.Equal(TestOutcomeKind.Passed, run.Tests.Single(t => t.Name == "tests/test_linker.py::test_links").Outcome);
    }

    [Fact]
    public async Task Results_are_requested_through_a_wrapper_script_that_runs_pytest_and_go_test()
    {
        using var repo = GoRepo();
        repo.Write("tests/test_py.py", "def test_py():\n    pass\n");
        repo.Write("run-all-tests.sh", "set -e\ncd \"$(dirname \"$0\")\"\n/usr/bin/python3 -m pytest -q tests\ngo test -count=1 ./strs\n");

        var run = await RunAsync(repo.Path, "GO111MODULE=on GOFLAGS=-mod=mod sh run-all-tests.sh");

        Assert.Equal([T("TestTwice", TestOutcomeKind.Passed), T("tests/test_py.py::test_py", TestOutcomeKind.Passed)], Outcomes(run));
        Assert.True(run.CanariesOk);
        // The must-fail canaries do not change exit statuses, so `set -e` went on to the go step.
        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"{TestCommandRunner.GoEvidence},{TestCommandRunner.JUnitEvidence}", run.EvidenceKind);
    }

    private static TempDirectory GoRepo()
    {
        var repo = new TempDirectory("gorepo");
        repo.Write("go.mod", "module example.com/calc\n\ngo 1.19\n");
        repo.Write("calc.go", "package calc\n\nfunc Add(a, b int) int { return a + b }\n");
        repo.Write("calc_test.go", """
            package calc

            import "testing"

            func TestAdd(t *testing.T) {
            	if Add(2, 2) != 4 {
            		t.Fatal("add")
            	}
            }

            func TestTable(t *testing.T) {
            	for _, c := range []struct{ name string; a, b, want int }{{"small", 1, 1, 2}, {"wrong", 1, 1, 3}} {
            		t.Run(c.name, func(t *testing.T) {
            			if got := Add(c.a, c.b); got != c.want {
            				t.Errorf("got %d want %d", got, c.want)
            			}
            		})
            	}
            }

            func TestSkipped(t *testing.T) { t.Skip("later") }

            """);
        repo.Write("strs/strs.go", "package strs\n\nfunc Twice(s string) string { return s + s }\n");
        repo.Write("strs/strs_test.go", """
            package strs_test

            import (
            	"testing"

            	"example.com/calc/strs"
            )

            func TestTwice(t *testing.T) {
            	if strs.Twice("a") != "aa" {
            		t.Fatal("twice")
            	}
            }

            """);
        repo.Write("testdata/ignored_test.go", "package ignored\n");
        return repo;
    }

    [Fact]
    public async Task Go_results_are_read_from_the_json_events_with_subtests_and_package_prefixes_and_canaries_ok()
    {
        using var repo = GoRepo();
        var before = Directory.EnumerateFiles(repo.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var run = await RunAsync(repo.Path, GoTest);

        Assert.Equal(
            [
                T("example.com/calc/strs::TestTwice", TestOutcomeKind.Passed),
                T("example.com/calc::TestAdd", TestOutcomeKind.Passed),
                T("example.com/calc::TestSkipped", TestOutcomeKind.Skipped),
                T("example.com/calc::TestTable", TestOutcomeKind.Failed),
                T("example.com/calc::TestTable/small", TestOutcomeKind.Passed),
                T("example.com/calc::TestTable/wrong", TestOutcomeKind.Failed),
            ],
            Outcomes(run));
        Assert.True(run.CanariesOk, run.Log);
        Assert.Equal(TestCommandRunner.GoEvidence, run.EvidenceKind);
        Assert.Null(run.ResultsError);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("got 2 want 3", run.Tests.Single(t => t.Name.EndsWith("TestTable/wrong", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
        // The canary files are gone again: the tree holds exactly what it held before.
        Assert.Equal(before, Directory.EnumerateFiles(repo.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Go_test_ids_are_bare_when_one_package_reports()
    {
        using var repo = GoRepo();

        var run = await RunAsync(repo.Path, "cd strs && " + GoTest.Replace("./...", ".", StringComparison.Ordinal));

        Assert.Equal([T("TestTwice", TestOutcomeKind.Passed)], Outcomes(run));
        Assert.True(run.CanariesOk);
        Assert.Equal(0, run.ExitCode); // The failing canary alone does not fail the command.
    }

    [Fact]
    public async Task A_TestMain_that_exits_zero_before_the_tests_leaves_the_canaries_not_ok()
    {
        using var repo = GoRepo();
        repo.Write("main_test.go", """
            package calc

            import (
            	"os"
            	"testing"
            )

            func TestMain(m *testing.M) { os.Exit(0) }

            """);

        var run = await RunAsync(repo.Path, GoTest);

        Assert.False(run.CanariesOk);
        Assert.Equal([T("TestTwice", TestOutcomeKind.Passed)], Outcomes(run));
    }

    [Fact]
    public async Task A_package_that_does_not_compile_is_a_failed_pseudo_test()
    {
        using var repo = GoRepo();
        repo.Write("strs/broken.go", "package strs\n\nfunc Broken() int { return \"x\" }\n");

        var run = await RunAsync(repo.Path, GoTest);

        Assert.Equal(TestOutcomeKind.Failed, run.Tests.Single(t => t.Name == "package:example.com/calc/strs").Outcome);
        Assert.DoesNotContain(run.Tests, t => t.Name.Contains("TestTwice", StringComparison.Ordinal));
        Assert.True(run.CanariesOk); // The package that ran carried its canaries; the broken one ran nothing.
    }

    [Fact]
    public async Task A_command_without_a_known_framework_reports_that_no_result_file_was_written()
    {
        using var repo = new TempDirectory("plain");
        repo.Write("check.sh", "echo all good\nexit 0\n");

        var run = await RunAsync(repo.Path, "sh check.sh");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Tests);
        Assert.False(run.CanariesOk);
        Assert.StartsWith("no result file was written", run.ResultsError, StringComparison.Ordinal);
        Assert.Contains("all good", run.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dotnet_xunit_project_reports_through_a_harness_trx_file_even_when_the_command_names_its_own()
    {
        using var repo = new TempDirectory("dnrepo");
        repo.Write("Calc.Tests/Calc.Tests.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <IsTestProject>true</IsTestProject>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="xunit.v3" Version="3.2.2" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
              </ItemGroup>
            </Project>
            """);
        repo.Write("Calc.Tests/CalcTests.cs", """
            using Xunit;

            namespace Calc.Tests;

            public class CalcTests
            {
                [Fact]
                public void Adds() => Assert.Equal(4, 2 + 2);

                [Fact]
                public void Subtracts() => Assert.Equal(1, 3 - 1);

                [Fact(Skip = "later")]
                public void Later() { }

                [Theory]
                [InlineData(1)]
                [InlineData(2)]
                public void IsOne(int x) => Assert.Equal(1, x);
            }
            """);

        var run = await RunAsync(repo.Path, "dotnet test Calc.Tests/Calc.Tests.csproj --logger \"trx;LogFileName=mine.trx\" --results-directory own_results");

        Assert.Equal(
            [
                T("Calc.Tests.CalcTests.Adds", TestOutcomeKind.Passed),
                T("Calc.Tests.CalcTests.IsOne(x: 1)", TestOutcomeKind.Passed),
                T("Calc.Tests.CalcTests.IsOne(x: 2)", TestOutcomeKind.Failed),
                T("Calc.Tests.CalcTests.Later", TestOutcomeKind.Skipped),
                T("Calc.Tests.CalcTests.Subtracts", TestOutcomeKind.Failed),
            ],
            Outcomes(run));
        Assert.Null(run.CanariesOk);
        Assert.Equal(TestCommandRunner.TrxEvidence, run.EvidenceKind);
        Assert.Null(run.ResultsError);
        // The command's own TRX logger and results folder were dropped: nothing was written into the tree.
        Assert.False(Directory.Exists(repo["own_results"]));
    }

    private static TempDirectory CloneBundle(string name)
    {
        var work = new TempDirectory($"clone-{name}");
        TestGit.Run(work.Path, "clone", "-q", Path.Combine(TestPaths.Shared, "repos", $"{name}.bundle"), "repo");
        return work;
    }

    private static string TestCommand(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Shared, "repos", $"{name}.instances.json")));
        return doc.RootElement[0].GetProperty("test_command").GetString()!;
    }

    [Fact]
    public async Task The_cachetools_clone_at_HEAD_gives_277_passed_and_2_skipped()
    {
        using var work = CloneBundle("cachetools");

        var run = await RunAsync(work["repo"], TestCommand("cachetools"));

        Assert.Equal("PYTHONPATH=src /usr/bin/python3 -m pytest -p no:cacheprovider -rA tests", TestCommand("cachetools"));
        Assert.True(run.CanariesOk, run.Log);
        Assert.Equal(277, run.Tests.Count(t => t.Outcome == TestOutcomeKind.Passed));
        Assert.Equal(2, run.Tests.Count(t => t.Outcome == TestOutcomeKind.Skipped));
        Assert.Equal(279, run.Tests.Count);
        // The ids are pytest's own node ids, as the command's -rA summary prints them.
        foreach (var test in run.Tests.Where(t => t.Outcome == TestOutcomeKind.Passed))
        {
            Assert.Contains($"PASSED {test.Name}\n", run.Log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_pflag_clone_at_HEAD_gives_187_passed()
    {
        using var work = CloneBundle("pflag");

        var run = await RunAsync(work["repo"], TestCommand("pflag"));

        Assert.True(run.CanariesOk, run.Log);
        Assert.Equal(187, run.Tests.Count);
        Assert.All(run.Tests, t => Assert.Equal(TestOutcomeKind.Passed, t.Outcome));
        Assert.Contains(run.Tests, t => t.Name.Contains('/', StringComparison.Ordinal));
    }
}

using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Python;

public sealed class PytestRunnerTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static Core.Tasks.TaskSpec Polyglot(string id) =>
        TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), id).Tasks.Single();

    [Fact]
    public async Task A_stub_whose_module_breaks_the_test_import_fails_with_every_test_not_run()
    {
        var v = await f.GradeAsync(Polyglot("python/go-counting"));

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.True(v.CanariesOk);
        Assert.Equal(new TestCounts(11, 0, 0, 0, 0, 11), v.Counts);
        Assert.Contains("cannot import name 'WHITE'", v.TestLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_solution_that_does_not_compile_is_a_build_failure_and_no_test_runs()
    {
        // The compile check and pytest share one sandboxed process: the check runs first, before any candidate code.
        var v = await f.GradeAsync(Polyglot("python/go-counting"), new Dictionary<string, string> { ["go_counting.py"] = "def broken(:\n    pass\n" });

        Assert.Equal(VerdictStatus.BuildFailed, v.Status);
        Assert.Equal(["the build failed with 1 error(s)"], v.Reasons);
        Assert.Contains("SyntaxError", v.Build!.Log, StringComparison.Ordinal);
        Assert.Contains("go_counting.py", v.Build.Log, StringComparison.Ordinal);
        Assert.Equal(TestCounts.Zero with { Expected = 11 }, v.Counts);
        Assert.Null(v.TestExitCode);
    }

    [Fact]
    public async Task The_reference_of_the_same_task_passes_every_test()
    {
        var v = await f.GradeAsync(Polyglot("python/go-counting"), reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(new TestCounts(11, 11, 11, 0, 0, 0), v.Counts);
    }

    [Fact]
    public async Task The_test_log_of_a_passing_attempt_explains_the_canary_failure_it_shows()
    {
        var task = Polyglot("python/go-counting");
        using var ws = new TempDirectory("candidate");
        using var artifacts = new TempDirectory("artifacts");
        Crucible.Verification.Grading.Workspaces.Materialize(task, ws.Path, task.ReferenceFiles);

        var v = await f.Verifier.VerifyAsync(task, ws.Path, new VerifyOptions { ArtifactsPath = artifacts.Path }, TestContext.Current.CancellationToken);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        var log = File.ReadAllText(Path.Combine(artifacts.Path, "test.log"));
        var note = log.Split("\n\n", 2)[0];
        Assert.StartsWith("# crucible: the harness added two canary tests", note, StringComparison.Ordinal);
        Assert.Contains("is expected", note, StringComparison.Ordinal);
        // The must-fail canary named in the note is the one failure the log itself reports.
        var failing = System.Text.RegularExpressions.Regex.Match(note, @"(test_crucible_canary_\w+\.test_fails_\w+) must fail").Groups[1].Value.Split('.')[^1];
        Assert.Contains(failing, log[note.Length..], StringComparison.Ordinal);
    }
}

/// <summary>Pytest loads no plugin it finds installed (<see cref="VerifierOptions.PytestPluginAutoload"/> off by default).</summary>
public sealed class PytestPluginAutoloadTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static readonly Dictionary<string, string> PluginFiles = new()
    {
        // A distribution in the grading folder (on sys.path) registering a pytest plugin that reports every test as passed.
        ["evil-1.0.dist-info/METADATA"] = "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
        ["evil-1.0.dist-info/entry_points.txt"] = "[pytest11]\nevil = evil_plugin\n",
        ["evil_plugin.py"] = """
            import pytest

            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(item, call):
                outcome = yield
                outcome.get_result().outcome = "passed"

            """,
    };

    private static Core.Tasks.TaskSpec TaskWithEditablePlugin()
    {
        var task = TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), "python/go-counting").Tasks.Single();
        // The plugin files are made editable so they reach the grading folder: the test is about pytest, not about scope.
        return task with { Editable = [.. task.Editable, .. PluginFiles.Keys] };
    }

    [Fact]
    public async Task An_installed_pytest_plugin_is_not_loaded_and_the_attempt_is_graded_on_its_own_results()
    {
        var v = await f.GradeAsync(TaskWithEditablePlugin(), PluginFiles, reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.True(v.CanariesOk);
        Assert.Equal(new TestCounts(11, 11, 11, 0, 0, 0), v.Counts);
    }

    [Fact]
    public async Task With_autoload_on_the_same_plugin_loads_and_its_forged_reports_are_caught_by_the_canary()
    {
        // The control for the test above: the plugin does load when autoload is on, so its absence there is the setting's doing.
        var autoload = new VerifierFixtureWith(f.Verifier.Options with { PytestPluginAutoload = true });

        var v = await autoload.GradeAsync(TaskWithEditablePlugin(), PluginFiles);

        Assert.Equal(VerdictStatus.Forged, v.Status);
        Assert.False(v.CanariesOk);
    }

    private sealed class VerifierFixtureWith(VerifierOptions options)
    {
        public async Task<Verdict> GradeAsync(Core.Tasks.TaskSpec task, IReadOnlyDictionary<string, string> files)
        {
            using var ws = new TempDirectory("candidate");
            Crucible.Verification.Grading.Workspaces.Materialize(task, ws.Path);
            foreach (var (path, content) in files)
            {
                ws.Write(path, content);
            }
            return await new Verifier(options).VerifyAsync(task, ws.Path, null, TestContext.Current.CancellationToken);
        }
    }
}

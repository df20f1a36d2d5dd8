using System.Text.Json;
using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>`crucible eval` and `crucible tasks` driven as a user would: bad input exits 2 with the problem and the fix.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-eval");

    public void Dispose() => _dir.Dispose();

    private static void AssertBadInput(CliResult r, string problem)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(problem, r.Stderr, StringComparison.Ordinal);
        Assert.Contains("fix:", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal); // no stack trace
    }

    /// <summary>Writes a copy of the slugify example with <paramref name="taskYaml"/> as its task file.</summary>
    private string SuiteWithTask(string taskYaml, bool withTests = true)
    {
        var task = Path.Combine(_dir.Path, "suite", "slugify");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.Examples, "slugify"), "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(Path.Combine(TestPaths.Examples, "slugify"), file);
            if (!withTests && rel.EndsWith("Tests.cs", StringComparison.Ordinal))
            {
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(task, rel))!);
            File.Copy(file, Path.Combine(task, rel));
        }
        File.WriteAllText(Path.Combine(task, "task.yaml"), taskYaml);
        return Path.Combine(_dir.Path, "suite");
    }

    [Fact]
    public async Task A_suite_path_that_does_not_exist_is_bad_input()
    {
        var r = await CliProcess.RunAsync(_dir.Path, "eval", "no/such/suite", "--solver", "reference");

        AssertBadInput(r, "no/such/suite' does not exist");
    }

    [Fact]
    public async Task A_folder_without_task_files_is_bad_input()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "empty", "sometask"));
        File.WriteAllText(Path.Combine(_dir.Path, "empty", "sometask", "Program.cs"), "class P {}");

        var r = await CliProcess.RunAsync(_dir.Path, "eval", "empty", "--solver", "reference");

        AssertBadInput(r, "no tasks found in '");
        Assert.Contains("empty'", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_task_yaml_names_the_file_and_line()
    {
        var suite = SuiteWithTask("id: slugify\nlanguage: csharp\neditable: [Slug.cs\ntests:\n  - SlugTests.cs\n");

        var r = await CliProcess.RunAsync(_dir.Path, "eval", suite, "--solver", "reference");

        AssertBadInput(r, "task.yaml");
        Assert.Matches(@"line \d+", r.Stderr);
    }

    [Fact]
    public async Task A_task_yaml_missing_a_required_field_names_the_field()
    {
        var suite = SuiteWithTask("id: slugify\nlanguage: csharp\ninstructions: instructions.md\ntests:\n  - SlugTests.cs\n");

        var r = await CliProcess.RunAsync(_dir.Path, "eval", suite, "--solver", "reference");

        AssertBadInput(r, "editable");
    }

    [Fact]
    public async Task A_task_with_no_tests_is_bad_input()
    {
        var suite = SuiteWithTask("id: slugify\nlanguage: csharp\ninstructions: instructions.md\neditable:\n  - Slug.cs\ntests: []\n", withTests: false);

        var r = await CliProcess.RunAsync(_dir.Path, "eval", suite, "--solver", "reference");

        AssertBadInput(r, "test");
    }

    [Fact]
    public async Task An_unknown_solver_is_bad_input_listing_the_known_ones()
    {
        var r = await CliProcess.RunAsync(_dir.Path, "eval", TestPaths.Examples, "--solver", "oracle");

        AssertBadInput(r, "unknown solver 'oracle'");
        Assert.Contains("reference", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resuming_an_unknown_run_is_bad_input()
    {
        var r = await CliProcess.RunAsync(_dir.Path, "eval", "--resume", "20990101-000000-beef");

        AssertBadInput(r, "no run '20990101-000000-beef'");
    }

    [Fact]
    public async Task The_readme_default_run_grades_the_example_suite_and_stores_the_run()
    {
        var r = await CliProcess.RunAsync(_dir.Path, "eval", TestPaths.Examples, "--solver", "reference", "--jobs", "2", "--json");

        Assert.Equal(0, r.ExitCode);
        using var summary = JsonDocument.Parse(r.Stdout);
        var tasks = Directory.GetDirectories(TestPaths.Examples).Length;
        Assert.Equal(tasks, summary.RootElement.GetProperty("attempts").GetInt32());
        Assert.Equal(tasks, summary.RootElement.GetProperty("passed").GetInt32());
        Assert.True(File.Exists(Path.Combine(_dir.Path, ".crucible", "crucible.db")));
        var runFolder = Assert.Single(Directory.GetDirectories(Path.Combine(_dir.Path, ".crucible", "runs")));
        Assert.Equal(tasks, Directory.GetDirectories(Path.Combine(runFolder, "tasks")).Length);
        // --json keeps stdout to the summary, and progress still reaches stderr: the run header and a line per attempt.
        Assert.Contains($"run {Path.GetFileName(runFolder)}", r.Stderr, StringComparison.Ordinal);
        Assert.Contains($"[{tasks}/{tasks}]", r.Stderr, StringComparison.Ordinal);
        foreach (var dir in Directory.GetDirectories(TestPaths.Examples))
        {
            Assert.Matches($@"{Path.GetFileName(dir)}#\d+: passed", r.Stderr);
        }
    }

    [Fact]
    public async Task Tasks_list_shows_every_example_task()
    {
        var r = await CliProcess.RunAsync(_dir.Path, "tasks", "list", TestPaths.Examples);

        Assert.Equal(0, r.ExitCode);
        foreach (var dir in Directory.GetDirectories(TestPaths.Examples))
        {
            Assert.Contains(Path.GetFileName(dir), r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_run_killed_with_sigkill_resumes_without_redoing_finished_tasks()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = _dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { CliProcess.CliDll, "eval", TestPaths.Examples, "--solver", "reference", "--jobs", "1", "--json" })
        {
            start.ArgumentList.Add(a);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var runs = Path.Combine(_dir.Path, ".crucible", "runs");
        string? firstVerdict = null;
        for (var waited = 0; firstVerdict is null && waited < 600 && !process.HasExited; waited++)
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            firstVerdict = Directory.Exists(runs) ? Directory.EnumerateFiles(runs, "verdict.json", SearchOption.AllDirectories).FirstOrDefault() : null;
        }
        Assert.NotNull(firstVerdict);
        // The result row follows its verdict file within milliseconds; the next attempt takes seconds.
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        process.Kill(entireProcessTree: false); // SIGKILL to the CLI alone, as `kill -9` would
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var runId = Path.GetFileName(Assert.Single(Directory.GetDirectories(runs)));
        var finished = Directory.EnumerateFiles(runs, "verdict.json", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        var r = await CliProcess.RunAsync(_dir.Path, "eval", "--resume", runId, "--json");

        Assert.Equal(0, r.ExitCode);
        using var summary = JsonDocument.Parse(r.Stdout);
        var tasks = Directory.GetDirectories(TestPaths.Examples).Length;
        Assert.Equal(tasks, summary.RootElement.GetProperty("attempts").GetInt32());
        Assert.Equal(tasks, summary.RootElement.GetProperty("passed").GetInt32());
        Assert.All(finished, f => Assert.Equal(f.Value, File.GetLastWriteTimeUtc(f.Key)));
    }
}

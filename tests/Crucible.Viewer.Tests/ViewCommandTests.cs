using System.Runtime.InteropServices;
using Crucible.Cli;
using Crucible.Flywheel.Storage;
using Crucible.Testing;

namespace Crucible.Viewer.Tests;

/// <summary><c>crucible view</c> and <c>crucible eval report</c> as commands: options, bad input, the browser seam.</summary>
[Collection(AgentRunCollection.Name)]
public sealed class ViewCommandTests(AgentRunFixture run)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task View_with_a_run_and_open_prints_the_runs_url_and_hands_exactly_it_to_the_browser()
    {
        using var interrupts = new CliInterrupts();
        var output = new StringWriter();
        var opened = new List<Uri>();
        using var context = run.Context(output, new StringWriter(), interrupts: interrupts, openBrowser: u => { opened.Add(u); return null; });

        var serving = CliApp.RunAsync(["view", run.RunId[..^1], "--open"], context);
        while (opened.Count == 0 && !serving.IsCompleted)
        {
            await Task.Delay(20, Ct);
        }
        interrupts.Raise(PosixSignal.SIGTERM);

        Assert.Equal(ExitCodes.Ok, await serving.WaitAsync(TimeSpan.FromMinutes(1), Ct));
        var url = Assert.Single(opened);
        Assert.Equal(url.AbsoluteUri, output.ToString().Trim());
        Assert.Equal($"#/run/{run.RunId}", url.Fragment);
    }

    [Theory]
    [InlineData(new[] { "view", "no-such-run" }, "no run 'no-such-run'")]
    [InlineData(new[] { "view", "--listen", "localhost" }, "--listen 'localhost' is not an IP address")]
    [InlineData(new[] { "view", "--port", "70000" }, "--port 70000 is not a port")]
    [InlineData(new[] { "eval", "report", "no-such-run", "--html", "r.html" }, "no run 'no-such-run'")]
    [InlineData(new[] { "eval", "report", "x" }, "no output given")]
    public async Task Bad_input_exits_2_with_the_problem_and_writes_nothing(string[] args, string problem)
    {
        var errors = new StringWriter();
        using var context = run.Context(new StringWriter(), errors);

        var code = await CliApp.RunAsync(args, context);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(problem, errors.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run.Dir.Path, "r.html")));
    }

    [Fact]
    public async Task A_folder_without_runs_is_bad_input_and_no_database_is_created()
    {
        using var empty = new TempDirectory("viewer-empty");
        var errors = new StringWriter();
        using var context = new CliContext(run.Context(new StringWriter(), errors).Setup with { WorkingDirectory = empty.Path });

        var code = await CliApp.RunAsync(["view"], context);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("no evaluation runs here", errors.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(empty.Path, ".crucible")));
    }

    [Fact]
    public async Task The_report_inlines_every_attempt_and_text_of_a_run_cannot_close_its_script_element()
    {
        using var dir = new TempDirectory("viewer-report");
        using (var store = new ResultStore(dir["crucible.db"]))
        {
            await SyntheticRuns.CreateAsync(store, dir["runs"], "run-x", 2, 2, (_, _) => true);
        }
        var trajectory = dir["runs/run-x/tasks/task-000/0/trajectory.jsonl"];
        File.WriteAllText(trajectory, File.ReadAllText(trajectory).Replace("Solve task-000.", "</script><script>alert(1)</script>", StringComparison.Ordinal));
        using var catalog = new RunCatalog(dir["crucible.db"]);

        Assert.True(StaticReport.Write(catalog, "run-x", dir["report.html"]));

        var html = File.ReadAllText(dir["report.html"]);
        Assert.DoesNotContain("<script>alert(1)", html, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(html, "</script>").Count); // the data's and the app's
        var data = StaticReport.Data(catalog, "run-x")!;
        Assert.Equal(["runs", "run\nrun-x", "task\nrun-x\ntask-000", "task\nrun-x\ntask-001", "attempt\nrun-x\ntask-000\n0", "attempt\nrun-x\ntask-000\n1", "attempt\nrun-x\ntask-001\n0", "attempt\nrun-x\ntask-001\n1"],
            data.Documents.Keys);
    }
}

using System.Text.Json;
using Crucible.Testing;
using Crucible.Testing.OpenAI;
using static Crucible.Cli.Tests.ScriptedModelEndpoint;

namespace Crucible.Cli.Tests;

/// <summary>
/// A provider outage is not a result: <c>crucible eval --solver agent</c> against a local OpenAI-compatible server that
/// answers HTTP 500. No attempt counts as a failure of the solver, the run is <c>degraded</c> (exit 3), and
/// <c>--resume</c> redoes exactly the errored attempts, leaving the finished ones (and their files) alone.
/// </summary>
public sealed class EvalOutageTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-eval-outage");

    public EvalOutageTests()
    {
        WritePrices(_dir.Path);
        // Two tries per call, no real backoff: an outage shows up in milliseconds.
        File.WriteAllText(Path.Combine(_dir.Path, ".crucible", "settings.json"), """
            { "prices": "prices.json", "retry": { "max_attempts": 2, "base_delay_ms": 1, "max_delay_ms": 1 } }
            """);
    }

    public void Dispose() => _dir.Dispose();

    private async Task<(int Code, JsonElement Summary, string Err)> EvalAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new CliContext(TestContexts.Setup(_dir.Path, output, errors, _dir.Path));
        var code = await CliApp.RunAsync(args, context);
        using var doc = JsonDocument.Parse(output.ToString());
        return (code, doc.RootElement.Clone(), errors.ToString());
    }

    private static OpenAIReply ServerError() => OpenAIReply.Error(500, "The server had an error while processing your request.", "server_error");

    private static string Reference(string task, string file) => File.ReadAllText(Path.Combine(TestPaths.Examples, task, "reference", file));

    private static Dictionary<string, string> Outcomes(JsonElement summary) =>
        summary.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("taskId").GetString()!, r => r.GetProperty("outcome").GetString()!);

    [Fact]
    public async Task Model_errors_are_not_failures_the_run_is_degraded_and_resume_redoes_exactly_the_errored_attempts()
    {
        await using var model = await StartAsync();
        string[] start = ["eval", TestPaths.Examples, "--filter", "median-fix,slugify", "--solver", "agent", "--model", model.Spec, "--json"];

        // 1. Every call fails (two tries each): nothing is graded, nothing counts as the solver's failure.
        for (var i = 0; i < 4; i++)
        {
            model.Server.Enqueue(ServerError());
        }
        var (code, first, err) = await EvalAsync(start);

        Assert.True(code == ExitCodes.Degraded, $"exit {code}\n{err}");
        var runId = first.GetProperty("run").GetProperty("id").GetString()!;
        var folder = first.GetProperty("run").GetProperty("folder").GetString()!;
        Assert.Equal(("degraded", 2, 0, 0, 2), (first.GetProperty("run").GetProperty("status").GetString(), first.GetProperty("attempts").GetInt32(), first.GetProperty("graded").GetInt32(), first.GetProperty("passed").GetInt32(), first.GetProperty("excluded").GetInt32()));
        Assert.Equal(new Dictionary<string, string> { ["median-fix"] = "model-error", ["slugify"] = "model-error" }, Outcomes(first));
        Assert.Equal(0, first.GetProperty("byOutcome").GetProperty("tests-failed").GetInt32() + first.GetProperty("byOutcome").GetProperty("build-failed").GetInt32());
        Assert.Equal(0, first.GetProperty("passAtK").GetArrayLength()); // no graded sample: no pass rate to report
        Assert.False(Directory.Exists(Path.Combine(folder, "tasks", "slugify", "0", "candidate"))); // the untouched stub was not graded
        Assert.Contains("median-fix#0: model-error (model call failed", err, StringComparison.Ordinal); // progress on stderr with --json
        Assert.Equal(4, model.Server.Received.Count);

        // 2. Resume: the provider is back for median-fix only.
        model.Server.Enqueue(Reply("Fixing the median.", 900, 100, Call("write", new { path = "Statistics.cs", content = Reference("median-fix", "Statistics.cs") })));
        model.Server.Enqueue(Reply("Done.", 1000, 10));
        model.Server.Enqueue(ServerError());
        model.Server.Enqueue(ServerError());
        (code, var second, err) = await EvalAsync("eval", "--resume", runId, "--json");

        Assert.True(code == ExitCodes.Degraded, $"exit {code}\n{err}");
        Assert.Equal(new Dictionary<string, string> { ["median-fix"] = "passed", ["slugify"] = "model-error" }, Outcomes(second));
        Assert.Equal((1, 1, 1.0), (second.GetProperty("graded").GetInt32(), second.GetProperty("excluded").GetInt32(), second.GetProperty("passRate").GetDouble()));
        var finished = Path.Combine(folder, "tasks", "median-fix", "0");
        var finishedFiles = Directory.GetFiles(finished, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Contains(Path.Combine(finished, "verdict.json"), finishedFiles.Keys);
        Assert.Equal(8, model.Server.Received.Count);
        await Task.Delay(20, TestContext.Current.CancellationToken); // a rewrite would get a later file time

        // 3. Resume again: only slugify is redone; median-fix's files keep their times.
        model.Server.Enqueue(Reply("Writing the slug function.", 900, 100, Call("write", new { path = "Slug.cs", content = Reference("slugify", "Slug.cs") })));
        model.Server.Enqueue(Reply("Done.", 1000, 10));
        (code, var third, err) = await EvalAsync("eval", "--resume", runId, "--json");

        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{err}");
        Assert.Equal(new Dictionary<string, string> { ["median-fix"] = "passed", ["slugify"] = "passed" }, Outcomes(third));
        Assert.Equal(("completed", 2, 0), (third.GetProperty("run").GetProperty("status").GetString(), third.GetProperty("passed").GetInt32(), third.GetProperty("excluded").GetInt32()));
        Assert.Equal(10, model.Server.Received.Count);
        Assert.Equal(finishedFiles, Directory.GetFiles(finished, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        Assert.Empty(model.Server.Violations);

        // A completed run cannot be resumed.
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new CliContext(TestContexts.Setup(_dir.Path, output, errors, _dir.Path));
        Assert.Equal(ExitCodes.BadInput, await CliApp.RunAsync(["eval", "--resume", runId], context));
        Assert.Contains("already completed", errors.ToString(), StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Text.Json;
using Crucible.Testing;

namespace Crucible.Distributed.Tests;

/// <summary><c>crucible eval --broker --db</c> end to end: the real CLI, a real worker process, real C# verifications.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class EvalOnWorkersTests(ScaleOutFixture services) : IDisposable
{
    private readonly TempDirectory _dir = new("crucible-eval-workers");

    [Fact]
    public async Task Eval_with_a_broker_grades_on_worker_processes_and_answers_an_identical_rerun_from_the_result_table()
    {
        var scenario = services.NewScenario();
        using var worker = scenario.StartWorker(slots: 2);
        await worker.WaitForAsync("ready", TimeSpan.FromMinutes(2));
        string[] args = ["eval", TestPaths.Examples, "--filter", "slugify,median-fix", "-j", "2", "--json", "--state-dir", _dir["state"], .. scenario.Flags];

        var first = await RunCliAsync(args);
        var second = await RunCliAsync(args);

        Assert.True(first.Code == 0, first.Err);
        Assert.Equal([("median-fix", "Passed"), ("slugify", "Passed")], Verdicts(first.Out));
        Assert.Contains("workers: 2 job(s) published, 0 answered from the result table, 0 dead-lettered", first.Err, StringComparison.Ordinal);
        Assert.Equal($"2|{worker.Name}", services.Postgres.Query(scenario.Name, "SELECT count(*) || '|' || min(worker) FROM crucible_results WHERE status = 'Passed'"));
        Assert.True(second.Code == 0, second.Err);
        Assert.Equal(Verdicts(first.Out), Verdicts(second.Out));
        Assert.Contains("workers: 0 job(s) published, 2 answered from the result table, 0 dead-lettered", second.Err, StringComparison.Ordinal);
        Assert.Equal(2, worker.Log.Split('\n').Count(l => l.Contains("finished job", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Eval_refuses_a_broker_without_a_database_before_doing_anything()
    {
        var result = await RunCliAsync(["eval", TestPaths.Examples, "--state-dir", _dir["state"], "--broker", "amqp://localhost/"]);

        Assert.Equal(2, result.Code);
        Assert.Contains("--broker and --db go together", result.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir["state/runs"]));
    }

    private static List<(string, string)> Verdicts(string summaryJson)
    {
        using var doc = JsonDocument.Parse(summaryJson);
        return doc.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty("taskId").GetString()!, r.GetProperty("status").GetString()!))
            .OrderBy(v => v.Item1, StringComparer.Ordinal).ToList();
    }

    private async Task<(int Code, string Out, string Err)> RunCliAsync(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "crucible.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (p.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => _dir.Dispose();
}

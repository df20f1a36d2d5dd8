using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;

namespace Crucible.Distributed.Tests;

/// <summary>
/// <c>crucible serve --broker --db</c> end to end: the real serve process turns <c>/v1/verify</c> into a job for a real
/// <c>crucible worker</c> process through the private RabbitMQ, and reads the verdict back from the private PostgreSQL.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed partial class ServeOnWorkersTests(ScaleOutFixture services) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly NapTask _nap = new();

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();

    [Fact]
    public async Task Serve_with_a_broker_grades_verify_requests_on_a_worker_process_with_the_local_verdict_and_stores_one_row_each()
    {
        var scenario = services.NewScenario();
        using var worker = scenario.StartWorker();
        using var remote = scenario.StartServe("--suite", "nap=" + _nap.Suite);
        // The same server without --broker/--db: it grades in its own process, as serve does by default.
        using var local = new WorkerProcess(["serve", "--listen", "127.0.0.1:0", "--suite", "nap=" + _nap.Suite]);
        await worker.WaitForAsync("ready", Patience);
        using var remoteHttp = await ClientAsync(remote);
        using var localHttp = await ClientAsync(local);

        var passing = await VerifyAsync(remoteHttp, "pass", 42);
        var failing = await VerifyAsync(remoteHttp, "fail", 41);
        var passingLocally = await VerifyAsync(localHttp, "pass", 42);
        var failingLocally = await VerifyAsync(localHttp, "fail", 41);

        Assert.Equal((1.0, VerdictStatus.Passed), (passing.Reward, passing.Verdict.Status));
        Assert.Equal((0.0, VerdictStatus.Failed), (failing.Reward, failing.Verdict.Status));
        Assert.Equal(Comparable(passingLocally.Verdict), Comparable(passing.Verdict));
        Assert.Equal(Comparable(failingLocally.Verdict), Comparable(failing.Verdict));
        Assert.Equal($"Failed,Passed|{worker.Name}", services.Postgres.Query(scenario.Name, "SELECT string_agg(status, ',' ORDER BY status) || '|' || min(worker) FROM crucible_results"));
        Assert.Equal(2, worker.Log.Split('\n').Count(l => l.Contains("finished job", StringComparison.Ordinal)));
    }

    private static async Task<HttpClient> ClientAsync(WorkerProcess serve) =>
        new() { BaseAddress = new Uri(ListeningOn().Match(await serve.WaitForAsync("listening on", Patience)).Groups[1].Value), Timeout = Patience };

    private async Task<(double Reward, Verdict Verdict)> VerifyAsync(HttpClient http, string name, int value)
    {
        var candidate = _nap.Candidate(name, seconds: 0, value);
        var request = new { task = new { suite = "nap", id = "nap" }, files = new Dictionary<string, string> { ["nap.py"] = File.ReadAllText(Path.Combine(candidate, "nap.py")) } };
        using var response = await http.PostAsJsonAsync("/v1/verify", request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, text);
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("reward").GetDouble(), body.RootElement.GetProperty("verdict").Deserialize<Verdict>(ResultStore.Json)!);
    }

    /// <summary>The whole verdict as JSON, without what differs between two runs of the same grading: timings and logs.</summary>
    private static string Comparable(Verdict v) => JsonSerializer.Serialize(v with
    {
        Duration = default,
        TestLog = "",
        Build = v.Build is { } b ? b with { Duration = default, Log = "" } : null,
        Tests = [.. v.Tests.Select(t => t with { Duration = default })],
    }, ResultStore.Json);

    public void Dispose() => _nap.Dispose();
}

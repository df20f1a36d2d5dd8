// Load bench of crucible serve: N concurrent POST /v1/verify requests (default 200) against a real server, sandbox
// and verifier, on the Python task tests/Crucible.Server.Tests/Suites/pysuite/add. Reports errors, the peak number of
// requests waiting for a slot (bounded by the policy's queue capacity), and latency p50/p95 as ratios against a
// baseline from the same run: the latency of one request on an idle server.
// Usage: dotnet run -c Release --project bench/Crucible.Bench.Server -- [--requests 200] [--slots N] [--baseline 5]
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Crucible.Core.IO;
using Crucible.Sandbox;
using Crucible.Server;
using Crucible.Verification;

int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
var requests = Arg("--requests", 200);
var baselineRuns = Arg("--baseline", 5);
var slots = Arg("--slots", Environment.ProcessorCount);

var root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "Crucible.slnx")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from inside the repository");
}
var sandbox = new BubblewrapSandbox();
sandbox.EnsureAvailable();
var options = new ServerOptions
{
    Verifier = new Verifier(new VerifierOptions { Sandbox = sandbox }),
    Sandbox = sandbox,
    Suites = new Dictionary<string, string> { ["pysuite"] = Path.Combine(root, "tests", "Crucible.Server.Tests", "Suites", "pysuite") },
    JobRoot = ProcessTemp.NewPath("bench-serve-"),
    Listen = "127.0.0.1:0",
    Policy = ServerPolicy.Default with { Slots = slots },
};
await using var app = ServerApp.Build(options);
await app.StartAsync();
using var http = new HttpClient { BaseAddress = ServerApp.Address(app), Timeout = TimeSpan.FromMinutes(30) };
var body = new { task = new { suite = "pysuite", id = "add" }, files = new Dictionary<string, string> { ["add.py"] = "def add(a, b):\n    return a + b\n" } };

async Task<(double Seconds, int Status, double Reward)> OneAsync()
{
    var clock = Stopwatch.StartNew();
    using var response = await http.PostAsJsonAsync("/v1/verify", body);
    var json = await response.Content.ReadFromJsonAsync<JsonElement>();
    var reward = response.IsSuccessStatusCode ? json.GetProperty("reward").GetDouble() : -1;
    return (clock.Elapsed.TotalSeconds, (int)response.StatusCode, reward);
}

static double Percentile(IReadOnlyList<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

await OneAsync(); // warm-up: JIT, first sandbox start
var baseline = new List<double>();
for (var i = 0; i < baselineRuns; i++)
{
    baseline.Add((await OneAsync()).Seconds);
}
baseline.Sort();
var baselineP50 = Percentile(baseline, 0.5);

var slotsService = app.Services.GetService(typeof(VerificationSlots)) as VerificationSlots;
var wall = Stopwatch.StartNew();
var results = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => Task.Run(OneAsync)));
wall.Stop();
var latencies = results.Select(r => r.Seconds).Order().ToList();
var errors = results.Count(r => r.Status != 200 || r.Reward != 1.0);
var p50 = Percentile(latencies, 0.5);
var p95 = Percentile(latencies, 0.95);
// With S slots and a per-verification time of b (the baseline), N requests cannot finish before N*b/S: the ideal.
var ideal = requests * baselineP50 / slots;

Console.WriteLine($"crucible serve load bench: {requests} concurrent POST /v1/verify (pysuite/add, python, bubblewrap), {slots} slot(s), {Environment.ProcessorCount} core(s)");
Console.WriteLine($"  baseline (one request, idle server, median of {baselineRuns}): {baselineP50:F3} s");
Console.WriteLine($"  errors: {errors} of {requests}");
Console.WriteLine($"  peak waiting for a slot: {slotsService?.PeakWaiting} (queue capacity {options.Policy.QueueCapacity}; beyond it requests get 503)");
Console.WriteLine($"  latency p50: {p50:F2} s = {p50 / baselineP50:F1}x baseline; p95: {p95:F2} s = {p95 / baselineP50:F1}x baseline; max {latencies[^1]:F2} s");
Console.WriteLine($"  wall: {wall.Elapsed.TotalSeconds:F1} s for {requests} = {requests / wall.Elapsed.TotalSeconds:F2} verifications/s; ideal from the baseline: {ideal:F1} s ({wall.Elapsed.TotalSeconds / ideal:F2}x ideal)");
await app.StopAsync();
ProcessTemp.DeleteTree(options.JobRoot);
return errors == 0 ? 0 : 1;

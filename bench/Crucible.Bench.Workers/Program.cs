// Scale-out bench: N jobs across 1, 2 and 4 worker processes on private RabbitMQ and PostgreSQL instances.
//
//   dotnet run -c Release --project bench/Crucible.Bench.Workers -- [--jobs 2000] [--ms 25] [--real-jobs 2000]
//
// Two measurements per worker count, each in a fresh virtual host and database:
//   synthetic: every job is a real job (inline task, unique candidate, encoded, published, materialised on the worker,
//              stored in PostgreSQL, read back by the client) whose grading is a fixed-duration wait. Ideal wall time is
//              jobs x duration / workers; the difference, per job and worker, is the dispatch overhead.
//   real:      Python verifications in the bubblewrap sandbox (pytest), reported as tasks per hour.
// Each worker is its own process (this program in worker mode) with one slot.
using System.Diagnostics;
using System.Globalization;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Distributed;
using Crucible.Sandbox;
using Crucible.Testing.ScaleOut;
using Crucible.Verification;
using Crucible.Verification.Tasks;

if (args.Length > 0 && args[0] == "worker")
{
    // worker BROKER DB (synthetic MS | real)
    var endpoints = Endpoints.Parse(args[1], args[2])!;
    IVerifier verifier = args[3] == "synthetic"
        ? new FixedDurationVerification(TimeSpan.FromMilliseconds(double.Parse(args[4], CultureInfo.InvariantCulture)))
        : new Verifier(new VerifierOptions { Sandbox = new BubblewrapSandbox() });
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
    await new WorkerHost(new WorkerOptions { Endpoints = endpoints, Verifier = verifier, Slots = 1 }).RunAsync(stop.Token);
    return 0;
}

int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
var jobCount = Arg("--jobs", 2000);
var ms = Arg("--ms", 25);
var realJobs = Arg("--real-jobs", 2000);
int[] workerCounts = [1, 2, 4];

using var rabbit = new PrivateRabbitMq();
using var postgres = new PrivatePostgres();
var taskDir = Path.Combine(Path.GetTempPath(), $"crucible-bench-workers-{Guid.NewGuid():N}");
Directory.CreateDirectory(Path.Combine(taskDir, "suite/add/workspace"));
File.WriteAllText(Path.Combine(taskDir, "suite/add/task.yaml"), "id: add\nlanguage: python\ninstructions: instructions.md\neditable:\n  - add.py\ntests:\n  - test_add.py\n");
File.WriteAllText(Path.Combine(taskDir, "suite/add/instructions.md"), "Implement add.\n");
File.WriteAllText(Path.Combine(taskDir, "suite/add/workspace/add.py"), "def add(a, b):\n    return 0\n");
File.WriteAllText(Path.Combine(taskDir, "suite/add/workspace/test_add.py"), "from add import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n");
var task = TaskSuites.Load(Path.Combine(taskDir, "suite")).Tasks.Single();
var inline = Jobs.Create(task, Path.Combine(taskDir, "suite/add/workspace")).Task;

// Unique candidates, so no job is answered from the table.
IReadOnlyList<VerificationJob> MakeJobs(int n, string run) => Enumerable.Range(0, n).Select(i => Jobs.Create(inline,
[
    new CandidateFile("add.py", System.Text.Encoding.UTF8.GetBytes($"# {run} {i}\ndef add(a, b):\n    return a + b\n")),
    new CandidateFile("test_add.py", File.ReadAllBytes(Path.Combine(taskDir, "suite/add/workspace/test_add.py"))),
])).ToList();

var scenario = 0;
async Task<(TimeSpan Wall, int Passed)> RunAsync(int workers, IReadOnlyList<VerificationJob> jobs, string[] mode)
{
    // A fresh database per run (so nothing is answered from the table); the queue is empty between runs, so one virtual host serves.
    var name = $"b{++scenario}";
    postgres.CreateDatabase(name);
    var endpoints = Endpoints.Parse(rabbit.Uri(), postgres.Uri(name))!;
    var processes = Enumerable.Range(0, workers).Select(_ =>
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])[typeof(FixedDurationVerification).Assembly.Location, "worker", rabbit.Uri(), postgres.Uri(name), .. mode])
        {
            start.ArgumentList.Add(a);
        }
        var p = Process.Start(start)!;
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return p;
    }).ToList();
    try
    {
        await using var client = await BrokerVerifier.ConnectAsync(endpoints);
        // Warm-up: one job per worker, so process start and JIT are not counted.
        await Task.WhenAll(MakeJobs(workers, $"warm-{name}").Select(j => client.SubmitAsync(j)));
        var clock = Stopwatch.StartNew();
        var verdicts = await Task.WhenAll(jobs.Select(j => client.SubmitAsync(j)));
        return (clock.Elapsed, verdicts.Count(v => v.Status == VerdictStatus.Passed));
    }
    finally
    {
        foreach (var p in processes)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            p.Dispose();
        }
    }
}

// The machine is shared: the load average (1, 5, 15 minutes) is printed beside every row, so a slow row can be read against it.
static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
Console.WriteLine($"machine: {Environment.ProcessorCount} cores; synthetic job {ms} ms x {jobCount}; real Python verifications x {realJobs}; load average at start {Load()}");
Console.WriteLine();
Console.WriteLine("synthetic (fixed-duration grading)");
Console.WriteLine("workers | wall s | ideal s | jobs/s | throughput vs ideal | overhead ms/job (per worker) | passed | load after");
double? baseline = null;
foreach (var n in workerCounts)
{
    var (wall, passed) = await RunAsync(n, MakeJobs(jobCount, $"s{n}"), ["synthetic", ms.ToString(CultureInfo.InvariantCulture)]);
    var ideal = jobCount * ms / 1000.0 / n;
    var overhead = (wall.TotalMilliseconds * n - jobCount * ms) / jobCount;
    baseline ??= jobCount / wall.TotalSeconds;
    Console.WriteLine($"{n,7} | {wall.TotalSeconds,6:F1} | {ideal,7:F1} | {jobCount / wall.TotalSeconds,6:F1} | {ideal / wall.TotalSeconds,19:P0} | {overhead,28:F1} | {passed} | {Load()}  (speed-up vs 1 worker: {jobCount / wall.TotalSeconds / baseline:F2}x)");
}
Console.WriteLine();
Console.WriteLine("real (Python + pytest in bubblewrap)");
Console.WriteLine("workers | wall s | tasks/hour | passed | speed-up vs 1 worker | load after");
double? realBaseline = null;
foreach (var n in workerCounts)
{
    var (wall, passed) = await RunAsync(n, MakeJobs(realJobs, $"r{n}"), ["real"]);
    var perHour = realJobs / wall.TotalHours;
    realBaseline ??= perHour;
    Console.WriteLine($"{n,7} | {wall.TotalSeconds,6:F1} | {perHour,10:F0} | {passed,6} | {perHour / realBaseline,6:F2}x | {Load()}");
}
Directory.Delete(taskDir, recursive: true);
return 0;

/// <summary>The bench's stand-in for grading: waits a fixed time and passes. Only the bench's synthetic workers use it.</summary>
internal sealed class FixedDurationVerification(TimeSpan duration) : IVerifier
{
    public async Task<Verdict> VerifyAsync(TaskSpec task, string workspacePath, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        await Task.Delay(duration, cancellationToken);
        return new Verdict { TaskId = task.Id, Status = VerdictStatus.Passed, Sandbox = "synthetic", Duration = duration };
    }
}

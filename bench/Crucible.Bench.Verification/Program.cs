// Verification speed on real Exercism tasks, against a plain `dotnet test` of the same tasks in the same run.
//
//   dotnet run -c Release --project bench/Crucible.Bench.Verification -- [--tasks N] [--cold N]
//
// Baseline: each task copied to a fresh folder with the reference solution (the adjustments of
// ../shared/benchmarks/exercism-csharp/README.md: unskipped tests, restorable csproj), then a plain
// `dotnet test` on the host, no sandbox, with the NuGet package cache warm.
// Crucible cold: a fresh, empty template cache, so the verification includes building its template.
// Crucible warm: the template cache already holds the task's template (the normal case in a run).
// Warm runs are measured at --jobs 1 and --jobs 2 over the same tasks; tasks/hour is derived from the
// wall time of each sweep.
using System.Diagnostics;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

var taskCount = ArgInt("--tasks", 12);
var coldCount = ArgInt("--cold", 3);
var repo = FindRepo();
var practice = Path.GetFullPath(Path.Combine(repo, "..", "shared", "benchmarks", "exercism-csharp", "exercises", "practice"));
var all = TaskSuites.Load(practice).Tasks.Where(t => t.Runner.Packages.Count == 0 && !t.Tags.Contains("deprecated")).ToList();
// Spread the sample across difficulty levels: take tasks round-robin from each difficulty.
var tasks = all.GroupBy(t => t.Difficulty ?? 0).OrderBy(g => g.Key)
    .SelectMany(g => g.Select((t, i) => (t, i))).OrderBy(x => x.i).ThenBy(x => x.t.Difficulty).Select(x => x.t).Take(taskCount).ToList();
Console.WriteLine($"tasks ({tasks.Count}): {string.Join(", ", tasks.Select(t => $"{t.Id}(d{t.Difficulty})"))}");

var sandbox = new BubblewrapSandbox();
sandbox.EnsureAvailable();
var warmOptions = new VerifierOptions { Sandbox = sandbox };
var warm = new Verifier(warmOptions);

// Prime the warm template cache (not measured).
foreach (var t in tasks.DistinctBy(t => Crucible.Verification.Dotnet.DotnetXunitRunner.ProfileOf(t).Key))
{
    await Verify(warm, t);
}

var baseline = new List<double>();
foreach (var t in tasks)
{
    baseline.Add(PlainDotnetTest(t));
}

var cold = new List<double>();
foreach (var t in tasks.Take(coldCount))
{
    var cache = Path.Combine(Path.GetTempPath(), $"crucible-bench-cold-{Guid.NewGuid():N}");
    try
    {
        cold.Add(await Verify(new Verifier(warmOptions with { CacheDirectory = cache }), t));
    }
    finally
    {
        Directory.Delete(cache, true);
    }
}

var (warm1, wall1) = await Sweep(warm, tasks, 1);
var (warm2, wall2) = await Sweep(warm, tasks, 2);

var baseMedian = Median(baseline);
Console.WriteLine();
Console.WriteLine($"{"",-34}{"median s",10}{"p95 s",10}{"tasks/h",10}{"vs dotnet test",16}");
Row("plain dotnet test (baseline)", baseline, baseline.Sum());
Row($"crucible cold (n={cold.Count})", cold, cold.Sum());
Row("crucible warm, jobs 1", warm1, wall1);
Row("crucible warm, jobs 2", warm2, wall2);
Console.WriteLine();
Console.WriteLine("ratio = baseline median / row median (higher is faster); tasks/h from each sweep's wall time.");

void Row(string name, List<double> xs, double wallSeconds) =>
    Console.WriteLine($"{name,-34}{Median(xs),10:F2}{P95(xs),10:F2}{3600 * xs.Count / wallSeconds,10:F0}{baseMedian / Median(xs),15:F2}x");

async Task<(List<double> Each, double Wall)> Sweep(Verifier v, List<TaskSpec> ts, int jobs)
{
    var each = new List<double>();
    var clock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(ts, new ParallelOptions { MaxDegreeOfParallelism = jobs }, async (t, _) =>
    {
        var s = await Verify(v, t);
        lock (each)
        {
            each.Add(s);
        }
    });
    return (each, clock.Elapsed.TotalSeconds);
}

async Task<double> Verify(Verifier v, TaskSpec t)
{
    var ws = Path.Combine(Path.GetTempPath(), $"crucible-bench-{Guid.NewGuid():N}");
    try
    {
        Workspaces.Materialize(t, ws, t.ReferenceFiles);
        var clock = Stopwatch.StartNew();
        var verdict = await v.VerifyAsync(t, ws);
        var s = clock.Elapsed.TotalSeconds;
        // The time of a graded run is what is measured; a reference that fails its own tests now and then
        // (baffling-birthdays is statistical) still ran every test. A run that did not build or grade is a bench error.
        if (verdict.Status is not (VerdictStatus.Passed or VerdictStatus.Failed))
        {
            throw new InvalidOperationException($"{t.Id}: expected a graded run, got {verdict.Status}: {string.Join("; ", verdict.Reasons)}");
        }
        if (verdict.Status != VerdictStatus.Passed)
        {
            Console.WriteLine($"note: {t.Id} reference {verdict.Status}: {string.Join("; ", verdict.Reasons)}");
        }
        return s;
    }
    finally
    {
        Workspaces.DeleteTree(ws);
    }
}

double PlainDotnetTest(TaskSpec t)
{
    var ws = Path.Combine(Path.GetTempPath(), $"crucible-bench-plain-{Guid.NewGuid():N}");
    try
    {
        Workspaces.Materialize(t, ws, t.ReferenceFiles);
        var psi = new ProcessStartInfo("dotnet", ["test", "--nologo", "-v:q"]) { WorkingDirectory = ws, RedirectStandardOutput = true, RedirectStandardError = true };
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        var s = clock.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"plain dotnet test of {t.Id} failed with exit code {p.ExitCode}");
        }
        return s;
    }
    finally
    {
        Workspaces.DeleteTree(ws);
    }
}

static double Median(List<double> xs) => Percentile(xs, 0.5);
static double P95(List<double> xs) => Percentile(xs, 0.95);
static double Percentile(List<double> xs, double p)
{
    var s = xs.Order().ToList();
    return s[Math.Clamp((int)Math.Ceiling(p * s.Count) - 1, 0, s.Count - 1)];
}

int ArgInt(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}

static string FindRepo()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Crucible.slnx")))
        {
            return d.FullName;
        }
    }
    throw new InvalidOperationException("run from inside the repository");
}

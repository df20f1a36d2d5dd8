// Verification speed on real Exercism tasks, against a plain `dotnet test` of the same tasks in the same run.
//
//   dotnet run -c Release --project bench/Crucible.Bench.Verification -- [--tasks N] [--cold N]
//   dotnet run -c Release --project bench/Crucible.Bench.Verification -- --equivalence [--jobs N] [--skip N] [--limit N]
//   dotnet run -c Release --project bench/Crucible.Bench.Verification -- --python [--tasks N]
//
// Baseline: each task copied to a fresh folder with the reference solution (the adjustments of
// ../shared/benchmarks/exercism-csharp/README.md: unskipped tests, restorable csproj), then a plain
// `dotnet test` on the host, no sandbox, with the NuGet package cache warm.
// Crucible cold: a fresh, empty template cache, so the verification includes building its template.
// Crucible warm: the template cache already holds the task's template (the normal case in a run), measured
// for both C# build paths: the compiler process (CSharpFastPath off) and the compile service (the default).
// Warm runs are measured at --jobs 1 and --jobs 2 over the same tasks; tasks/hour is derived from the
// wall time of each sweep.
// --equivalence: every task of the Exercism C# track, each candidate of PathCandidates (reference, stub,
// cheats) graded on both paths; prints every difference and the totals. Exit code 1 when any differ.
// --python: the Aider Python tasks, reference solutions, median seconds per verification.
using System.Diagnostics;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing.FastPath;
using Crucible.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

if (args.Contains("--equivalence"))
{
    return await Equivalence();
}
if (args.Contains("--python"))
{
    return await PythonBench();
}

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
var current = new Verifier(warmOptions with { CSharpFastPath = false });

// Prime the warm template cache (not measured).
foreach (var t in tasks.DistinctBy(t => Crucible.Verification.Dotnet.DotnetXunitRunner.ProfileOf(t).Key))
{
    await Verify(warm, t);
}
// Warm both paths' caches (the compile service loads a template's references on first use; not measured).
foreach (var t in tasks)
{
    await Verify(warm, t);
    await Verify(current, t);
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

var (current1, currentWall1) = await Sweep(current, tasks, 1);
var (warm1, wall1) = await Sweep(warm, tasks, 1);
var (current2, currentWall2) = await Sweep(current, tasks, 2);
var (warm2, wall2) = await Sweep(warm, tasks, 2);

var baseMedian = Median(baseline);
Console.WriteLine();
Console.WriteLine($"{"",-34}{"median s",10}{"p95 s",10}{"tasks/h",10}{"vs dotnet test",16}");
Row("plain dotnet test (baseline)", baseline, baseline.Sum());
if (cold.Count > 0)
{
    Row($"crucible cold (n={cold.Count})", cold, cold.Sum());
}
Row("current path (csc process), jobs 1", current1, currentWall1);
Row("fast path (compile service), jobs 1", warm1, wall1);
Row("current path (csc process), jobs 2", current2, currentWall2);
Row("fast path (compile service), jobs 2", warm2, wall2);
Console.WriteLine();
Console.WriteLine("ratio = baseline median / row median (higher is faster); tasks/h from each sweep's wall time.");
Console.WriteLine($"fast vs current path, median: {Median(current1) / Median(warm1):F1}x at jobs 1, {Median(current2) / Median(warm2):F1}x at jobs 2");
return 0;

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
        if (v.Options.CSharpFastPath && t.Runner.Kind == RunnerKinds.DotnetXunit && verdict.VerificationPath != Crucible.Verification.Dotnet.DotnetXunitRunner.CompileServicePath)
        {
            Console.WriteLine($"note: {t.Id} fell back to {verdict.VerificationPath}: {verdict.FallbackReason}");
        }
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

async Task<int> Equivalence()
{
    var jobs = ArgInt("--jobs", 2);
    var limit = ArgInt("--limit", int.MaxValue);
    var root = FindRepo();
    var dir = Path.GetFullPath(Path.Combine(root, "..", "shared", "benchmarks", "exercism-csharp", "exercises", "practice"));
    // --skip N: start at the N-th task in name order (a sweep split across processes).
    var suite = TaskSuites.Load(dir).Tasks.OrderBy(t => t.Id, StringComparer.Ordinal).Skip(ArgInt("--skip", 0)).Take(limit).ToList();
    var box = new BubblewrapSandbox();
    box.EnsureAvailable();
    var options = new VerifierOptions { Sandbox = box };
    var fast = new Verifier(options);
    var process = new Verifier(options with { CSharpFastPath = false });
    var work = Path.Combine(Path.GetTempPath(), $"crucible-equivalence-{Guid.NewGuid():N}");
    Directory.CreateDirectory(work);
    var pairs = 0;
    var differing = new List<string>();
    var byStatus = new SortedDictionary<string, int>(StringComparer.Ordinal);
    var fellBack = new List<string>();
    double processSeconds = 0, fastSeconds = 0;
    var clock = Stopwatch.StartNew();
    Console.WriteLine($"equivalence sweep: {suite.Count} tasks x {PathCandidates.All.Count} candidates ({string.Join(", ", PathCandidates.All.Select(c => c.Name))}), jobs {jobs}");
    try
    {
        await Parallel.ForEachAsync(suite, new ParallelOptions { MaxDegreeOfParallelism = jobs }, async (t, ct) =>
        {
            foreach (var c in PathCandidates.All)
            {
                var (p, f) = await PathEquivalence.GradeBothAsync(process, fast, t, c, work, ct);
                var diff = PathEquivalence.Differences(p, f);
                if (diff.Count > 0)
                {
                    // A statistical task (baffling-birthdays) can disagree with itself: grade the pair once more before counting it.
                    (p, f) = await PathEquivalence.GradeBothAsync(process, fast, t, c, work, ct);
                    diff = PathEquivalence.Differences(p, f);
                }
                lock (differing)
                {
                    pairs++;
                    if (c == PathCandidates.All[^1])
                    {
                        Console.WriteLine($"done {t.Id} ({pairs} pairs, {differing.Count} differing, {clock.Elapsed.TotalMinutes:F1} min)");
                    }
                    processSeconds += p.Duration.TotalSeconds;
                    fastSeconds += f.Duration.TotalSeconds;
                    var key = $"{c.Name}:{p.Status}";
                    byStatus[key] = byStatus.GetValueOrDefault(key) + 1;
                    if (f.VerificationPath != Crucible.Verification.Dotnet.DotnetXunitRunner.CompileServicePath && p.Status != VerdictStatus.HarnessError)
                    {
                        fellBack.Add($"{t.Id}/{c.Name}: {f.FallbackReason}");
                    }
                    if (diff.Count > 0)
                    {
                        differing.Add($"{t.Id}/{c.Name}");
                        Console.WriteLine($"DIFF {t.Id}/{c.Name}:\n  {string.Join("\n  ", diff)}");
                    }
                }
            }
        });
    }
    finally
    {
        Workspaces.DeleteTree(work);
    }
    Console.WriteLine($"tasks {suite.Count}, candidate pairs {pairs}, differing pairs {differing.Count}, fast path fell back {fellBack.Count}, wall {clock.Elapsed.TotalMinutes:F1} min");
    Console.WriteLine($"total grading time: process path {processSeconds:F0} s, fast path {fastSeconds:F0} s ({processSeconds / Math.Max(fastSeconds, 0.001):F1}x)");
    Console.WriteLine($"verdicts by candidate:status: {string.Join(", ", byStatus.Select(kv => $"{kv.Key}={kv.Value}"))}");
    foreach (var f in fellBack)
    {
        Console.WriteLine($"fell back: {f}");
    }
    return differing.Count == 0 ? 0 : 1;
}

async Task<int> PythonBench()
{
    var count = ArgInt("--tasks", 34);
    var rounds = ArgInt("--rounds", 1);
    var root = FindRepo();
    var aider = Path.GetFullPath(Path.Combine(root, "..", "shared", "benchmarks", "aider-polyglot"));
    var pyTasks = TaskSuites.Load(aider).Tasks.Where(t => t.Runner.Kind == RunnerKinds.Pytest).OrderBy(t => t.Id, StringComparer.Ordinal).Take(count).ToList();
    var box = new BubblewrapSandbox();
    box.EnsureAvailable();
    var verifier = new Verifier(new VerifierOptions { Sandbox = box });
    var each = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        foreach (var t in pyTasks)
        {
            each.Add(await Verify(verifier, t));
        }
    }
    Console.WriteLine($"python (aider polyglot, {pyTasks.Count} tasks x {rounds}): median {Median(each):F3} s, p95 {P95(each):F3} s per verification");
    return 0;
}

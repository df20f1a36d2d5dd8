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
// --breakdown: where the time of one warm fast-path verification goes: the verifier's own stages (VerificationStages,
// read as activities), then the test process split by control runs in the same sandbox: `true` (sandbox start),
// a hello-world dotnet program (runtime start-up), the task's template with no tests, with and without ReadyToRun
// (test framework start-up, discovery and the TRX report). Each control runs --rounds times (default 5) per task.
using System.Diagnostics;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing.FastPath;
using Crucible.Verification;
using Crucible.Verification.Dotnet;
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
if (args.Contains("--breakdown"))
{
    return await Breakdown();
}

var taskCount = ArgInt("--tasks", 12);
var coldCount = ArgInt("--cold", 3);
var tasks = SpreadSample(taskCount);
Console.WriteLine($"tasks ({tasks.Count}): {string.Join(", ", tasks.Select(t => $"{t.Id}(d{t.Difficulty})"))}");

var sandbox = new BubblewrapSandbox();
sandbox.EnsureAvailable();
var warmOptions = new VerifierOptions { Sandbox = sandbox };
// Three paths over the same tasks: the compiler process and a fresh test process (current), the compile service and a
// fresh test process (fresh), the compile service and a pre-started test process (the default), its pool sized to the jobs.
await using var warm = new Verifier(warmOptions);
await using var warmJobs2 = new Verifier(warmOptions with { CSharpPrestart = PrestartPolicy.Default.ForConcurrency(2) });
await using var fresh = new Verifier(warmOptions with { CSharpPrestart = PrestartPolicy.Default with { Enabled = false } });
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
    await Verify(fresh, t);
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

var load = new List<string> { File.ReadAllText("/proc/loadavg").Trim() };
var (current1, currentWall1) = await Sweep(current, tasks, 1);
var (fresh1, freshWall1) = await Sweep(fresh, tasks, 1);
var (warm1, wall1) = await Sweep(warm, tasks, 1);
load.Add(File.ReadAllText("/proc/loadavg").Trim());
var (current2, currentWall2) = await Sweep(current, tasks, 2);
var (fresh2, freshWall2) = await Sweep(fresh, tasks, 2);
var (warm2, wall2) = await Sweep(warmJobs2, tasks, 2);
load.Add(File.ReadAllText("/proc/loadavg").Trim());

var baseMedian = Median(baseline);
Console.WriteLine();
Console.WriteLine($"{"",-46}{"median s",10}{"p95 s",10}{"tasks/h",10}{"vs dotnet test",16}");
Row("plain dotnet test (baseline)", baseline, baseline.Sum());
if (cold.Count > 0)
{
    Row($"crucible cold (n={cold.Count})", cold, cold.Sum());
}
Row("current path (csc process), jobs 1", current1, currentWall1);
Row("compile service, fresh test process, jobs 1", fresh1, freshWall1);
Row("fast path (pre-started), jobs 1", warm1, wall1);
Row("current path (csc process), jobs 2", current2, currentWall2);
Row("compile service, fresh test process, jobs 2", fresh2, freshWall2);
Row("fast path (pre-started), jobs 2", warm2, wall2);
Console.WriteLine();
Console.WriteLine("ratio = baseline median / row median (higher is faster); tasks/h from each sweep's wall time.");
Console.WriteLine($"fast vs current path, median: {Median(current1) / Median(warm1):F1}x at jobs 1, {Median(current2) / Median(warm2):F1}x at jobs 2");
Console.WriteLine($"load average (1/5/15 min) before jobs 1, after jobs 1, after jobs 2: {string.Join(" | ", load)}");
return 0;

void Row(string name, List<double> xs, double wallSeconds) =>
    Console.WriteLine($"{name,-46}{Median(xs),10:F2}{P95(xs),10:F2}{3600 * xs.Count / wallSeconds,10:F0}{baseMedian / Median(xs),15:F2}x");

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
        var expectedPath = v.Options.CSharpPrestart.Enabled ? DotnetXunitRunner.PrestartedPath : DotnetXunitRunner.CompileServicePath;
        if (v.Options.CSharpFastPath && t.Runner.Kind == RunnerKinds.DotnetXunit && verdict.VerificationPath != expectedPath)
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

static string ExercismPractice() =>
    Path.GetFullPath(Path.Combine(FindRepo(), "..", "shared", "benchmarks", "exercism-csharp", "exercises", "practice"));

// The speed bench and the breakdown time the same sample: package-free, non-deprecated Exercism tasks, taken
// round-robin from each difficulty level so a small count still spans easy to hard.
static List<TaskSpec> SpreadSample(int count) =>
    TaskSuites.Load(ExercismPractice()).Tasks.Where(t => t.Runner.Packages.Count == 0 && !t.Tags.Contains("deprecated"))
        .GroupBy(t => t.Difficulty ?? 0).OrderBy(g => g.Key)
        .SelectMany(g => g.Select((t, i) => (t, i))).OrderBy(x => x.i).ThenBy(x => x.t.Difficulty).Select(x => x.t).Take(count).ToList();

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
    var dir = ExercismPractice();
    // --skip N: start at the N-th task in name order (a sweep split across processes).
    var suite = TaskSuites.Load(dir).Tasks.OrderBy(t => t.Id, StringComparer.Ordinal).Skip(ArgInt("--skip", 0)).Take(limit).ToList();
    var box = new BubblewrapSandbox();
    box.EnsureAvailable();
    var options = new VerifierOptions { Sandbox = box, CSharpPrestart = PrestartPolicy.Default.ForConcurrency(jobs) };
    await using var fast = new Verifier(options);
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
                    // The fast path is the compile service and a pre-started test process; a build failure never reaches the test process.
                    var fastPath = f.Status == VerdictStatus.BuildFailed ? DotnetXunitRunner.CompileServicePath : DotnetXunitRunner.PrestartedPath;
                    if (f.VerificationPath != fastPath && p.Status != VerdictStatus.HarnessError)
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
    // Interleaved, same tasks, same run: pytest with the machine's plugins auto-loaded (the previous behaviour) and without.
    var verifier = new Verifier(new VerifierOptions { Sandbox = box });
    var autoload = new Verifier(new VerifierOptions { Sandbox = box, PytestPluginAutoload = true });
    var each = new List<double>();
    var eachAutoload = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        foreach (var t in pyTasks)
        {
            eachAutoload.Add(await Verify(autoload, t));
            each.Add(await Verify(verifier, t));
        }
    }
    Console.WriteLine($"python (aider polyglot, {pyTasks.Count} tasks x {rounds}), load {File.ReadAllText("/proc/loadavg").Trim()}:");
    Console.WriteLine($"  plugin autoload on (previous): median {Median(eachAutoload):F3} s, p95 {P95(eachAutoload):F3} s per verification");
    Console.WriteLine($"  plugin autoload off (default): median {Median(each):F3} s, p95 {P95(each):F3} s per verification");
    return 0;
}

async Task<int> Breakdown()
{
    var count = ArgInt("--tasks", 12);
    var rounds = ArgInt("--rounds", 5);
    var sample = SpreadSample(count);
    var box = new BubblewrapSandbox();
    box.EnsureAvailable();
    var r2rOptions = new VerifierOptions { Sandbox = box };
    var jitOptions = r2rOptions with { CSharpReadyToRun = false };
    await using var fast = new Verifier(r2rOptions);
    await using var fastFresh = new Verifier(r2rOptions with { CSharpPrestart = PrestartPolicy.Default with { Enabled = false } });
    var fastJit = new Verifier(jitOptions with { CSharpPrestart = PrestartPolicy.Default with { Enabled = false } });

    var stages = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    var listening = false;
    using var listener = new ActivityListener
    {
        ShouldListenTo = s => s.Name == VerificationStages.SourceName,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        ActivityStopped = a =>
        {
            if (!listening)
            {
                return;
            }
            lock (stages)
            {
                (stages.TryGetValue(a.OperationName, out var l) ? l : stages[a.OperationName] = []).Add(a.Duration.TotalSeconds);
            }
        },
    };
    ActivitySource.AddActivityListener(listener);

    // Warm: templates of both kinds, the compile service's references (not measured).
    foreach (var t in sample)
    {
        await Verify(fast, t);
        await Verify(fastFresh, t);
        await Verify(fastJit, t);
    }
    var totals = new List<double>();
    var totalsFresh = new List<double>();
    var totalsJit = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        foreach (var t in sample)
        {
            listening = true;
            totals.Add(await Verify(fast, t));
            listening = false;
            totalsFresh.Add(await Verify(fastFresh, t));
            totalsJit.Add(await Verify(fastJit, t));
        }
    }

    // Control runs: the pieces of the test process, each a fresh sandboxed process with the grading policy's shape.
    var work = Path.Combine(Path.GetTempPath(), $"crucible-breakdown-{Guid.NewGuid():N}");
    var controls = new Dictionary<string, List<double>>(StringComparer.Ordinal);
    try
    {
        var hello = Path.Combine(work, "hello");
        Directory.CreateDirectory(hello);
        CompileHello(hello);
        var r2rTemplates = new Crucible.Verification.Dotnet.DotnetTemplateCache(r2rOptions);
        var jitTemplates = new Crucible.Verification.Dotnet.DotnetTemplateCache(jitOptions);
        for (var r = 0; r < rounds; r++)
        {
            foreach (var t in sample)
            {
                var profile = Crucible.Verification.Dotnet.DotnetXunitRunner.ProfileOf(t);
                var r2r = (await r2rTemplates.GetAsync(profile, default)).Template!;
                var jit = (await jitTemplates.GetAsync(profile, default)).Template!;
                await Control("sandbox start (/bin/true)", hello, new SandboxCommand("/bin/true", []));
                await Control("runtime start (hello world)", hello, new SandboxCommand(Crucible.Verification.Grading.Toolchains.DotnetExe, ["exec", "/w/hello.dll"]));
                await ControlTemplate("xunit, no tests, ReadyToRun", r2r.BinDirectory);
                await ControlTemplate("xunit, no tests, JIT", jit.BinDirectory);
                if (!r2r.ReadyToRun)
                {
                    Console.WriteLine($"note: the template of {t.Id} is not ReadyToRun (its publish failed here)");
                }
            }
        }
    }
    finally
    {
        Workspaces.DeleteTree(work);
    }

    Console.WriteLine($"breakdown: {sample.Count} tasks x {rounds} rounds, fast path (compile service), jobs 1; load: {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine($"{"stage",-44}{"median ms",12}{"p95 ms",10}");
    void Line(string name, List<double> xs) => Console.WriteLine($"{name,-44}{Median(xs) * 1000,12:F0}{P95(xs) * 1000,10:F0}");
    Line("whole verification (pre-started, ReadyToRun)", totals);
    Line("whole verification (fresh process, ReadyToRun)", totalsFresh);
    Line("whole verification (fresh process, JIT)", totalsJit);
    Console.WriteLine("stages of the pre-started verification (test-process = hand-over to exit):");
    foreach (var stage in new[] { VerificationStages.Compose, VerificationStages.Template, VerificationStages.RuntimeFiles, VerificationStages.Compile, VerificationStages.TestProcess, VerificationStages.Results })
    {
        if (stages.TryGetValue(stage, out var xs))
        {
            Line("  " + stage, xs);
        }
    }
    var staged = stages.Values.Sum(l => l.Sum()) / totals.Count;
    Console.WriteLine($"{"  other (discovery, grading, deletes)",-44}{(totals.Average() - staged) * 1000,12:F0}{"(mean)",10}");
    Console.WriteLine("test process, split by control runs:");
    foreach (var (name, xs) in controls)
    {
        Line("  " + name, xs);
    }
    return 0;

    async Task Control(string name, string folder, SandboxCommand command)
    {
        var policy = new SandboxPolicy
        {
            WorkspacePath = folder,
            WorkspaceMountPath = "/w",
            ReadOnlyPaths = Crucible.Verification.Grading.Toolchains.DotnetMounts(),
            Environment = Crucible.Verification.Grading.Toolchains.DotnetEnvironment(),
            Limits = ResourceLimits.Default,
        };
        var clock = Stopwatch.StartNew();
        var result = await box.ExecuteAsync(command with { WorkingDirectory = "." }, policy);
        var s = clock.Elapsed.TotalSeconds;
        if (result.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"control '{name}' exited with {result.ExitCode}: {result.Stderr.Text}");
        }
        (controls.TryGetValue(name, out var l) ? l : controls[name] = []).Add(s);
    }

    async Task ControlTemplate(string name, string bin)
    {
        // A copy, as a graded run has: the template's own program (no tests), its runtime files and a TRX report.
        var copy = Path.Combine(work, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.EnumerateFiles(bin))
        {
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        }
        try
        {
            await Control(name, copy, new SandboxCommand(Crucible.Verification.Grading.Toolchains.DotnetExe, ["exec", "/w/CrucibleTests.dll", "-noLogo", "-noColor", "-trx", "/w/r.trx"]));
        }
        finally
        {
            Workspaces.DeleteTree(copy);
        }
    }
}

static void CompileHello(string folder)
{
    var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Console.dll" or "System.Private.CoreLib.dll")
        .Select(p => Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(p));
    var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("hello",
        [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("System.Console.WriteLine(\"hello\");")], tpa,
        new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.ConsoleApplication));
    using var output = File.Create(Path.Combine(folder, "hello.dll"));
    var emit = compilation.Emit(output);
    if (!emit.Success)
    {
        throw new InvalidOperationException(string.Join("\n", emit.Diagnostics));
    }
    var version = Environment.Version;
    File.WriteAllText(Path.Combine(folder, "hello.runtimeconfig.json"),
        "{\"runtimeOptions\":{\"tfm\":\"net" + $"{version.Major}.{version.Minor}" + "\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + $"{version.Major}.{version.Minor}.0" + "\"}}}");
}

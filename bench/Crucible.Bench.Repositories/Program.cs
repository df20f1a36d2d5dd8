// `crucible verify` on real bug-fix commits: every SWE-bench-style instance of ../shared/repos (see its README).
//
//   bench/verify-instances [--filter TEXT] [--speed N] [--json FILE]      # builds the CLI, then runs this
//   dotnet run -c Release --project bench/Crucible.Bench.Repositories -- [--cli crucible.dll] [--repos a,b] [--filter TEXT] [--speed N] [--json FILE]
//
// For each instance, in a clone of its bundle (one clone per repository, in a temp folder) at base_commit:
//   1. only test_patch applied (uncommitted: the base defaults to HEAD = base_commit), fresh base cache:
//      verify must FAIL and name every FAIL_TO_PASS test among the failing ones;
//   2. test_patch + patch applied, same cache (the base's results are reused: this is a second verify on a
//      cached base): verify must PASS, report every FAIL_TO_PASS test as fail-to-pass, and its pass-to-pass
//      count must equal PASS_TO_PASS_count. tomlyn's FAILING_AFTER_FIX tests are passed as --known-failure.
// With --cli, verify is the real CLI process (`dotnet crucible.dll verify --json`, base cache through
// XDG_CACHE_HOME); without it, the library (RepositoryVerifier + TestCommandRunner in bubblewrap), same code path.
//
// Speed, for the first --speed instances of every repository (default 1): the plain test command run directly on
// the fixed clone (host, no sandbox: the baseline), and a FIRST verify of the fixed state with an empty cache, to
// compare with step 2 (the second verify, base cached). For every verify, the time verify adds beyond its test
// runs = wall time - the sum of the durations of the runs it actually executed (cached and reused runs excluded).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Crucible.Sandbox;
using Crucible.Verification.Repository;

var cli = Arg("--cli");
var filter = Arg("--filter");
var speedPerRepo = int.Parse(Arg("--speed") ?? "1", CultureInfo.InvariantCulture);
var jsonOut = Arg("--json");
var repo = FindRepo();
var shared = Path.GetFullPath(Environment.GetEnvironmentVariable("CRUCIBLE_SHARED_DATA") is { Length: > 0 } s ? s : Path.Combine(repo, "..", "shared"));
var repos = Path.Combine(shared, "repos");
string[] names = Arg("--repos")?.Split(',') ?? ["cachetools", "mux", "pflag", "more-itertools", "tomlyn", "markdig"];
var work = Directory.CreateTempSubdirectory("crucible-bench-repos-").FullName;
Console.WriteLine($"verify through {(cli is null ? "the library (RepositoryVerifier + TestCommandRunner, bubblewrap)" : $"the CLI: dotnet {cli} verify --json")}; work folder {work}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start (shared machine: wall times include other jobs)");

var results = new List<Result>();
var speeds = new List<Speed>();
var clock = Stopwatch.StartNew();
try
{
    foreach (var name in names)
    {
        var instances = JsonSerializer.Deserialize<List<Instance>>(File.ReadAllText(Path.Combine(repos, $"{name}.instances.json")))!
            .Where(i => filter is null || i.instance_id.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        if (instances.Count == 0)
        {
            continue;
        }
        var clone = Path.Combine(work, name);
        Git(work, null, "clone", "-q", Path.Combine(repos, $"{name}.bundle"), clone);
        var n = 0;
        foreach (var inst in instances)
        {
            var cache = Path.Combine(work, "cache-" + inst.instance_id);
            Checkout(clone, inst);
            if (inst.test_command.StartsWith("dotnet test ", StringComparison.Ordinal))
            {
                // verify runs offline: like a user who has built the project once, the NuGet cache must hold the
                // packages. The same project's restore, on the host, at the fixed state; not part of any measurement.
                Git(clone, inst.test_patch, "apply", "-");
                Git(clone, inst.patch, "apply", "-");
                Host(clone, "dotnet restore " + inst.test_command["dotnet test ".Length..].Split(" --logger")[0]);
                Checkout(clone, inst);
            }
            Git(clone, inst.test_patch, "apply", "-");
            var fail = await Verify(clone, inst, cache);
            Git(clone, inst.patch, "apply", "-");
            var pass = await Verify(clone, inst, cache);

            var named = fail.Verdict is null ? [] : fail.Verdict.ChangeFailures.Concat(fail.Verdict.StillFailing).Concat(fail.Verdict.Broken).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            var r = new Result(name, inst.instance_id,
                FailOk: fail.Exit == 1 && fail.Verdict is { Verified: false },
                F2PNamed: inst.FAIL_TO_PASS.All(named.Contains),
                PassOk: pass.Exit == 0 && pass.Verdict is { Verified: true } && inst.FAIL_TO_PASS.All(pass.Verdict.FailToPass.Contains),
                P2PMatch: pass.Verdict?.PassToPassCount == inst.PASS_TO_PASS_count,
                P2P: pass.Verdict?.PassToPassCount, ExpectedP2P: inst.PASS_TO_PASS_count,
                MissingF2PNamed: [.. inst.FAIL_TO_PASS.Where(id => !named.Contains(id))],
                MissingF2PPassing: [.. inst.FAIL_TO_PASS.Where(id => pass.Verdict?.FailToPass.Contains(id) != true)],
                FailRun: fail.Stats, PassRun: pass.Stats,
                PassReasons: pass.Verdict?.Reasons ?? [pass.Error ?? "no verdict"], FailSummary: fail.Verdict?.Summary ?? fail.Error);
            results.Add(r);
            Console.WriteLine(Line(r));
            if (!r.Ok)
            {
                Console.WriteLine($"    {Detail(r)}");
            }
            Save();

            if (n++ < speedPerRepo)
            {
                // The baseline: the instance's own test command, directly on the fixed clone, no sandbox, no harness.
                var plain = PlainRun(clone, inst);
                Checkout(clone, inst);
                Git(clone, inst.test_patch, "apply", "-");
                Git(clone, inst.patch, "apply", "-");
                var first = await Verify(clone, inst, cache + "-first");
                var sp = new Speed(inst.instance_id, plain, first.Stats, pass.Stats);
                speeds.Add(sp);
                Console.WriteLine($"    speed: plain test command {plain:F1}s; first verify {first.Stats.Wall:F1}s ({first.Stats.Ran} runs, {first.Stats.RunSeconds:F1}s in runs, +{first.Stats.Overhead:F1}s); "
                    + $"second verify (base cached) {pass.Stats.Wall:F1}s ({pass.Stats.Ran} runs, +{pass.Stats.Overhead:F1}s); second/first {pass.Stats.Wall / first.Stats.Wall:F2}");
            }
            Save();
            Directory.Delete(cache, true);
            if (Directory.Exists(cache + "-first"))
            {
                Directory.Delete(cache + "-first", true);
            }
        }
    }
}
finally
{
    Directory.Delete(work, true);
}

Console.WriteLine();
Console.WriteLine($"{"instance",-42}{"fail w/ tests",14}{"F2P named",11}{"pass w/ fix",12}{"P2P count",16}{"s (fail+pass)",15}");
foreach (var r in results)
{
    Console.WriteLine($"{r.Instance,-42}{Ok(r.FailOk),14}{Ok(r.F2PNamed),11}{Ok(r.PassOk),12}{$"{Ok(r.P2PMatch)} {r.P2P}/{r.ExpectedP2P}",16}{r.FailRun.Wall + r.PassRun.Wall,15:F1}");
}
Console.WriteLine();
foreach (var g in results.GroupBy(r => r.Repo))
{
    Console.WriteLine($"{g.Key,-16}{g.Count(r => r.Ok)}/{g.Count()} instances ok; verify wall {g.Sum(r => r.FailRun.Wall + r.PassRun.Wall):F0}s, of which in test runs {g.Sum(r => r.FailRun.RunSeconds + r.PassRun.RunSeconds):F0}s");
}
var all = results.SelectMany(r => new[] { r.FailRun, r.PassRun }).ToList();
var wall = all.Sum(x => x.Wall);
var inRuns = all.Sum(x => x.RunSeconds);
Console.WriteLine($"SUMMARY: {results.Count(r => r.Ok)}/{results.Count} instances ok (fail with test_patch {results.Count(r => r.FailOk)}, F2P named {results.Count(r => r.F2PNamed)}, "
    + $"pass with fix {results.Count(r => r.PassOk)}, P2P count {results.Count(r => r.P2PMatch)}); {all.Count} verifies, {clock.Elapsed.TotalMinutes:F1} min");
Console.WriteLine($"OVERHEAD: verify wall {wall:F0}s, test runs {inRuns:F0}s, added by verify {wall - inRuns:F0}s = {(wall - inRuns) / inRuns:P1} of the run time "
    + $"(per verify median {Median(all.Select(x => x.Overhead)):F2}s, max {all.Max(x => x.Overhead):F2}s)");
if (speeds.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine($"{"speed instance",-42}{"plain s",9}{"1st verify s",14}{"runs",6}{"added s",9}{"2nd verify s",14}{"runs",6}{"added s",9}{"2nd/1st",9}{"1st/plain",11}{"2nd/plain",11}");
    foreach (var sp in speeds)
    {
        Console.WriteLine($"{sp.Instance,-42}{sp.Plain,9:F1}{sp.First.Wall,14:F1}{sp.First.Ran,6}{sp.First.Overhead,9:F2}{sp.Second.Wall,14:F1}{sp.Second.Ran,6}{sp.Second.Overhead,9:F2}"
            + $"{sp.Second.Wall / sp.First.Wall,9:F2}{sp.First.Wall / sp.Plain,11:F2}{sp.Second.Wall / sp.Plain,11:F2}");
    }
    Console.WriteLine("plain = the instance's test command run once directly on the fixed clone (no sandbox, no harness); a verify of a change with tests and sources runs");
    Console.WriteLine("the test command 4 times (base, evidence, tests-on-base, change), 3 with the base cached; 'added' = verify wall - sum of its runs' durations.");
}
return results.All(r => r.Ok) ? 0 : 1;

// Written after every instance, so a stopped sweep keeps what it measured.
void Save()
{
    if (jsonOut is not null)
    {
        File.WriteAllText(jsonOut, JsonSerializer.Serialize(new { results, speeds }, new JsonSerializerOptions { WriteIndented = true }));
    }
}

async Task<Outcome> Verify(string clone, Instance inst, string cacheRoot)
{
    var watch = Stopwatch.StartNew();
    RepositoryVerdict? verdict = null;
    int exit;
    string? error = null;
    if (cli is not null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = clone };
        foreach (var a in (string[])[cli, "verify", clone, "--test-command", inst.test_command, "--json", .. inst.FAILING_AFTER_FIX.SelectMany(k => new[] { "--known-failure", k })])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["XDG_CACHE_HOME"] = cacheRoot;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        exit = p.ExitCode;
        try
        {
            verdict = JsonSerializer.Deserialize<RepositoryVerdict>(stdout, RepositoryVerdictJson.Options);
        }
        catch (JsonException)
        {
            error = $"exit {exit}: {(await stderr).Trim()}";
        }
    }
    else
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        var verifier = new RepositoryVerifier(new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox }), ToolchainFingerprint.Compute(sandbox.Name));
        try
        {
            verdict = await verifier.VerifyAsync(new RepositoryVerifyRequest
            {
                RepositoryPath = clone,
                TestCommand = inst.test_command,
                KnownFailures = inst.FAILING_AFTER_FIX,
                CacheDirectory = Path.Combine(cacheRoot, "crucible", "verify"),
            }, CancellationToken.None);
            exit = verdict.Verified ? 0 : 1;
        }
        catch (Exception e)
        {
            (exit, error) = (2, e.Message);
        }
    }
    var seconds = watch.Elapsed.TotalSeconds;
    var ran = verdict?.Runs.Where(r => r.SameAs is null && !r.Cached).ToList() ?? [];
    var runSeconds = ran.Sum(r => r.Duration.TotalSeconds);
    return new Outcome(verdict, exit, error, new Stats(seconds, ran.Count, runSeconds, seconds - runSeconds));
}

double PlainRun(string clone, Instance inst)
{
    var psi = new ProcessStartInfo("/bin/sh", ["-c", inst.test_command]) { WorkingDirectory = clone, RedirectStandardOutput = true, RedirectStandardError = true };
    var watch = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    _ = err.Result;
    return watch.Elapsed.TotalSeconds;
}

static void Host(string cwd, string command)
{
    var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    var output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{command} in {cwd} failed: {output}{err.Result}");
    }
}

static void Checkout(string clone, Instance inst)
{
    Git(clone, null, "checkout", "-q", "-f", inst.base_commit);
    Git(clone, null, "clean", "-q", "-fdx");
}

static void Git(string cwd, string? stdin, params string[] args)
{
    var psi = new ProcessStartInfo("git") { WorkingDirectory = cwd, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in args)
    {
        psi.ArgumentList.Add(a);
    }
    using var p = Process.Start(psi)!;
    p.StandardInput.Write(stdin ?? "");
    p.StandardInput.Close();
    var err = p.StandardError.ReadToEndAsync();
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"git {string.Join(' ', args)} in {cwd} failed: {err.Result}");
    }
}

static string Line(Result r) =>
    $"{r.Instance,-42} fail-with-test-patch {Ok(r.FailOk)}  F2P-named {Ok(r.F2PNamed)}  pass-with-fix {Ok(r.PassOk)}  P2P {r.P2P}/{r.ExpectedP2P} {Ok(r.P2PMatch)}  {r.FailRun.Wall + r.PassRun.Wall:F1}s";

static string Detail(Result r) =>
    $"F2P not named: [{string.Join(", ", r.MissingF2PNamed)}]; F2P not passing: [{string.Join(", ", r.MissingF2PPassing)}]; test-patch verdict: {r.FailSummary}; fix reasons: {string.Join(" | ", r.PassReasons)}";

static string Ok(bool ok) => ok ? "ok" : "NO";

static double Median(IEnumerable<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count == 0 ? 0 : s[(s.Count - 1) / 2];
}

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindRepo()
{
    // The build output may be outside the repository (bench/verify-instances builds into a temp folder): the
    // current folder is tried first.
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Crucible.slnx")))
            {
                return d.FullName;
            }
        }
    }
    throw new InvalidOperationException("run from inside the repository");
}

#pragma warning disable IDE1006, SA1300 // The instance files' own field names.
internal sealed record Instance(string instance_id, string base_commit, string test_patch, string patch, List<string> FAIL_TO_PASS, int PASS_TO_PASS_count, List<string> FAILING_AFTER_FIX, string test_command);
#pragma warning restore IDE1006, SA1300

/// <summary>One verify: wall time, how many test runs it executed, their summed durations, and the rest (what verify adds).</summary>
internal sealed record Stats(double Wall, int Ran, double RunSeconds, double Overhead);

internal sealed record Outcome(RepositoryVerdict? Verdict, int Exit, string? Error, Stats Stats);

internal sealed record Speed(string Instance, double Plain, Stats First, Stats Second);

internal sealed record Result(
    string Repo, string Instance, bool FailOk, bool F2PNamed, bool PassOk, bool P2PMatch, int? P2P, int ExpectedP2P,
    List<string> MissingF2PNamed, List<string> MissingF2PPassing, Stats FailRun, Stats PassRun, IReadOnlyList<string> PassReasons, string? FailSummary)
{
    public bool Ok => FailOk && F2PNamed && PassOk && P2PMatch;
}

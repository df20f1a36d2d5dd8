// Harvest throughput: records per minute from a suite to a written dataset, with an instant scripted model, at
// jobs 1 and 2 — and how much of that time is harvesting rather than verification.
//
//   dotnet run -c Release --project bench/Crucible.Bench.Harvest -- [--tasks N] [--samples K] [--filter GLOB]
//
// Model: ScriptedAttempts (tests/Crucible.Testing) answers instantly with real tool calls (write, bash) in the
// agent's workspace, four kinds of attempt (clean pass, secret + commented code, give up, early exit).
// Pipeline: eval (the real agent, sandboxed verification, integrity checks) then `Harvester` (records, scoring,
// pairs, every format, Parquet + JSONL). Baseline from the same run: the reference solver graded on the same
// tasks and samples (verification alone). Expect eval ≈ baseline and harvest a small share of the total.
using System.Diagnostics;
using Crucible.Agent;
using Crucible.Agent.Permissions;
using Crucible.Constitution;
using Crucible.Constitution.Loading;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Harvest;
using Crucible.Flywheel.Solvers;
using Crucible.Flywheel.Storage;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Testing.Harvest;
using Crucible.Verification;
using Crucible.Verification.Tasks;

var taskCount = ArgInt("--tasks", 10);
var samples = ArgInt("--samples", 4);
var filter = Arg("--filter") ?? "python/*";
var suite = TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), filter);
suite = suite with { Tasks = [.. suite.Tasks.Take(taskCount)] };

var sandbox = new BubblewrapSandbox();
sandbox.EnsureAvailable();
var verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
var assembly = new AgentAssembly(new AgentAssemblyOptions { Sandbox = sandbox, Verifier = verifier, Model = "scripted", PermissionMode = PermissionMode.Auto, SubAgents = false });
var scripted = new PerAttemptSolver("agent", c => new AgentSolver(assembly, () => ScriptedAttempts.For(c.Task, c.Attempt, "BenchSecret0123456789abcdefABCDEF012345")));
var context = new HarvestContext(ConstitutionLoader.Default, HarvestRecord.Sha256(ConstitutionLoader.DefaultText), Harvester.CrucibleVersion);

var work = Path.Combine(Path.GetTempPath(), $"crucible-bench-harvest-{Guid.NewGuid():N}");
Directory.CreateDirectory(work);
try
{
    Console.WriteLine($"{suite.Tasks.Count} task(s) x {samples} sample(s), suite {suite.Path} ({filter})");
    Console.WriteLine($"{"jobs",4} {"records",8} {"eval s",8} {"harvest s",10} {"baseline s",11} {"eval/base",10} {"harvest share",14} {"records/min",12} {"harvest-only rec/min",21}");
    foreach (var jobs in new[] { 1, 2 })
    {
        var dir = Path.Combine(work, $"jobs{jobs}");
        var baseline = await EvalAsync(Path.Combine(dir, "baseline"), new ReferenceSolver(), jobs);
        var (eval, attempts) = await EvalWithAttemptsAsync(Path.Combine(dir, "scripted"), scripted, jobs);
        var clock = Stopwatch.StartNew();
        var summary = await new Harvester(new HarvestOptions { OutputDirectory = Path.Combine(dir, "dataset"), Jobs = jobs, WorkDirectory = dir }, context).RunAsync(attempts);
        var harvest = clock.Elapsed;
        var total = eval + harvest;
        Console.WriteLine($"{jobs,4} {summary.Records,8} {eval.TotalSeconds,8:F1} {harvest.TotalSeconds,10:F1} {baseline.TotalSeconds,11:F1} {eval / baseline,10:F2} {harvest / total,14:P1} {summary.Records / total.TotalMinutes,12:F0} {summary.Records / harvest.TotalMinutes,21:F0}");
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

async Task<TimeSpan> EvalAsync(string state, ISolver solver, int jobs) => (await EvalWithAttemptsAsync(state, solver, jobs)).Elapsed;

async Task<(TimeSpan Elapsed, IReadOnlyList<HarvestSourceAttempt> Attempts)> EvalWithAttemptsAsync(string state, ISolver solver, int jobs)
{
    Directory.CreateDirectory(state);
    using var store = new ResultStore(Path.Combine(state, "crucible.db"));
    var run = new StoredRun("bench", suite.Path, solver.Name, "{}", Path.Combine(state, "runs", "bench"), DateTimeOffset.UtcNow, null, "created");
    Directory.CreateDirectory(run.Folder);
    await store.CreateRunAsync(run);
    var clock = Stopwatch.StartNew();
    await new EvalRunner(verifier, store, new IntegrityChecker()).RunAsync(run, suite, solver, new EvalOptions { Jobs = jobs, Repeat = samples, WorkDirectory = state });
    var elapsed = clock.Elapsed;
    return (elapsed, AttemptSources.FromRun(store, run));
}

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

int ArgInt(string name, int fallback) => int.TryParse(Arg(name), out var v) ? v : fallback;

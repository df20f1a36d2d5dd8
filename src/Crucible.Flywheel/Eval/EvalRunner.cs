using System.Diagnostics;
using System.Text.Json;
using Crucible.Core.Integrity;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Grading;

namespace Crucible.Flywheel.Eval;

/// <summary>How an evaluation runs. Defaults: one job, one attempt per task, temp workspaces deleted.</summary>
public sealed record EvalOptions
{
    /// <summary>Attempts graded at once.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Attempts per task.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>Folder for solver workspaces (deleted after grading). Default: this process's temp folder (<see cref="Core.IO.ProcessTemp.Root"/>).</summary>
    public string WorkDirectory { get; init; } = Core.IO.ProcessTemp.Root;
}

/// <summary>Progress of a run, reported after every graded attempt.</summary>
/// <param name="Completed">Attempts finished so far (including those from before a resume).</param>
/// <param name="Total">Attempts in the run.</param>
/// <param name="Passed">Attempts that count as passed so far.</param>
/// <param name="Last">The attempt just finished, or null for the initial report.</param>
public sealed record EvalProgress(int Completed, int Total, int Passed, StoredResult? Last);

/// <summary>The outcome of a run.</summary>
/// <param name="Run">The stored run.</param>
/// <param name="Results">Every attempt, ordered by task and attempt.</param>
/// <param name="Unsupported">Suite entries that could not be run here, with reasons.</param>
/// <param name="Interrupted">True when the run was cancelled before every attempt finished.</param>
public sealed record EvalSummary(StoredRun Run, IReadOnlyList<StoredResult> Results, IReadOnlyList<UnsupportedTask> Unsupported, bool Interrupted)
{
    /// <summary>Attempts that count as passed (passed tests and no integrity flag).</summary>
    public int Passed => Results.Count(r => r.Verdict.CountsAsPass);

    /// <summary>Passed attempts over all attempts (0 when there are none).</summary>
    public double PassRate => Results.Count == 0 ? 0 : (double)Passed / Results.Count;

    /// <summary>Median time per attempt (solve plus verify).</summary>
    public TimeSpan Median => Percentile(0.5);

    /// <summary>95th-percentile time per attempt.</summary>
    public TimeSpan P95 => Percentile(0.95);

    /// <summary>Attempts by verdict status.</summary>
    public IReadOnlyDictionary<VerdictStatus, int> ByStatus => Results.GroupBy(r => r.Verdict.Status).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Total model cost, when any solver reported one.</summary>
    public decimal CostUsd => Results.Sum(r => r.CostUsd ?? 0m);

    private TimeSpan Percentile(double p)
    {
        if (Results.Count == 0)
        {
            return TimeSpan.Zero;
        }
        var sorted = Results.Select(r => r.Duration).Order().ToList();
        // Nearest-rank percentile: the smallest value with at least p of the data at or below it.
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}

/// <summary>
/// Runs a solver over a suite and grades every attempt with the verifier. Results go to the store
/// one by one as they finish, and a per-attempt folder keeps the verdict, logs and the candidate's
/// editable files, so an interrupted run resumes without redoing finished attempts.
/// </summary>
public sealed class EvalRunner
{
    private readonly IVerifier _verifier;
    private readonly ResultStore _store;
    private readonly IIntegrityChecker? _integrity;

    /// <summary>Creates a runner.</summary>
    /// <param name="verifier">Grades each attempt.</param>
    /// <param name="store">Receives each result.</param>
    /// <param name="integrity">Optional reward-hacking checks; their findings are attached to verdicts.</param>
    public EvalRunner(IVerifier verifier, ResultStore store, IIntegrityChecker? integrity = null)
    {
        _verifier = verifier;
        _store = store;
        _integrity = integrity;
    }

    /// <summary>Runs (or resumes) <paramref name="run"/> over <paramref name="suite"/>.</summary>
    public async Task<EvalSummary> RunAsync(StoredRun run, TaskSuite suite, ISolver solver, EvalOptions options, IProgress<EvalProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var done = _store.Results(run.Id).Select(r => (r.TaskId, r.Attempt)).ToHashSet();
        var pending = suite.Tasks
            .SelectMany(t => Enumerable.Range(0, options.Repeat).Select(a => (Task: t, Attempt: a)))
            .Where(x => !done.Contains((x.Task.Id, x.Attempt)))
            .ToList();
        var total = suite.Tasks.Count * options.Repeat;
        var completed = done.Count;
        var passed = _store.Results(run.Id).Count(r => r.Verdict.CountsAsPass);
        progress?.Report(new EvalProgress(completed, total, passed, null));
        await _store.SetRunStatusAsync(run.Id, "running", finished: false).ConfigureAwait(false);

        var interrupted = false;
        try
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Jobs), CancellationToken = cancellationToken }, async (item, ct) =>
            {
                var result = await RunAttemptAsync(run, item.Task, item.Attempt, solver, options, ct).ConfigureAwait(false);
                await _store.AddResultAsync(result).ConfigureAwait(false);
                var c = Interlocked.Increment(ref completed);
                var p = result.Verdict.CountsAsPass ? Interlocked.Increment(ref passed) : Volatile.Read(ref passed);
                progress?.Report(new EvalProgress(c, total, p, result));
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
        }

        await _store.SetRunStatusAsync(run.Id, interrupted ? "interrupted" : "completed", finished: !interrupted).ConfigureAwait(false);
        var summary = new EvalSummary(_store.FindRun(run.Id)!, _store.Results(run.Id), suite.Unsupported, interrupted);
        WriteSummary(summary);
        return summary;
    }

    private async Task<StoredResult> RunAttemptAsync(StoredRun run, TaskSpec task, int attempt, ISolver solver, EvalOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var attemptDir = Path.Combine(run.Folder, "tasks", task.Id, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Workspaces.DeleteTree(attemptDir); // a partial attempt from an interrupted run is redone from scratch
        Directory.CreateDirectory(attemptDir);
        var workspace = Path.Combine(options.WorkDirectory, $"crucible-ws-{Canaries.RandomHex(8)}");
        try
        {
            Workspaces.Materialize(task, workspace);
            SolveResult solved;
            try
            {
                solved = await solver.SolveAsync(new SolveContext(task, workspace, attemptDir, attempt), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                solved = new SolveResult { Status = "error", Message = e.Message };
            }
            var verdict = await _verifier.VerifyAsync(task, workspace, new VerifyOptions { ArtifactsPath = attemptDir }, ct).ConfigureAwait(false);
            // A grading stopped by cancellation ends in a failed verdict: never store it as the attempt's result (resume redoes it).
            ct.ThrowIfCancellationRequested();
            if (_integrity is not null)
            {
                var flags = await _integrity.CheckAsync(task, workspace, verdict, ct).ConfigureAwait(false);
                verdict = verdict with { Integrity = flags };
            }
            SaveCandidate(task, workspace, Path.Combine(attemptDir, "candidate"));
            var result = new StoredResult(run.Id, task.Id, attempt, solved.Status, verdict, clock.Elapsed, solved.Usage?.CostUsd);
            await File.WriteAllTextAsync(Path.Combine(attemptDir, "verdict.json"), JsonSerializer.Serialize(new { solver = solver.Name, solverStatus = solved.Status, solverMessage = solved.Message, usage = solved.Usage, durationMs = (long)clock.Elapsed.TotalMilliseconds, verdict }, ResultStore.ArtifactJson), ct).ConfigureAwait(false);
            return result;
        }
        finally
        {
            Workspaces.DeleteTree(workspace);
        }
    }

    /// <summary>Keeps the candidate's editable files with the attempt (they are what datasets are made of).</summary>
    private static void SaveCandidate(TaskSpec task, string workspace, string target)
    {
        foreach (var rel in Workspaces.ListRegularFiles(workspace).Where(p => PathGlob.MatchesAny(p, task.Editable)))
        {
            var dest = Workspaces.Resolve(target, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(workspace, rel), dest, overwrite: true);
        }
    }

    private static void WriteSummary(EvalSummary s)
    {
        var doc = new
        {
            // The stored options are JSON text: embed them as an object, never as a string holding JSON.
            run = new { s.Run.Id, s.Run.Suite, s.Run.Solver, options = JsonDocument.Parse(s.Run.OptionsJson).RootElement, s.Run.Folder, s.Run.CreatedAt, s.Run.FinishedAt, s.Run.Status },
            interrupted = s.Interrupted,
            attempts = s.Results.Count,
            passed = s.Passed,
            passRate = s.PassRate,
            medianMs = (long)s.Median.TotalMilliseconds,
            p95Ms = (long)s.P95.TotalMilliseconds,
            costUsd = s.CostUsd,
            byStatus = s.ByStatus.ToDictionary(k => k.Key.ToString(), k => k.Value),
            unsupported = s.Unsupported,
            results = s.Results.Select(r => new { r.TaskId, r.Attempt, status = r.Verdict.Status, countsAsPass = r.Verdict.CountsAsPass, durationMs = (long)r.Duration.TotalMilliseconds, r.Verdict.Reasons }),
        };
        File.WriteAllText(Path.Combine(s.Run.Folder, "summary.json"), JsonSerializer.Serialize(doc, ResultStore.ArtifactJson));
    }
}

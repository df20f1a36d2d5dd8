using System.Diagnostics;
using System.Text.Json;
using Crucible.Core.Integrity;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Grading;

namespace Crucible.Flywheel.Eval;

/// <summary>How an evaluation runs. Defaults: one job, one sample and one repeat per task, temp workspaces deleted.</summary>
public sealed record EvalOptions
{
    /// <summary>Attempts graded at once.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Independent samples per task (<c>--samples</c>, the n of pass@k): each gets its own sample seed.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Repeats of each sample (<c>--repeat</c>, for flakiness). A task gets <see cref="Samples"/> x <see cref="Repeat"/> attempts.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>Report settings for the summary.</summary>
    public ReportOptions Report { get; init; } = ReportOptions.Default;

    /// <summary>Folder for solver workspaces (deleted after grading). Default: this process's temp folder (<see cref="Core.IO.ProcessTemp.Root"/>).</summary>
    public string WorkDirectory { get; init; } = Core.IO.ProcessTemp.Root;
}

/// <summary>Progress of a run, reported after every graded attempt.</summary>
/// <param name="Completed">Attempts finished so far (including those from before a resume).</param>
/// <param name="Total">Attempts in the run.</param>
/// <param name="Passed">Attempts that count as passed so far.</param>
/// <param name="Excluded">Attempts so far that were outages (model/provider or harness errors), not results.</param>
/// <param name="Last">The attempt just finished, or null for the initial report.</param>
public sealed record EvalProgress(int Completed, int Total, int Passed, StoredResult? Last, int Excluded = 0);

/// <summary>The outcome of a run.</summary>
/// <param name="Run">The stored run.</param>
/// <param name="Results">Every attempt, ordered by task and attempt.</param>
/// <param name="Unsupported">Suite entries that could not be run here, with reasons.</param>
/// <param name="Interrupted">True when the run was cancelled before every attempt finished.</param>
/// <param name="Report">The statistics of the run (<see cref="RunReport"/>).</param>
public sealed record EvalSummary(StoredRun Run, IReadOnlyList<StoredResult> Results, IReadOnlyList<UnsupportedTask> Unsupported, bool Interrupted, RunReport Report)
{
    /// <summary>Attempts that count as passed (passed tests and no integrity flag).</summary>
    public int Passed => Results.Count(r => r.CountsAsPass);

    /// <summary>Passed attempts over graded attempts: outages are not results and stay out (0 when nothing was graded).</summary>
    public double PassRate => Report.Counts.PassRate;

    /// <summary>True when some attempt met a model/provider or harness error (the run is <c>degraded</c>).</summary>
    public bool Degraded => Report.Counts.Excluded > 0;

    /// <summary>Median time per attempt (solve plus verify).</summary>
    public TimeSpan Median => Percentile(0.5);

    /// <summary>95th-percentile time per attempt.</summary>
    public TimeSpan P95 => Percentile(0.95);

    /// <summary>Attempts by verdict status.</summary>
    public IReadOnlyDictionary<VerdictStatus, int> ByStatus => Results.GroupBy(r => r.Verdict.Status).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Attempts by outcome (only outcomes that occurred).</summary>
    public IReadOnlyDictionary<AttemptOutcome, int> ByOutcome => Results.GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.Count());

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

    /// <summary>
    /// Runs (or resumes) <paramref name="run"/> over <paramref name="suite"/>: every attempt not yet stored, and every
    /// stored attempt that was an outage (model/provider or harness error), is (re)done; other stored attempts and their
    /// folders are left as they are. The run ends <c>completed</c>, <c>degraded</c> (outages remain) or <c>interrupted</c>.
    /// </summary>
    public async Task<EvalSummary> RunAsync(StoredRun run, TaskSuite suite, ISolver solver, EvalOptions options, IProgress<EvalProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stored = _store.Results(run.Id);
        var done = stored.Where(r => !r.Outcome.IsOutage()).Select(r => (r.TaskId, r.Attempt)).ToHashSet();
        var perTask = Math.Max(1, options.Samples) * Math.Max(1, options.Repeat);
        var pending = suite.Tasks
            .SelectMany(t => Enumerable.Range(0, perTask).Select(a => (Task: t, Attempt: a)))
            .Where(x => !done.Contains((x.Task.Id, x.Attempt)))
            .ToList();
        var total = suite.Tasks.Count * perTask;
        var completed = done.Count;
        var passed = stored.Count(r => r.CountsAsPass);
        var excluded = 0;
        progress?.Report(new EvalProgress(completed, total, passed, null));
        await _store.SetRunStatusAsync(run.Id, RunStatuses.Running, finished: false).ConfigureAwait(false);

        var interrupted = false;
        try
        {
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Jobs), CancellationToken = cancellationToken }, async (item, ct) =>
            {
                var result = await RunAttemptAsync(run, item.Task, item.Attempt, item.Attempt / Math.Max(1, options.Repeat), solver, options, ct).ConfigureAwait(false);
                await _store.AddResultAsync(result).ConfigureAwait(false);
                var c = Interlocked.Increment(ref completed);
                var p = result.CountsAsPass ? Interlocked.Increment(ref passed) : Volatile.Read(ref passed);
                var x = result.Outcome.IsOutage() ? Interlocked.Increment(ref excluded) : Volatile.Read(ref excluded);
                progress?.Report(new EvalProgress(c, total, p, result, x));
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = true;
        }

        var results = _store.Results(run.Id);
        var status = interrupted ? RunStatuses.Interrupted : results.Any(r => r.Outcome.IsOutage()) ? RunStatuses.Degraded : RunStatuses.Completed;
        await _store.SetRunStatusAsync(run.Id, status, finished: !interrupted).ConfigureAwait(false);
        var final = _store.FindRun(run.Id)!;
        var summary = new EvalSummary(final, results, suite.Unsupported, interrupted, RunReport.Build(final, results, options.Report));
        WriteSummary(summary);
        return summary;
    }

    private async Task<StoredResult> RunAttemptAsync(StoredRun run, TaskSpec task, int attempt, int sample, ISolver solver, EvalOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var attemptDir = RunReport.AttemptFolder(run.Folder, task.Id, attempt);
        Workspaces.DeleteTree(attemptDir); // a partial attempt from an interrupted run, or an outage, is redone from scratch
        Directory.CreateDirectory(attemptDir);
        var workspace = Path.Combine(options.WorkDirectory, $"crucible-ws-{Canaries.RandomHex(8)}");
        try
        {
            Workspaces.Materialize(task, workspace);
            SolveResult solved;
            try
            {
                solved = await solver.SolveAsync(new SolveContext(task, workspace, attemptDir, attempt) { Sample = sample }, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An exception is never the solver's answer: a failed model call is an outage, anything else the harness's fault.
                solved = new SolveResult
                {
                    Status = "error",
                    Message = e.Message,
                    Failure = e is Models.ModelCallException ? SolveFailure.ModelError : SolveFailure.HarnessError,
                };
            }
            ct.ThrowIfCancellationRequested();
            Verdict verdict;
            AttemptOutcome outcome;
            if (solved.Failure is { } failure)
            {
                // Nothing to grade: grading the untouched starting files would report the outage as the solver's failure.
                outcome = AttemptOutcomes.FromSolveFailure(failure);
                verdict = new Verdict
                {
                    TaskId = task.Id,
                    Status = failure == SolveFailure.MalformedAnswer ? VerdictStatus.Failed : VerdictStatus.HarnessError,
                    Reasons = [$"not graded: {outcome.ToWire()}: {solved.Message}"],
                    Sandbox = "none",
                };
            }
            else
            {
                try
                {
                    verdict = await _verifier.VerifyAsync(task, workspace, new VerifyOptions { ArtifactsPath = attemptDir }, ct).ConfigureAwait(false);
                    // A grading stopped by cancellation ends in a failed verdict: never store it as the attempt's result (resume redoes it).
                    ct.ThrowIfCancellationRequested();
                    if (_integrity is not null)
                    {
                        var flags = await _integrity.CheckAsync(task, workspace, verdict, ct).ConfigureAwait(false);
                        verdict = verdict with { Integrity = flags };
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    verdict = new Verdict { TaskId = task.Id, Status = VerdictStatus.HarnessError, Reasons = [$"grading failed: {e.Message}"], Sandbox = "unknown" };
                }
                outcome = AttemptOutcomes.FromVerdict(verdict);
                SaveCandidate(task, workspace, Path.Combine(attemptDir, "candidate"));
            }
            var result = new StoredResult(run.Id, task.Id, attempt, solved.Status, verdict, clock.Elapsed, solved.Usage?.CostUsd)
            {
                Outcome = outcome,
                Sample = sample,
                SolverMessage = solved.Message,
                Usage = solved.Usage,
            };
            await File.WriteAllTextAsync(Path.Combine(attemptDir, "verdict.json"), JsonSerializer.Serialize(new
            {
                schema = "crucible.attempt",
                version = 2,
                solver = solver.Name,
                solverStatus = solved.Status,
                solverMessage = solved.Message,
                outcome,
                sample,
                usage = solved.Usage,
                durationMs = (long)clock.Elapsed.TotalMilliseconds,
                verdict,
            }, ResultStore.ArtifactJson), ct).ConfigureAwait(false);
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
            schema = "crucible.eval-summary",
            version = 2,
            // The stored options are JSON text: embed them as an object, never as a string holding JSON.
            run = new { s.Run.Id, s.Run.Suite, s.Run.Solver, options = JsonDocument.Parse(s.Run.OptionsJson).RootElement, s.Run.Folder, s.Run.CreatedAt, s.Run.FinishedAt, s.Run.Status },
            interrupted = s.Interrupted,
            degraded = s.Degraded,
            attempts = s.Results.Count,
            graded = s.Report.Counts.Graded,
            passed = s.Passed,
            excluded = s.Report.Counts.Excluded,
            passRate = s.PassRate,
            passAtK = s.Report.PassAtK,
            medianMs = (long)s.Median.TotalMilliseconds,
            p95Ms = (long)s.P95.TotalMilliseconds,
            costUsd = s.CostUsd,
            usage = s.Report.Usage,
            byStatus = s.ByStatus.ToDictionary(k => k.Key.ToString(), k => k.Value),
            byOutcome = s.Report.ByOutcome,
            unsupported = s.Unsupported,
            results = s.Results.Select(r => new { r.TaskId, r.Attempt, r.Sample, status = r.Verdict.Status, outcome = r.Outcome, countsAsPass = r.CountsAsPass, durationMs = (long)r.Duration.TotalMilliseconds, r.Verdict.Reasons }),
        };
        File.WriteAllText(Path.Combine(s.Run.Folder, "summary.json"), JsonSerializer.Serialize(doc, ResultStore.ArtifactJson));
    }
}

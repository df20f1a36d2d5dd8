using System.Collections.Concurrent;
using Crucible.Agent;
using Crucible.Constitution.Changes;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Viewer;

/// <summary>
/// Reads the evaluation store the CLI writes (<c>crucible.db</c> and the run folders) into the viewer's documents.
/// Read-only: it never changes a run. Safe to call from several threads (database reads are serialised).
/// </summary>
public sealed class RunCatalog : IDisposable
{
    private readonly ResultStore _store;
    private readonly Lock _db = new();
    private readonly ConcurrentDictionary<string, Lazy<TaskSuite?>> _suites = new(StringComparer.Ordinal);

    /// <summary>Opens the store at <paramref name="databasePath"/>.</summary>
    /// <exception cref="Core.StateException">The database is damaged or cannot be opened.</exception>
    public RunCatalog(string databasePath, ViewerOptions? options = null)
    {
        _store = new ResultStore(databasePath);
        Options = options ?? ViewerOptions.Default;
    }

    /// <summary>The options in force.</summary>
    public ViewerOptions Options { get; }

    /// <summary>Every run, newest first.</summary>
    public RunList Runs() =>
        new(ViewSchemas.Runs, ViewSchemas.Version, [.. Locked(_store.Runs).Select(run => RunRow.Of(Report(run)))]);

    /// <summary>The run with id (or unique id prefix) <paramref name="id"/>, or null when there is none.</summary>
    public StoredRun? Find(string id) => Locked(() => _store.FindRun(id));

    /// <summary>The evaluation's report of a run (<see cref="RunReport"/>), or null when there is no such run.</summary>
    public RunReport? Report(string id) => Find(id) is { } run ? Report(run) : null;

    /// <summary>One run with its tasks and charts, or null when there is no such run.</summary>
    public RunView? Run(string id) => Report(id) is { } report ? Run(report) : null;

    /// <summary>The run view of <paramref name="report"/>.</summary>
    public static RunView Run(RunReport report)
    {
        var t = report.Usage.Tokens;
        var charts = new RunCharts(
            [.. report.Tasks.Select(task => new ChartBar(task.TaskId, task.PassAt1))],
            [.. report.Tasks.Select(task => new ChartBar(task.TaskId, (double)task.CostUsd))],
            [
                new ChartBar("input", t.InputTokens),
                new ChartBar("output", t.OutputTokens),
                new ChartBar("cache read", t.CacheReadTokens),
                new ChartBar("cache write", t.CacheWriteTokens + t.CacheWrite1hTokens),
            ],
            // Every outcome of the taxonomy in its own order, zeros included: an empty bar says "none of these".
            [.. Enum.GetValues<AttemptOutcome>().Select(o => new ChartBar(o.ToWire(), report.ByOutcome.GetValueOrDefault(o.ToWire())))]);
        return new RunView(ViewSchemas.Run, ViewSchemas.Version, RunRow.Of(report), report.Tasks, charts);
    }

    /// <summary>One task of a run, or null when the run or the task is unknown.</summary>
    public TaskView? Task(string runId, string taskId)
    {
        return Report(runId) is { } report && report.Tasks.FirstOrDefault(t => t.TaskId == taskId) is { } task ? Task(report, task) : null;
    }

    /// <summary>The view of <paramref name="task"/> in <paramref name="report"/>.</summary>
    public static TaskView Task(RunReport report, TaskReport task) =>
        new(ViewSchemas.Task, ViewSchemas.Version, report.Run, task, [.. report.Attempts.Where(a => a.TaskId == task.TaskId)]);

    /// <summary>One attempt in full (trajectory, diff, verdict, findings), or null when it is not stored.</summary>
    public AttemptView? Attempt(string runId, string taskId, int attempt)
    {
        if (Find(runId) is not { } run)
        {
            return null;
        }
        var result = Locked(() => _store.Results(run.Id)).FirstOrDefault(r => r.TaskId == taskId && r.Attempt == attempt);
        return result is null ? null : Attempt(run, result);
    }

    /// <summary>Every attempt of a run in full, in task and attempt order (reads the store once).</summary>
    public IEnumerable<AttemptView> Attempts(string runId)
    {
        if (Find(runId) is not { } run)
        {
            yield break;
        }
        foreach (var result in Locked(() => _store.Results(run.Id)))
        {
            yield return Attempt(run, result);
        }
    }

    private AttemptView Attempt(StoredRun run, StoredResult result)
    {
        var (taskId, attempt) = (result.TaskId, result.Attempt);
        var folder = RunReport.AttemptFolder(run.Folder, taskId, attempt);
        var trajectoryPath = Path.Combine(folder, AgentSolver.TrajectoryFile);
        var trajectory = File.Exists(trajectoryPath) ? TrajectoryView.Read(trajectoryPath, Options) : new TrajectoryRead([], []);
        var (diff, note) = Diff(run, taskId, Path.Combine(folder, "candidate"));
        var verdict = result.Verdict with { TestLog = TextLimits.HeadTail(result.Verdict.TestLog, Options.MaxLogChars) };
        var findings = new List<Finding>();
        findings.AddRange(verdict.Integrity.Select(f => new Finding("integrity", f.Rule, f.Message, f.File, f.Line)));
        findings.AddRange(verdict.Tampering.Select(t => new Finding("tampering", t.Change, $"{t.Path} was {t.Change}", t.Path)));
        findings.AddRange(trajectory.Findings);
        return new AttemptView(ViewSchemas.Attempt, ViewSchemas.Version, run.Id, taskId, attempt, result.Outcome, result.CountsAsPass, result.SolverStatus, result.SolverMessage,
            (long)result.Duration.TotalMilliseconds, result.CostUsd, result.Usage, verdict, trajectory.Steps, diff, note, findings);
    }

    /// <summary>Two runs side by side (the evaluation's <see cref="RunComparison"/>), or null when either is unknown.</summary>
    public CompareView? Compare(string a, string b)
    {
        if (Report(a) is not { } reportA || Report(b) is not { } reportB)
        {
            return null;
        }
        return new CompareView(ViewSchemas.Compare, ViewSchemas.Version, RunRow.Of(reportA), RunRow.Of(reportB), RunComparison.Build(reportA, reportB, Options.Report.Bootstrap));
    }

    /// <inheritdoc />
    public void Dispose() => _store.Dispose();

    private RunReport Report(StoredRun run) => RunReport.Build(run, Locked(() => _store.Results(run.Id)), Options.Report);

    private (IReadOnlyList<FileDiff> Files, string? Note) Diff(StoredRun run, string taskId, string candidate)
    {
        if (!Directory.Exists(candidate))
        {
            return ([], "no candidate files were saved for this attempt");
        }
        var suite = _suites.GetOrAdd(run.Suite, path => new Lazy<TaskSuite?>(() => LoadSuite(path))).Value;
        if (suite?.Tasks.FirstOrDefault(t => t.Id == taskId) is not { } task)
        {
            return ([], $"the task is not in the suite at {run.Suite} any more: the change cannot be compared with its starting files");
        }
        var changes = ChangeSetBuilder.FromTask(task, candidate);
        // The run keeps only the editable files of a candidate: a starting file outside them (a test) is absent, not deleted.
        var files = changes.Changed.Where(f => PathGlob.MatchesAny(f.Path, task.Editable)).Select(f => DiffView.Of(f, Options.DiffContextLines)).ToList();
        return (files, changes.Skipped.Count > 0 ? $"not shown (binary or too large): {string.Join(", ", changes.Skipped)}" : null);
    }

    private static TaskSuite? LoadSuite(string path)
    {
        try
        {
            return Directory.Exists(path) ? TaskSuites.Load(path) : null;
        }
        catch (Exception e) when (e is Core.BadInputException or TaskLoadException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private T Locked<T>(Func<T> read)
    {
        lock (_db)
        {
            return read();
        }
    }
}

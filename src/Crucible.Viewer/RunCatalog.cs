using System.Collections.Concurrent;
using System.Text.Json;
using Crucible.Agent;
using Crucible.Constitution.Changes;
using Crucible.Core.Tasks;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
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
    public RunList Runs()
    {
        var rows = new List<RunRow>();
        foreach (var run in Locked(_store.Runs))
        {
            rows.Add(Row(run, Locked(() => _store.Results(run.Id))));
        }
        return new RunList(ViewSchemas.Runs, ViewSchemas.Version, rows);
    }

    /// <summary>The run with id (or unique id prefix) <paramref name="id"/>, or null when there is none.</summary>
    public StoredRun? Find(string id) => Locked(() => _store.FindRun(id));

    /// <summary>One run with its tasks and charts, or null when there is no such run.</summary>
    public RunView? Run(string id)
    {
        if (Find(id) is not { } run)
        {
            return null;
        }
        var results = Locked(() => _store.Results(run.Id));
        var tasks = results.GroupBy(r => r.TaskId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => TaskOf(g.Key, [.. g])).ToList();
        var tokens = results.Select(r => ReadAttemptFile(run, r.TaskId, r.Attempt)?.Usage?.Tokens).OfType<TokenUsage>().Aggregate(TokenUsage.Zero, (a, b) => a + b);
        var charts = new RunCharts(
            [.. tasks.Select(t => new ChartBar(t.TaskId, t.PassRate))],
            [.. tasks.Select(t => new ChartBar(t.TaskId, (double)t.CostUsd))],
            [
                new ChartBar("input", tokens.InputTokens),
                new ChartBar("output", tokens.OutputTokens),
                new ChartBar("cache read", tokens.CacheReadTokens),
                new ChartBar("cache write", tokens.CacheWriteTokens + tokens.CacheWrite1hTokens),
            ],
            [.. results.GroupBy(Outcome).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => new ChartBar(g.Key, g.Count()))]);
        using var options = JsonDocument.Parse(run.OptionsJson);
        return new RunView(ViewSchemas.Run, ViewSchemas.Version, Row(run, results), options.RootElement.Clone(), tasks, charts);
    }

    /// <summary>One task of a run, or null when the run or the task is unknown.</summary>
    public TaskView? Task(string runId, string taskId)
    {
        if (Find(runId) is not { } run)
        {
            return null;
        }
        var results = Locked(() => _store.Results(run.Id)).Where(r => r.TaskId == taskId).ToList();
        return results.Count == 0 ? null : new TaskView(ViewSchemas.Task, ViewSchemas.Version, run.Id, TaskOf(taskId, results));
    }

    /// <summary>One attempt in full (trajectory, diff, verdict, findings), or null when it is not stored.</summary>
    public AttemptView? Attempt(string runId, string taskId, int attempt)
    {
        if (Find(runId) is not { } run)
        {
            return null;
        }
        var result = Locked(() => _store.Results(run.Id)).FirstOrDefault(r => r.TaskId == taskId && r.Attempt == attempt);
        if (result is null)
        {
            return null;
        }
        var folder = AttemptFolder(run, taskId, attempt);
        var file = ReadAttemptFile(run, taskId, attempt);
        var trajectoryPath = Path.Combine(folder, AgentSolver.TrajectoryFile);
        var trajectory = File.Exists(trajectoryPath) ? TrajectoryView.Read(trajectoryPath, Options) : new TrajectoryRead([], []);
        var (diff, note) = Diff(run, taskId, Path.Combine(folder, "candidate"));
        var verdict = result.Verdict with { TestLog = TextLimits.HeadTail(result.Verdict.TestLog, Options.MaxLogChars) };
        var findings = new List<Finding>();
        findings.AddRange(verdict.Integrity.Select(f => new Finding("integrity", f.Rule, f.Message, f.File, f.Line)));
        findings.AddRange(verdict.Tampering.Select(t => new Finding("tampering", t.Change, $"{t.Path} was {t.Change}", t.Path)));
        findings.AddRange(trajectory.Findings);
        return new AttemptView(ViewSchemas.Attempt, ViewSchemas.Version, run.Id, taskId, attempt, result.Verdict.CountsAsPass, result.SolverStatus, file?.SolverMessage,
            (long)result.Duration.TotalMilliseconds, result.CostUsd, file?.Usage, verdict, trajectory.Steps, diff, note, findings);
    }

    /// <summary>Two runs side by side, task by task, or null when either is unknown.</summary>
    public CompareView? Compare(string a, string b)
    {
        if (Find(a) is not { } runA || Find(b) is not { } runB)
        {
            return null;
        }
        var resultsA = Locked(() => _store.Results(runA.Id));
        var resultsB = Locked(() => _store.Results(runB.Id));
        var ratesA = Rates(resultsA);
        var ratesB = Rates(resultsB);
        var rows = ratesA.Keys.Union(ratesB.Keys).Order(StringComparer.Ordinal).Select(task =>
        {
            double? ra = ratesA.TryGetValue(task, out var x) ? x : null;
            double? rb = ratesB.TryGetValue(task, out var y) ? y : null;
            var change = (ra, rb) switch
            {
                (null, _) => "only-b",
                (_, null) => "only-a",
                var (p, q) when q > p => "gained",
                var (p, q) when q < p => "lost",
                _ => "same",
            };
            return new CompareRow(task, ra, rb, change);
        }).ToList();
        return new CompareView(ViewSchemas.Compare, ViewSchemas.Version, Row(runA, resultsA), Row(runB, resultsB), rows);
    }

    /// <inheritdoc />
    public void Dispose() => _store.Dispose();

    /// <summary>
    /// The outcome an attempt is counted under in the run's chart: passed, integrity-flagged (tests passed but the
    /// checks flagged it), solver error, or the verdict's status.
    /// </summary>
    internal static string Outcome(StoredResult r) => r switch
    {
        { Verdict.CountsAsPass: true } => "passed",
        { Verdict.Status: VerdictStatus.Passed } => "integrity-flagged",
        { SolverStatus: "error" } => "solver error",
        { Verdict.Status: VerdictStatus.BuildFailed } => "build failed",
        { Verdict.Status: VerdictStatus.Failed } => "tests failed",
        { Verdict.Status: VerdictStatus.LimitExceeded } => "timeout or limit",
        { Verdict.Status: VerdictStatus.Forged } => "forged",
        _ => "harness error",
    };

    private static Dictionary<string, double> Rates(IReadOnlyList<StoredResult> results) =>
        results.GroupBy(r => r.TaskId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(r => r.Verdict.CountsAsPass) / g.Count(), StringComparer.Ordinal);

    private static RunRow Row(StoredRun run, IReadOnlyList<StoredResult> results)
    {
        var passed = results.Count(r => r.Verdict.CountsAsPass);
        return new RunRow(run.Id, run.Suite, run.Solver, run.Status, run.CreatedAt, run.FinishedAt,
            results.Select(r => r.TaskId).Distinct(StringComparer.Ordinal).Count(), results.Count, passed,
            results.Count == 0 ? 0 : (double)passed / results.Count, results.Sum(r => r.CostUsd ?? 0m), (long)results.Sum(r => r.Duration.TotalMilliseconds));
    }

    private static TaskRow TaskOf(string taskId, IReadOnlyList<StoredResult> results)
    {
        var passed = results.Count(r => r.Verdict.CountsAsPass);
        return new TaskRow(taskId, results.Count, passed, (double)passed / results.Count, results.Sum(r => r.CostUsd ?? 0m), (long)results.Sum(r => r.Duration.TotalMilliseconds),
            [.. results.OrderBy(r => r.Attempt).Select(r => new AttemptRow(r.Attempt, r.Verdict.Status, r.Verdict.CountsAsPass, r.SolverStatus, r.CostUsd,
                (long)r.Duration.TotalMilliseconds, r.Verdict.Counts.Passed, r.Verdict.Counts.Expected, r.Verdict.Integrity.Count))]);
    }

    private static string AttemptFolder(StoredRun run, string taskId, int attempt) =>
        Path.Combine(run.Folder, "tasks", taskId, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The parts of an attempt's <c>verdict.json</c> the database does not hold.</summary>
    private sealed record AttemptFile(string? SolverMessage, UsageTotals? Usage);

    private static AttemptFile? ReadAttemptFile(StoredRun run, string taskId, int attempt)
    {
        var path = Path.Combine(AttemptFolder(run, taskId, attempt), "verdict.json");
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<AttemptFile>(stream, ResultStore.Json);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // an attempt without its file still shows what the database holds
        }
    }

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

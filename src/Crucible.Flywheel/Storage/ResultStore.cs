using System.Text.Json;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Microsoft.Data.Sqlite;

namespace Crucible.Flywheel.Storage;

/// <summary>A stored evaluation run.</summary>
/// <param name="Id">Run id (e.g. <c>20261121-143012-a1b2</c>).</param>
/// <param name="Suite">Absolute suite path.</param>
/// <param name="Solver">Solver name.</param>
/// <param name="OptionsJson">The options the run was started with, for <c>--resume</c>.</param>
/// <param name="Folder">The run folder.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="FinishedAt">When it completed, if it did.</param>
/// <param name="Status"><c>created</c>, <c>running</c>, <c>completed</c>, <c>degraded</c> (finished, but some attempts met a
/// model/provider or harness error; <c>--resume</c> redoes them) or <c>interrupted</c> (see <see cref="RunStatuses"/>).</param>
public sealed record StoredRun(string Id, string Suite, string Solver, string OptionsJson, string Folder, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string Status);

/// <summary>One graded attempt as stored.</summary>
/// <param name="RunId">The run.</param>
/// <param name="TaskId">The task.</param>
/// <param name="Attempt">0-based attempt number.</param>
/// <param name="SolverStatus">How the solver ended.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Duration">Solve plus verify time.</param>
/// <param name="CostUsd">Model cost of the attempt, if any.</param>
public sealed record StoredResult(string RunId, string TaskId, int Attempt, string SolverStatus, Verdict Verdict, TimeSpan Duration, decimal? CostUsd)
{
    private readonly AttemptOutcome? _outcome;
    private readonly int? _sample;

    /// <summary>
    /// The failure taxonomy of this attempt. Attempts stored before the taxonomy existed get the outcome their verdict
    /// implies (<see cref="AttemptOutcomes.FromVerdict"/>).
    /// </summary>
    public AttemptOutcome Outcome { get => _outcome ?? AttemptOutcomes.FromVerdict(Verdict); init => _outcome = value; }

    /// <summary>0-based independent sample (<c>--samples</c>) this attempt belongs to; repeats of one sample share it. Defaults to <see cref="Attempt"/>.</summary>
    public int Sample { get => _sample ?? Attempt; init => _sample = value; }

    /// <summary>The solver's message (why it stopped, why its answer was malformed), if any.</summary>
    public string? SolverMessage { get; init; }

    /// <summary>Model tokens, dollars and calls of the attempt, when a model was involved.</summary>
    public UsageTotals? Usage { get; init; }

    /// <summary>True when the attempt counts as passed (<see cref="AttemptOutcome.Passed"/>).</summary>
    public bool CountsAsPass => Outcome == AttemptOutcome.Passed;
}

/// <summary>The statuses of a stored run.</summary>
public static class RunStatuses
{
    /// <summary>Recorded, not started.</summary>
    public const string Created = "created";

    /// <summary>Attempts are being graded.</summary>
    public const string Running = "running";

    /// <summary>Every attempt finished with a result.</summary>
    public const string Completed = "completed";

    /// <summary>Every attempt finished, but some met a model/provider or harness error: not a complete result; <c>--resume</c> redoes those.</summary>
    public const string Degraded = "degraded";

    /// <summary>Stopped before every attempt finished; <c>--resume</c> continues.</summary>
    public const string Interrupted = "interrupted";
}

/// <summary>
/// The embedded SQLite database (<c>.crucible/crucible.db</c>) holding evaluation runs and their
/// results. Every result is committed on its own, in WAL mode, so a killed run keeps every finished
/// attempt and resumes from there.
/// </summary>
public sealed class ResultStore : IDisposable
{
    /// <summary>JSON options used for stored verdicts and options.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// JSON options of the files people read (<c>verdict.json</c>, <c>summary.json</c>, <c>run.json</c>, <c>--json</c>
    /// output): camelCase keys, enums as names, indented, and quotes and non-ASCII text written as they are rather than
    /// as <c>\uXXXX</c> escapes.
    /// </summary>
    public static JsonSerializerOptions ArtifactJson { get; } = new(Json)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    /// <exception cref="Core.StateException">The database is damaged (it has been moved aside) or cannot be opened or written.</exception>
    public ResultStore(string path)
    {
        _db = Crucible.Models.Storage.StateDatabase.Open(path, "the result database", """
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;
            CREATE TABLE IF NOT EXISTS eval_runs(
              id TEXT PRIMARY KEY, suite TEXT NOT NULL, solver TEXT NOT NULL, options_json TEXT NOT NULL,
              folder TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS eval_results(
              run_id TEXT NOT NULL REFERENCES eval_runs(id), task_id TEXT NOT NULL, attempt INTEGER NOT NULL,
              status TEXT NOT NULL, counts_as_pass INTEGER NOT NULL, solver_status TEXT NOT NULL,
              duration_ms INTEGER NOT NULL, cost_usd REAL, verdict_json TEXT NOT NULL, finished_at TEXT NOT NULL,
              PRIMARY KEY(run_id, task_id, attempt));
            """, Crucible.Models.Storage.DamagedDatabasePolicy.Fail).Connection;
        Migrate();
    }

    /// <summary>
    /// Columns added after the first schema, each nullable so rows written before it stay valid: a database written by an
    /// older Crucible opens and reads (missing outcomes are derived from the verdict, missing samples equal the attempt).
    /// </summary>
    private static readonly (string Column, string Type)[] AddedResultColumns =
    [
        ("outcome", "TEXT"), ("sample", "INTEGER"), ("solver_message", "TEXT"), ("usage_json", "TEXT"),
    ];

    private void Migrate()
    {
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "PRAGMA table_info(eval_results)";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                existing.Add(r.GetString(1));
            }
        }
        foreach (var (column, type) in AddedResultColumns.Where(c => !existing.Contains(c.Column)))
        {
            Execute($"ALTER TABLE eval_results ADD COLUMN {column} {type}");
        }
    }

    /// <summary>Path of the database.</summary>
    public string DatabasePath => _db.DataSource;

    /// <summary>Records a new run.</summary>
    public async Task CreateRunAsync(StoredRun run)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Execute("INSERT INTO eval_runs(id, suite, solver, options_json, folder, created_at, finished_at, status) VALUES ($id,$suite,$solver,$opt,$folder,$created,NULL,$status)",
                ("$id", run.Id), ("$suite", run.Suite), ("$solver", run.Solver), ("$opt", run.OptionsJson), ("$folder", run.Folder),
                ("$created", run.CreatedAt.ToString("O")), ("$status", run.Status));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Marks a run's status (and finish time when <paramref name="finished"/>).</summary>
    public async Task SetRunStatusAsync(string runId, string status, bool finished)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Execute("UPDATE eval_runs SET status=$s, finished_at=$f WHERE id=$id",
                ("$s", status), ("$f", finished ? DateTimeOffset.UtcNow.ToString("O") : null), ("$id", runId));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Finds a run by id (or unique id prefix).</summary>
    public StoredRun? FindRun(string idOrPrefix)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id, suite, solver, options_json, folder, created_at, finished_at, status FROM eval_runs WHERE id = $id OR id LIKE $prefix ORDER BY id";
        cmd.Parameters.AddWithValue("$id", idOrPrefix);
        cmd.Parameters.AddWithValue("$prefix", idOrPrefix.Replace("%", "", StringComparison.Ordinal) + "%");
        using var r = cmd.ExecuteReader();
        var found = new List<StoredRun>();
        while (r.Read())
        {
            found.Add(new StoredRun(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                DateTimeOffset.Parse(r.GetString(5), System.Globalization.CultureInfo.InvariantCulture),
                r.IsDBNull(6) ? null : DateTimeOffset.Parse(r.GetString(6), System.Globalization.CultureInfo.InvariantCulture), r.GetString(7)));
        }
        return found.Count == 1 ? found[0] : found.FirstOrDefault(f => f.Id == idOrPrefix);
    }

    /// <summary>Every run, newest first.</summary>
    public IReadOnlyList<StoredRun> Runs()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id FROM eval_runs ORDER BY created_at DESC";
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read())
        {
            ids.Add(r.GetString(0));
        }
        return [.. ids.Select(id => FindRun(id)!)];
    }

    /// <summary>Stores one graded attempt, committed before returning.</summary>
    public async Task AddResultAsync(StoredResult result)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Execute("""
                INSERT OR REPLACE INTO eval_results(run_id, task_id, attempt, status, counts_as_pass, solver_status, duration_ms, cost_usd, verdict_json, finished_at, outcome, sample, solver_message, usage_json)
                VALUES ($run,$task,$attempt,$status,$pass,$solver,$ms,$cost,$verdict,$at,$outcome,$sample,$message,$usage)
                """,
                ("$run", result.RunId), ("$task", result.TaskId), ("$attempt", result.Attempt), ("$status", result.Verdict.Status.ToString()),
                ("$pass", result.CountsAsPass ? 1 : 0), ("$outcome", result.Outcome.ToWire()), ("$sample", result.Sample), ("$message", result.SolverMessage),
                ("$usage", result.Usage is { } u ? JsonSerializer.Serialize(u, Json) : null), ("$solver", result.SolverStatus), ("$ms", (long)result.Duration.TotalMilliseconds),
                ("$cost", result.CostUsd is { } c ? (double)c : null), ("$verdict", JsonSerializer.Serialize(result.Verdict, Json)),
                ("$at", DateTimeOffset.UtcNow.ToString("O")));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every stored attempt of a run, ordered by task and attempt.</summary>
    public IReadOnlyList<StoredResult> Results(string runId)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT task_id, attempt, solver_status, verdict_json, duration_ms, cost_usd, outcome, sample, solver_message, usage_json FROM eval_results WHERE run_id = $run ORDER BY task_id, attempt";
        cmd.Parameters.AddWithValue("$run", runId);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredResult>();
        while (r.Read())
        {
            var verdict = JsonSerializer.Deserialize<Verdict>(r.GetString(3), Json)!;
            list.Add(new StoredResult(runId, r.GetString(0), r.GetInt32(1), r.GetString(2), verdict, TimeSpan.FromMilliseconds(r.GetInt64(4)),
                r.IsDBNull(5) ? null : (decimal)r.GetDouble(5))
            {
                Outcome = AttemptOutcomes.FromWire(r.IsDBNull(6) ? null : r.GetString(6)) ?? AttemptOutcomes.FromVerdict(verdict),
                Sample = r.IsDBNull(7) ? r.GetInt32(1) : r.GetInt32(7),
                SolverMessage = r.IsDBNull(8) ? null : r.GetString(8),
                Usage = r.IsDBNull(9) ? null : JsonSerializer.Deserialize<UsageTotals>(r.GetString(9), Json),
            });
        }
        return list;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _db.Dispose();
        _gate.Dispose();
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        cmd.ExecuteNonQuery();
    }
}

using Microsoft.Data.Sqlite;
using Crucible.Agent.Loop;

namespace Crucible.Agent.Sessions;

/// <summary>One indexed session.</summary>
/// <param name="Id">Session id.</param>
/// <param name="Created">When it started.</param>
/// <param name="Updated">When it last recorded a step.</param>
/// <param name="Cwd">The workspace it ran in.</param>
/// <param name="Task">The first request or the task id.</param>
/// <param name="Model">Model spec, when known.</param>
/// <param name="Status">Last run status (<c>running</c> while a run is going or when the process died).</param>
/// <param name="LastStep">Last step recorded.</param>
/// <param name="TranscriptPath">The JSONL transcript.</param>
public sealed record SessionInfo(string Id, DateTimeOffset Created, DateTimeOffset Updated, string Cwd, string? Task, string? Model, string Status, int LastStep, string TranscriptPath);

/// <summary>
/// The SQLite index of sessions (<c>sessions.db</c> beside the transcripts). The transcript is the
/// source of truth; the index only finds sessions by id or by workspace.
/// </summary>
public sealed class SessionIndex : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    /// <summary>
    /// Opens the index at <paramref name="databasePath"/>. When it is missing, empty or damaged (a damaged file is
    /// moved aside, never deleted), a new one is made and rebuilt from the transcripts (<c>*.jsonl</c>) beside it;
    /// <see cref="Rebuilt"/> says so.
    /// </summary>
    /// <exception cref="Core.StateException">The folder or file cannot be opened or written.</exception>
    public SessionIndex(string databasePath)
    {
        // The transcript is the source of truth; the index may lag one commit after a power loss, never corrupt.
        var opened = Crucible.Models.Storage.StateDatabase.Open(databasePath, "the sessions index", """
            PRAGMA journal_mode=WAL;
            PRAGMA busy_timeout=5000;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS sessions (
                id TEXT PRIMARY KEY,
                created TEXT NOT NULL,
                updated TEXT NOT NULL,
                cwd TEXT NOT NULL,
                task TEXT,
                model TEXT,
                status TEXT NOT NULL,
                last_step INTEGER NOT NULL,
                transcript TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS sessions_cwd ON sessions(cwd, updated);
            """, Crucible.Models.Storage.DamagedDatabasePolicy.StartEmpty);
        _db = opened.Connection;
        if (opened.Created)
        {
            var count = RebuildFrom(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
            if (opened.MovedAside is { } moved)
            {
                Rebuilt = $"the sessions index {databasePath} was damaged ({opened.Damage}); it was moved to {moved} and rebuilt from {count} transcript(s)";
            }
        }
    }

    /// <summary>What was repaired when the index was opened (a damaged index moved aside and rebuilt), or null.</summary>
    public string? Rebuilt { get; }

    /// <summary>
    /// Indexes every transcript in <paramref name="folder"/> not indexed yet, from its events (the first
    /// <see cref="Loop.SessionStarted"/>, the last event's time and run status); returns how many were added.
    /// A transcript that cannot be read up to its first event is skipped: it stays on disk for the user.
    /// </summary>
    public int RebuildFrom(string folder)
    {
        var added = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*.jsonl").Order(StringComparer.Ordinal))
        {
            TranscriptContents contents;
            try
            {
                contents = TranscriptReader.ReadValid(file);
            }
            catch (IOException)
            {
                continue;
            }
            if (contents.Events.OfType<Loop.SessionStarted>().FirstOrDefault() is not { } started || Find(started.SessionId) is not null)
            {
                continue;
            }
            var ended = contents.Events.LastOrDefault(e => e is Loop.RunEnded or Loop.SessionStarted { Resumed: true }) as Loop.RunEnded;
            Add(new SessionInfo(
                started.SessionId, started.Time, contents.Events[^1].Time, Path.GetFullPath(started.Cwd), started.Task, started.Model,
                ended is null ? "running" : ended.Status.ToWire(), TranscriptReader.LastStep(contents.Events), Path.GetFullPath(file)));
            added++;
        }
        return added;
    }

    /// <summary>Adds a session.</summary>
    public void Add(SessionInfo s)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT INTO sessions VALUES ($id,$c,$u,$cwd,$task,$model,$status,$step,$path)";
            cmd.Parameters.AddWithValue("$id", s.Id);
            cmd.Parameters.AddWithValue("$c", s.Created.ToString("O"));
            cmd.Parameters.AddWithValue("$u", s.Updated.ToString("O"));
            cmd.Parameters.AddWithValue("$cwd", s.Cwd);
            cmd.Parameters.AddWithValue("$task", (object?)s.Task ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$model", (object?)s.Model ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$status", s.Status);
            cmd.Parameters.AddWithValue("$step", s.LastStep);
            cmd.Parameters.AddWithValue("$path", s.TranscriptPath);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Records progress of a session.</summary>
    public void Update(string id, string status, int lastStep)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "UPDATE sessions SET status=$s, last_step=MAX(last_step,$step), updated=$u WHERE id=$id";
            cmd.Parameters.AddWithValue("$s", status);
            cmd.Parameters.AddWithValue("$step", lastStep);
            cmd.Parameters.AddWithValue("$u", DateTimeOffset.UtcNow.ToString("O"));
            cmd.Parameters.AddWithValue("$id", id);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>The session with <paramref name="id"/>, or null.</summary>
    public SessionInfo? Find(string id) => Query("SELECT * FROM sessions WHERE id=$p", id).FirstOrDefault();

    /// <summary>The most recently updated session started in <paramref name="cwd"/>, or null.</summary>
    public SessionInfo? Latest(string cwd) => Query("SELECT * FROM sessions WHERE cwd=$p ORDER BY updated DESC, created DESC LIMIT 1", Path.GetFullPath(cwd)).FirstOrDefault();

    /// <summary>Sessions of <paramref name="cwd"/>, newest first.</summary>
    public IReadOnlyList<SessionInfo> List(string cwd) => Query("SELECT * FROM sessions WHERE cwd=$p ORDER BY updated DESC", Path.GetFullPath(cwd));

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();

    private List<SessionInfo> Query(string sql, string parameter)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$p", parameter);
            using var r = cmd.ExecuteReader();
            var list = new List<SessionInfo>();
            while (r.Read())
            {
                list.Add(new SessionInfo(
                    r.GetString(0), DateTimeOffset.Parse(r.GetString(1), System.Globalization.CultureInfo.InvariantCulture),
                    DateTimeOffset.Parse(r.GetString(2), System.Globalization.CultureInfo.InvariantCulture),
                    r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                    r.GetString(6), r.GetInt32(7), r.GetString(8)));
            }
            return list;
        }
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

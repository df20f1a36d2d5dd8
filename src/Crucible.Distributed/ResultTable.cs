using System.Text.Json;
using Crucible.Core.Verification;
using Npgsql;

namespace Crucible.Distributed;

/// <summary>A verdict stored under a job hash.</summary>
/// <param name="Hash">The job hash.</param>
/// <param name="DispatchId">The publication whose grading wrote it.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Worker">The worker that graded it.</param>
/// <param name="Deliveries">Which delivery of the job produced it (1 for the first).</param>
public sealed record StoredResult(string Hash, string DispatchId, Verdict Verdict, string Worker, int Deliveries)
{
    /// <summary>
    /// True when the verdict answers any identical job: a harness error is the harness's fault, not the candidate's, so
    /// it answers only the publication that produced it and a later identical job is graded again.
    /// </summary>
    public bool IsFinal => Verdict.Status != VerdictStatus.HarnessError;
}

/// <summary>A job the broker dead-lettered after its delivery limit.</summary>
/// <param name="DispatchId">The publication it belonged to.</param>
/// <param name="Hash">The job hash.</param>
/// <param name="TaskId">The task's id.</param>
/// <param name="Reason">Why the broker gave up, as its headers say.</param>
/// <param name="Deliveries">Deliveries before it was dead-lettered.</param>
public sealed record DeadLetter(string DispatchId, string Hash, string TaskId, string Reason, int Deliveries);

/// <summary>
/// The PostgreSQL tables of scale-out: results keyed by job hash (written once: a redelivered job finds its row and
/// writes nothing), and dead letters keyed by dispatch id. Every call opens a pooled connection, so a database restart
/// costs the calls that were in flight, never the table object.
/// </summary>
public sealed class ResultTable(string connectionString)
{
    /// <summary>The schema version of the tables; stored in <c>crucible_schema</c>.</summary>
    public const int SchemaVersion = 1;

    private readonly string _connectionString = connectionString;

    /// <summary>Creates the tables when missing. Safe to run from many processes at once (an advisory lock serialises it).</summary>
    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecAsync(conn, "SELECT pg_advisory_xact_lock(7410151)", ct).ConfigureAwait(false);
        await ExecAsync(conn, """
            CREATE TABLE IF NOT EXISTS crucible_schema (name text PRIMARY KEY, version int NOT NULL);
            INSERT INTO crucible_schema (name, version) VALUES ('crucible.distributed', 1) ON CONFLICT (name) DO NOTHING;
            CREATE TABLE IF NOT EXISTS crucible_results (
                job_hash text PRIMARY KEY,
                dispatch_id text NOT NULL,
                task_id text NOT NULL,
                status text NOT NULL,
                verdict jsonb NOT NULL,
                worker text NOT NULL,
                verifier_version text NOT NULL,
                deliveries int NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS crucible_dead_letters (
                dispatch_id text PRIMARY KEY,
                job_hash text NOT NULL,
                task_id text NOT NULL,
                reason text NOT NULL,
                deliveries int NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            """, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a verdict unless the hash has a final one already (a harness error is replaced, see
    /// <see cref="StoredResult.IsFinal"/>); true when this call wrote the row. The hash is the primary key: a job has at
    /// most one row however often it is delivered.
    /// </summary>
    public async Task<bool> TryInsertAsync(string hash, string dispatchId, Verdict verdict, string worker, string verifierVersion, int deliveries, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO crucible_results (job_hash, dispatch_id, task_id, status, verdict, worker, verifier_version, deliveries)
            VALUES (@h, @di, @t, @s, @v::jsonb, @w, @vv, @d)
            ON CONFLICT (job_hash) DO UPDATE SET dispatch_id = excluded.dispatch_id, status = excluded.status, verdict = excluded.verdict,
                worker = excluded.worker, verifier_version = excluded.verifier_version, deliveries = excluded.deliveries, created_at = now()
            WHERE crucible_results.status = 'HarnessError'
            """, conn);
        cmd.Parameters.AddWithValue("di", dispatchId);
        cmd.Parameters.AddWithValue("h", hash);
        cmd.Parameters.AddWithValue("t", verdict.TaskId);
        cmd.Parameters.AddWithValue("s", verdict.Status.ToString());
        cmd.Parameters.AddWithValue("v", JsonSerializer.Serialize(verdict, Jobs.Json));
        cmd.Parameters.AddWithValue("w", worker);
        cmd.Parameters.AddWithValue("vv", verifierVersion);
        cmd.Parameters.AddWithValue("d", deliveries);
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <summary>Whether a final verdict (<see cref="StoredResult.IsFinal"/>) is stored for <paramref name="hash"/>.</summary>
    public async Task<bool> ExistsAsync(string hash, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM crucible_results WHERE job_hash = @h AND status <> 'HarnessError'", conn);
        cmd.Parameters.AddWithValue("h", hash);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    /// <summary>The stored results among <paramref name="hashes"/>.</summary>
    public async Task<IReadOnlyList<StoredResult>> FindAsync(IReadOnlyCollection<string> hashes, CancellationToken ct)
    {
        var found = new List<StoredResult>();
        if (hashes.Count == 0)
        {
            return found;
        }
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT job_hash, dispatch_id, verdict::text, worker, deliveries FROM crucible_results WHERE job_hash = ANY(@h)", conn);
        cmd.Parameters.AddWithValue("h", hashes.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            found.Add(new StoredResult(reader.GetString(0), reader.GetString(1), JsonSerializer.Deserialize<Verdict>(reader.GetString(2), Jobs.Json)!, reader.GetString(3), reader.GetInt32(4)));
        }
        return found;
    }

    /// <summary>Records a dead letter (once per dispatch id).</summary>
    public async Task InsertDeadLetterAsync(DeadLetter letter, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO crucible_dead_letters (dispatch_id, job_hash, task_id, reason, deliveries)
            VALUES (@d, @h, @t, @r, @n) ON CONFLICT (dispatch_id) DO NOTHING
            """, conn);
        cmd.Parameters.AddWithValue("d", letter.DispatchId);
        cmd.Parameters.AddWithValue("h", letter.Hash);
        cmd.Parameters.AddWithValue("t", letter.TaskId);
        cmd.Parameters.AddWithValue("r", letter.Reason);
        cmd.Parameters.AddWithValue("n", letter.Deliveries);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The dead letters among <paramref name="dispatchIds"/>.</summary>
    public async Task<IReadOnlyList<DeadLetter>> FindDeadLettersAsync(IReadOnlyCollection<string> dispatchIds, CancellationToken ct)
    {
        var found = new List<DeadLetter>();
        if (dispatchIds.Count == 0)
        {
            return found;
        }
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT dispatch_id, job_hash, task_id, reason, deliveries FROM crucible_dead_letters WHERE dispatch_id = ANY(@d)", conn);
        cmd.Parameters.AddWithValue("d", dispatchIds.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            found.Add(new DeadLetter(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }
        return found;
    }

    /// <summary>How many result rows the hash has (0 or 1: the primary key is the invariant the fault tests check).</summary>
    public async Task<long> CountAsync(string hash, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM crucible_results WHERE job_hash = @h", conn);
        cmd.Parameters.AddWithValue("h", hash);
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new NpgsqlConnection(_connectionString);
        try
        {
            await conn.OpenAsync(ct).ConfigureAwait(false);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>Retries calls that fail because the broker or the database is unreachable, until they succeed or are cancelled.</summary>
public static class Reconnect
{
    /// <summary>
    /// Runs <paramref name="action"/> until it succeeds; a failure <paramref name="isTransient"/> accepts waits
    /// <paramref name="delay"/> and retries (reported to <paramref name="log"/> once per outage), anything else is thrown.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> action, TimeSpan delay, Action<string>? log, CancellationToken ct, Func<Exception, bool>? isTransient = null)
    {
        isTransient ??= IsTransient;
        var reported = false;
        while (true)
        {
            try
            {
                var result = await action(ct).ConfigureAwait(false);
                if (reported)
                {
                    log?.Invoke("reconnected");
                }
                return result;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && isTransient(e))
            {
                if (!reported)
                {
                    log?.Invoke($"unreachable, retrying every {delay.TotalSeconds:0.#}s: {e.Message}");
                    reported = true;
                }
                if (e is NpgsqlException)
                {
                    // Connections of the pool died with the server; drop them so the next call dials afresh.
                    NpgsqlConnection.ClearAllPools();
                }
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> as <see cref="RetryAsync{T}"/> does.</summary>
    public static Task RetryAsync(Func<CancellationToken, Task> action, TimeSpan delay, Action<string>? log, CancellationToken ct) =>
        RetryAsync(async c => { await action(c).ConfigureAwait(false); return true; }, delay, log, ct);

    /// <summary>Connection failures of PostgreSQL or RabbitMQ (not errors in the statement or message itself).</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException => true,
        RabbitMQ.Client.Exceptions.BrokerUnreachableException => true,
        RabbitMQ.Client.Exceptions.AlreadyClosedException => true,
        RabbitMQ.Client.Exceptions.OperationInterruptedException => true,
        System.Net.Sockets.SocketException => true,
        IOException => true,
        TimeoutException => true,
        _ => false,
    };
}

using System.Collections.Concurrent;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using RabbitMQ.Client;

namespace Crucible.Distributed;

/// <summary>
/// An <see cref="IVerifier"/> that grades on workers: each call becomes a <see cref="VerificationJob"/> (task inline,
/// candidate files, verifier version), answered from the result table when an identical job was graded before, else
/// published to the job queue and awaited in the table. A job the broker dead-letters comes back as a
/// <see cref="VerdictStatus.HarnessError"/> verdict whose reasons say so, so the run reports it. The composition root
/// swaps it in for the local verifier when <c>--broker</c> and <c>--db</c> are given.
/// </summary>
/// <remarks>
/// Survives broker and database restarts: publishing retries until the broker confirms, and waiting reads the table
/// again after the database is back. Identical jobs in flight at once are published once.
/// </remarks>
public sealed class BrokerVerifier : IVerifier, IAsyncDisposable
{
    private readonly DistributedPolicy _policy;
    private readonly ResultTable _table;
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly SemaphoreSlim _publishGate = new(1, 1);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<Verdict>> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poller;
    private readonly Action<string>? _log;
    private int _answeredFromTable;
    private int _published;

    private sealed record Pending(string Hash, string TaskId, TaskCompletionSource<Verdict> Completion);

    private BrokerVerifier(DistributedPolicy policy, ResultTable table, IConnection connection, IChannel channel, Action<string>? log)
    {
        _policy = policy;
        _table = table;
        _connection = connection;
        _channel = channel;
        _log = log;
        _poller = Task.Run(PollAsync);
    }

    /// <summary>Jobs answered from the result table without publishing.</summary>
    public int AnsweredFromTable => Volatile.Read(ref _answeredFromTable);

    /// <summary>Jobs published to the queue.</summary>
    public int Published => Volatile.Read(ref _published);

    /// <summary>Connects to the broker and the database (waiting while they are down), and declares the topology.</summary>
    public static async Task<BrokerVerifier> ConnectAsync(Endpoints endpoints, DistributedPolicy? policy = null, Action<string>? log = null, CancellationToken ct = default)
    {
        policy ??= DistributedPolicy.Default;
        var table = new ResultTable(endpoints.DatabaseConnectionString);
        await Reconnect.RetryAsync(table.EnsureSchemaAsync, policy.ReconnectDelay, log is null ? null : m => log($"database: {m}"), ct).ConfigureAwait(false);
        var connection = await Broker.ConnectAsync(endpoints.Broker, $"crucible-client {Environment.MachineName}:{Environment.ProcessId}", policy, log, ct).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct).ConfigureAwait(false);
        await Broker.DeclareAsync(channel, policy, ct).ConfigureAwait(false);
        return new BrokerVerifier(policy, table, connection, channel, log);
    }

    /// <inheritdoc />
    /// <remarks>Build and test logs stay on the worker: <paramref name="options"/>' artifacts folder is not written.</remarks>
    public Task<Verdict> VerifyAsync(TaskSpec task, string workspacePath, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        return SubmitAsync(Jobs.Create(task, workspacePath), cancellationToken);
    }

    /// <summary>Grades <paramref name="job"/> on the workers (or answers it from the table).</summary>
    /// <exception cref="BadInputException">The job is larger than <see cref="DistributedPolicy.MaxJobBytes"/>.</exception>
    public async Task<Verdict> SubmitAsync(VerificationJob job, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        // Identical jobs in flight share one publication and one wait.
        var shared = _inFlight.GetOrAdd(job.Hash, _ => RunAsync(job, _stop.Token));
        try
        {
            return await shared.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (shared.IsCompleted)
            {
                _inFlight.TryRemove(new KeyValuePair<string, Task<Verdict>>(job.Hash, shared));
            }
        }
    }

    private async Task<Verdict> RunAsync(VerificationJob job, CancellationToken ct)
    {
        await Task.Yield();
        var known = await Reconnect.RetryAsync(c => _table.FindAsync([job.Hash], c), _policy.ReconnectDelay, Log("database"), ct).ConfigureAwait(false);
        if (known.FirstOrDefault(r => r.IsFinal) is { } stored)
        {
            Interlocked.Increment(ref _answeredFromTable);
            return stored.Verdict;
        }
        var body = Jobs.Encode(job);
        if (body.Length > _policy.MaxJobBytes)
        {
            throw new BadInputException($"the verification job for task '{job.Task.TaskId}' is {body.Length / 1024} KiB, above the limit of {_policy.MaxJobBytes / 1024} KiB", "keep build outputs and large data out of the candidate's workspace, or verify locally (without --broker)");
        }
        var pending = new Pending(job.Hash, job.Task.TaskId, new TaskCompletionSource<Verdict>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[job.DispatchId] = pending;
        try
        {
            await PublishAsync(job.DispatchId, body, ct).ConfigureAwait(false);
            return await pending.Completion.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(job.DispatchId, out _);
        }
    }

    /// <summary>Publishes until the broker confirms it stored the message (a broker restart makes this wait, not fail).</summary>
    private async Task PublishAsync(string dispatchId, byte[] body, CancellationToken ct)
    {
        var props = new BasicProperties { Persistent = true, MessageId = dispatchId, ContentType = "application/json", Type = VerificationJob.SchemaName };
        await Reconnect.RetryAsync(async c =>
        {
            await _publishGate.WaitAsync(c).ConfigureAwait(false);
            try
            {
                await _channel.BasicPublishAsync("", _policy.JobQueue, mandatory: false, props, body, c).ConfigureAwait(false);
            }
            finally
            {
                _publishGate.Release();
            }
        }, _policy.ReconnectDelay, Log("broker"), ct).ConfigureAwait(false);
        Interlocked.Increment(ref _published);
    }

    /// <summary>Reads the table for every outstanding job each <see cref="DistributedPolicy.PollInterval"/>.</summary>
    private async Task PollAsync()
    {
        var ct = _stop.Token;
        var down = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_policy.PollInterval, ct).ConfigureAwait(false);
                if (_pending.IsEmpty)
                {
                    continue;
                }
                var snapshot = _pending.ToArray();
                var results = await _table.FindAsync(snapshot.Select(p => p.Value.Hash).Distinct().ToList(), ct).ConfigureAwait(false);
                var byHash = results.ToDictionary(r => r.Hash);
                var dead = (await _table.FindDeadLettersAsync(snapshot.Select(p => p.Key).ToList(), ct).ConfigureAwait(false)).ToDictionary(d => d.DispatchId);
                if (down)
                {
                    _log?.Invoke("database: reconnected");
                    down = false;
                }
                foreach (var (dispatch, p) in snapshot)
                {
                    if (byHash.TryGetValue(p.Hash, out var r) && (r.IsFinal || r.DispatchId == dispatch))
                    {
                        p.Completion.TrySetResult(r.Verdict);
                    }
                    else if (dead.TryGetValue(dispatch, out var d))
                    {
                        p.Completion.TrySetResult(DeadLetterVerdict(d, _policy));
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (Reconnect.IsTransient(e))
            {
                if (!down)
                {
                    _log?.Invoke($"database: unreachable, retrying: {e.Message}");
                    down = true;
                }
                Npgsql.NpgsqlConnection.ClearAllPools();
            }
        }
    }

    /// <summary>How the reason of a dead-lettered job's verdict starts.</summary>
    public const string DeadLetterPrefix = "dead-lettered:";

    /// <summary>The verdict a run records for a dead-lettered job.</summary>
    public static Verdict DeadLetterVerdict(DeadLetter letter, DistributedPolicy policy) => new()
    {
        TaskId = letter.TaskId,
        Status = VerdictStatus.HarnessError,
        Reasons =
        [
            $"{DeadLetterPrefix} the broker gave up on job {letter.Hash[..12]} after {letter.Deliveries} deliveries ({letter.Reason}); it is kept in queue '{policy.DeadLetterQueue}' for inspection, and the workers' logs say why each delivery failed",
        ],
        Sandbox = "none",
    };

    private Action<string>? Log(string what) => _log is null ? null : m => _log($"{what}: {m}");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _poller.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _channel.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _publishGate.Dispose();
    }
}

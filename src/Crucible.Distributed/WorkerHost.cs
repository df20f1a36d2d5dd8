using System.Collections.Concurrent;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Crucible.Distributed;

/// <summary>What a worker runs with. Every default is documented on its property.</summary>
public sealed record WorkerOptions
{
    /// <summary>The broker and the result database.</summary>
    public required Endpoints Endpoints { get; init; }

    /// <summary>The local verifier jobs are graded with (the same one <c>crucible eval</c> uses without <c>--broker</c>).</summary>
    public required IVerifier Verifier { get; init; }

    /// <summary>Jobs graded at once; the broker's prefetch equals it, so a worker never holds more jobs than it has free slots. Default: 1.</summary>
    public int Slots { get; init; } = 1;

    /// <summary>The worker's name in result rows and broker connections. Default: <c>host:pid</c>.</summary>
    public string Name { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Topology names and limits. Default: <see cref="DistributedPolicy.Default"/>.</summary>
    public DistributedPolicy Policy { get; init; } = DistributedPolicy.Default;

    /// <summary>Where each job's task and candidate files are written (and deleted after grading). Default: this process's temp folder.</summary>
    public string WorkDirectory { get; init; } = Core.IO.ProcessTemp.Root;

    /// <summary>Receives one line per event (job started, finished, dead letter, reconnects). Default: none.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// <c>crucible worker</c>: takes verification jobs from the quorum queue with manual acknowledgement and prefetch equal
/// to its slots, grades each with the local verifier, writes the verdict to PostgreSQL under the job hash, then
/// acknowledges. Invariants: a job is acknowledged only after its verdict is stored (a worker killed mid-job loses
/// nothing: the broker redelivers it); a job whose hash already has a verdict is acknowledged without grading (a
/// redelivered job writes its result once); a job that fails to process is returned to the queue, and after
/// <see cref="DistributedPolicy.DeliveryLimit"/> deliveries the broker dead-letters it.
/// </summary>
public sealed class WorkerHost(WorkerOptions options)
{
    private readonly WorkerOptions _options = options.Slots >= 1 ? options : throw new ArgumentOutOfRangeException(nameof(options), "slots must be at least 1");
    private readonly ResultTable _table = new(options.Endpoints.DatabaseConnectionString);
    private readonly ConcurrentDictionary<string, TaskSuite> _suites = new(StringComparer.Ordinal);
    private int _graded;

    /// <summary>Jobs this worker graded and stored (not those answered from the table).</summary>
    public int Graded => Volatile.Read(ref _graded);

    /// <summary>Runs until <paramref name="ct"/> is cancelled; waits for the broker and the database when they are down.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var policy = _options.Policy;
        await Reconnect.RetryAsync(_table.EnsureSchemaAsync, policy.ReconnectDelay, m => Log($"database: {m}"), ct).ConfigureAwait(false);
        await using var connection = await Broker.ConnectAsync(_options.Endpoints.Broker, $"crucible-worker {_options.Name}", policy, Log, ct).ConfigureAwait(false);
        connection.ConnectionShutdownAsync += (_, e) => { Log($"broker: connection lost ({e.ReplyText}); recovering"); return Task.CompletedTask; };
        connection.RecoverySucceededAsync += (_, _) => { Log("broker: reconnected"); return Task.CompletedTask; };

        await using var jobs = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, null, (ushort)_options.Slots), ct).ConfigureAwait(false);
        await Broker.DeclareAsync(jobs, policy, ct).ConfigureAwait(false);
        await jobs.BasicQosAsync(0, (ushort)_options.Slots, false, ct).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(jobs);
        consumer.ReceivedAsync += (_, e) => OnJobAsync(jobs, e, ct);
        await jobs.BasicConsumeAsync(policy.JobQueue, autoAck: false, consumer, ct).ConfigureAwait(false);

        await using var dead = await connection.CreateChannelAsync(cancellationToken: ct).ConfigureAwait(false);
        await dead.BasicQosAsync(0, 16, false, ct).ConfigureAwait(false);
        var deadConsumer = new AsyncEventingBasicConsumer(dead);
        deadConsumer.ReceivedAsync += (_, e) => OnDeadLetterAsync(dead, e, ct);
        await dead.BasicConsumeAsync(policy.DeadLetterNotifyQueue, autoAck: false, deadConsumer, ct).ConfigureAwait(false);

        Log($"worker {_options.Name} ready: {_options.Slots} slot(s) on queue {policy.JobQueue} at {_options.Endpoints.BrokerForDisplay}");
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Unacknowledged jobs go back to the queue when the connection closes: nothing is lost by stopping here.
            Log("worker stopping");
        }
    }

    private async Task OnJobAsync(IChannel channel, BasicDeliverEventArgs e, CancellationToken ct)
    {
        var delivery = Broker.DeliveryNumber(e.BasicProperties);
        var body = e.Body.ToArray();
        var tag = e.DeliveryTag;
        string? folder = null;
        try
        {
            var job = Jobs.Decode(body);
            if (await Reconnect.RetryAsync(c => _table.ExistsAsync(job.Hash, c), _options.Policy.ReconnectDelay, m => Log($"database: {m}"), ct).ConfigureAwait(false))
            {
                Log($"job {job.Hash} ({job.Task.TaskId}) already has a verdict; acknowledged without grading (delivery {delivery})");
                await AckAsync(channel, tag).ConfigureAwait(false);
                return;
            }
            Log($"started job {job.Hash} ({job.Task.TaskId}, delivery {delivery})");
            folder = Path.Combine(_options.WorkDirectory, $"job-{job.Hash[..12]}-{Canaries.RandomHex(4)}");
            var (task, workspace) = Materialize(job, folder);
            var verdict = await _options.Verifier.VerifyAsync(task, workspace, null, ct).ConfigureAwait(false);
            // Cut short by the worker stopping: not the candidate's verdict; it must be neither stored nor acknowledged.
            ct.ThrowIfCancellationRequested();
            var wrote = await Reconnect.RetryAsync(c => _table.TryInsertAsync(job.Hash, job.DispatchId, verdict, _options.Name, Jobs.VerifierVersion, delivery, c), _options.Policy.ReconnectDelay, m => Log($"database: {m}"), ct).ConfigureAwait(false);
            Interlocked.Increment(ref _graded);
            Log($"finished job {job.Hash} ({job.Task.TaskId}): {verdict.Status}{(wrote ? "" : " (a verdict was stored meanwhile; kept that one)")}");
            await AckAsync(channel, tag).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: leave the job unacknowledged; the broker redelivers it to another worker.
        }
        catch (Exception ex)
        {
            Log($"job failed on delivery {delivery}, returned to the queue: {ex.GetType().Name}: {ex.Message}");
            try
            {
                await channel.BasicNackAsync(tag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception nack) when (Reconnect.IsTransient(nack))
            {
                // The channel died with the broker; the job is redelivered anyway.
            }
        }
        finally
        {
            if (folder is not null)
            {
                Workspaces.DeleteTree(folder);
            }
        }
    }

    private async Task OnDeadLetterAsync(IChannel channel, BasicDeliverEventArgs e, CancellationToken ct)
    {
        var body = e.Body.ToArray();
        var props = e.BasicProperties;
        string hash, taskId;
        try
        {
            var job = Jobs.Decode(body);
            (hash, taskId) = (job.Hash, job.Task.TaskId);
        }
        catch (InvalidDataException)
        {
            (hash, taskId) = (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), "(unreadable job)");
        }
        var dispatch = props.MessageId ?? hash;
        var letter = new DeadLetter(dispatch, hash, taskId, Broker.DeathReason(props), Broker.DeliveryNumber(props) - 1);
        try
        {
            await Reconnect.RetryAsync(c => _table.InsertDeadLetterAsync(letter, c), _options.Policy.ReconnectDelay, m => Log($"database: {m}"), ct).ConfigureAwait(false);
            Log($"dead letter {hash} ({taskId}): {letter.Reason} after {letter.Deliveries} deliveries");
            await AckAsync(channel, e.DeliveryTag).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static async Task AckAsync(IChannel channel, ulong tag)
    {
        try
        {
            await channel.BasicAckAsync(tag, multiple: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (Reconnect.IsTransient(e))
        {
            // The broker went away after the verdict was stored: it redelivers the job, which is then answered from the table.
        }
    }

    /// <summary>Writes the job's task (inline) and candidate files under <paramref name="folder"/>; every path is confined to it.</summary>
    private (TaskSpec Task, string Workspace) Materialize(VerificationJob job, string folder)
    {
        TaskSpec task;
        if (job.Task.Inline is { } inline)
        {
            task = inline with { SourcePath = Path.Combine(folder, "task") };
        }
        else
        {
            var reference = job.Task.Reference!;
            var suite = _suites.GetOrAdd(reference.Suite, s => TaskSuites.Load(s));
            task = suite.Tasks.FirstOrDefault(t => t.Id == reference.TaskId)
                ?? throw new InvalidDataException($"suite '{reference.Suite}' has no task '{reference.TaskId}'");
        }
        var workspace = Path.Combine(folder, "workspace");
        Directory.CreateDirectory(workspace);
        foreach (var file in job.Candidate)
        {
            var dest = Workspaces.Resolve(workspace, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.WriteAllBytes(dest, file.Content);
        }
        return (task, workspace);
    }

    private void Log(string line) => _options.Log?.Invoke(line);
}

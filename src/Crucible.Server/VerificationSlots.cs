using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crucible.Server;

/// <summary>
/// The bounded in-process queue in front of the verifier: at most <see cref="ServerPolicy.Slots"/> jobs run at once and
/// at most <see cref="ServerPolicy.QueueCapacity"/> wait; a request beyond that gets 503 at once instead of piling up.
/// Publishes the queue depth, busy slots, and verifications by status and duration on the <see cref="MeterName"/> meter.
/// </summary>
public sealed class VerificationSlots : IDisposable
{
    /// <summary>The OpenTelemetry meter the server's metrics are published on.</summary>
    public const string MeterName = "Crucible.Server";

    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private readonly Meter _meter;
    private readonly Counter<long> _verifications;
    private readonly Histogram<double> _duration;
    private int _waiting;
    private int _busy;

    /// <summary>Creates the queue for <paramref name="policy"/>.</summary>
    public VerificationSlots(ServerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Slots < 1 || policy.QueueCapacity < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(policy), "Slots must be at least 1 and QueueCapacity at least 0.");
        }
        _slots = new SemaphoreSlim(policy.Slots, policy.Slots);
        _capacity = policy.QueueCapacity;
        Slots = policy.Slots;
        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("crucible.queue.depth", () => Volatile.Read(ref _waiting), description: "Requests waiting for a verification slot");
        _meter.CreateObservableGauge("crucible.slots.busy", () => Volatile.Read(ref _busy), description: "Verification slots in use");
        _verifications = _meter.CreateCounter<long>("crucible.verifications", description: "Finished verifications and run_code calls, by kind and status");
        _duration = _meter.CreateHistogram<double>("crucible.verification.duration", unit: "s", description: "Time from taking a slot to the verdict, by kind and status");
    }

    /// <summary>How many jobs may run at once.</summary>
    public int Slots { get; }

    /// <summary>Requests waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Slots in use now.</summary>
    public int Busy => Volatile.Read(ref _busy);

    /// <summary>Most requests seen waiting at once since start (for the load bench: bounded queueing).</summary>
    public int PeakWaiting => Volatile.Read(ref _peakWaiting);

    private int _peakWaiting;

    /// <summary>
    /// Runs <paramref name="work"/> in a slot, then records its status (from <paramref name="statusOf"/>) and duration
    /// under <paramref name="kind"/>.
    /// </summary>
    /// <exception cref="ApiException">503 <c>queue_full</c> when <see cref="ServerPolicy.QueueCapacity"/> requests already wait.</exception>
    public async Task<T> RunAsync<T>(string kind, Func<CancellationToken, Task<T>> work, Func<T, string> statusOf, CancellationToken cancellationToken)
    {
        var waiting = Interlocked.Increment(ref _waiting);
        if (waiting > _capacity + Slots)
        {
            Interlocked.Decrement(ref _waiting);
            throw new ApiException(503, "queue_full", $"{_capacity} requests are already waiting for a verification slot", "retry later, or start more workers");
        }
        var peak = Volatile.Read(ref _peakWaiting);
        while (waiting > peak && Interlocked.CompareExchange(ref _peakWaiting, waiting, peak) != peak)
        {
            peak = Volatile.Read(ref _peakWaiting);
        }
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        Interlocked.Increment(ref _busy);
        var clock = Stopwatch.StartNew();
        var status = "HarnessError";
        try
        {
            var result = await work(cancellationToken).ConfigureAwait(false);
            status = statusOf(result);
            return result;
        }
        catch (OperationCanceledException)
        {
            status = "Cancelled";
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
            _slots.Release();
            var tags = new TagList { { "kind", kind }, { "status", status } };
            _verifications.Add(1, tags);
            _duration.Record(clock.Elapsed.TotalSeconds, tags);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _meter.Dispose();
        _slots.Dispose();
    }
}

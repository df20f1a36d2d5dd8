using System.Text;
using RabbitMQ.Client;

namespace Crucible.Distributed;

/// <summary>Connections and the queue topology of scale-out, shared by workers and clients.</summary>
public static class Broker
{
    /// <summary>
    /// Opens a connection that recovers by itself (connection, channels, queues and consumers) after the broker restarts,
    /// retrying the first connection until the broker answers or <paramref name="ct"/> is cancelled.
    /// </summary>
    public static Task<IConnection> ConnectAsync(Uri broker, string clientName, DistributedPolicy policy, Action<string>? log, CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            Uri = broker,
            ClientProvidedName = clientName,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = policy.ReconnectDelay,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
        };
        return Reconnect.RetryAsync(c => factory.CreateConnectionAsync(c), policy.ReconnectDelay, log is null ? null : m => log($"broker: {m}"), ct);
    }

    /// <summary>
    /// Declares the job queue (quorum, with <see cref="DistributedPolicy.DeliveryLimit"/> and a dead-letter exchange), the
    /// dead-letter fanout exchange and its two queues. Idempotent.
    /// </summary>
    public static async Task DeclareAsync(IChannel channel, DistributedPolicy policy, CancellationToken ct)
    {
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        await channel.ExchangeDeclareAsync(policy.DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct).ConfigureAwait(false);
        foreach (var q in new[] { policy.DeadLetterQueue, policy.DeadLetterNotifyQueue })
        {
            await channel.QueueDeclareAsync(q, durable: true, exclusive: false, autoDelete: false, arguments: quorum, cancellationToken: ct).ConfigureAwait(false);
            await channel.QueueBindAsync(q, policy.DeadLetterExchange, "", cancellationToken: ct).ConfigureAwait(false);
        }
        await channel.QueueDeclareAsync(policy.JobQueue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-delivery-limit"] = policy.DeliveryLimit,
            ["x-dead-letter-exchange"] = policy.DeadLetterExchange,
        }, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>Which delivery of a message this is (1 for the first): quorum queues count redeliveries in <c>x-delivery-count</c>.</summary>
    public static int DeliveryNumber(IReadOnlyBasicProperties properties) =>
        properties.Headers is { } h && h.TryGetValue("x-delivery-count", out var v) && v is not null ? (int)Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1;

    /// <summary>Why the broker dead-lettered a message (its <c>x-first-death-reason</c> header), or "unknown".</summary>
    public static string DeathReason(IReadOnlyBasicProperties properties) =>
        properties.Headers is { } h && h.TryGetValue("x-first-death-reason", out var v) ? v switch
        {
            byte[] b => Encoding.UTF8.GetString(b),
            string s => s,
            _ => v?.ToString() ?? "unknown",
        } : "unknown";
}

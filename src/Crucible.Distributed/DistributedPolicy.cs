namespace Crucible.Distributed;

/// <summary>
/// Names and limits of the broker topology and the result table. Every client and worker of one deployment must use
/// the same values: RabbitMQ refuses to redeclare a queue with different arguments. Every default is documented on its
/// property.
/// </summary>
public sealed record DistributedPolicy
{
    /// <summary>The defaults described on each property.</summary>
    public static DistributedPolicy Default { get; } = new();

    /// <summary>The quorum queue verification jobs go to. Default: <c>crucible.verify</c>.</summary>
    public string JobQueue { get; init; } = "crucible.verify";

    /// <summary>The fanout exchange the job queue dead-letters to. Default: <c>crucible.verify.dead</c>.</summary>
    public string DeadLetterExchange { get; init; } = "crucible.verify.dead";

    /// <summary>Where dead-lettered jobs stay for people to inspect (nothing consumes it). Default: <c>crucible.verify.dead</c>.</summary>
    public string DeadLetterQueue { get; init; } = "crucible.verify.dead";

    /// <summary>
    /// A second copy of every dead-lettered job, consumed by workers to record the dead letter in the database so the
    /// client that dispatched it reports it. Default: <c>crucible.verify.dead.notify</c>.
    /// </summary>
    public string DeadLetterNotifyQueue { get; init; } = "crucible.verify.dead.notify";

    /// <summary>
    /// Deliveries of one job before the broker dead-letters it (<c>x-delivery-limit</c>): a job whose worker fails or
    /// dies this many times is poison. Default: 3.
    /// </summary>
    public int DeliveryLimit { get; init; } = 3;

    /// <summary>How often a waiting client reads the result table for its outstanding jobs. Default: 100 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Wait between attempts to reach a broker or database that is down. Default: 1 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Verifications a server (<c>crucible serve --broker</c>) keeps in flight to the workers when <c>--slots</c> is not
    /// given: enough to keep many workers busy, few enough that a flood waits in the server's queue, not the broker's. Default: 64.
    /// </summary>
    public int InFlight { get; init; } = 64;

    /// <summary>Largest job (task plus candidate files, encoded) a client publishes. Default: 32 MiB.</summary>
    public int MaxJobBytes { get; init; } = 32 << 20;
}

namespace Crucible.Server;

/// <summary>
/// The limits <c>crucible serve</c> enforces on every request. Per-request limits a client asks for (timeouts, memory)
/// are capped at these; requests over the size limits are refused with 413 before anything is written.
/// </summary>
/// <remarks>
/// Defaults: 8 MiB per request body, 500 files of at most 1 MiB each, 2 MiB of diff, one verification slot per core,
/// 1,024 requests waiting for a slot, 256 items per batch, 60 s of long-poll, finished batch jobs kept 1 hour,
/// <c>run_code</c> capped at 60 s to compile, 30 s to run and 2,048 MB of memory (1,024 MB when the request gives none).
/// </remarks>
public sealed record ServerPolicy
{
    /// <summary>The defaults described on the type.</summary>
    public static ServerPolicy Default { get; } = new();

    /// <summary>Largest request body in bytes (Kestrel refuses bigger bodies with 413).</summary>
    public long MaxRequestBytes { get; init; } = 8L << 20;

    /// <summary>Most candidate (or inline task) files in one request.</summary>
    public int MaxFiles { get; init; } = 500;

    /// <summary>Largest single file in a request, in UTF-8 bytes.</summary>
    public int MaxFileBytes { get; init; } = 1 << 20;

    /// <summary>Largest diff in a request, in UTF-8 bytes.</summary>
    public int MaxDiffBytes { get; init; } = 2 << 20;

    /// <summary>Verifications (and <c>run_code</c> calls) running at once.</summary>
    public int Slots { get; init; } = Environment.ProcessorCount;

    /// <summary>Requests waiting for a slot; beyond this the server answers 503 so the caller backs off.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Most items in one <c>/v1/verify/batch</c> or <c>/get_reward</c> request.</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Longest wait a <c>GET /v1/jobs/{id}?wait=</c> long-poll may ask for.</summary>
    public TimeSpan MaxLongPoll { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a finished batch job stays readable.</summary>
    public TimeSpan JobRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Cap on <c>run_code</c>'s <c>compile_timeout</c>.</summary>
    public TimeSpan MaxCompileTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Cap on <c>run_code</c>'s <c>run_timeout</c>.</summary>
    public TimeSpan MaxRunTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap on <c>run_code</c>'s <c>memory_limit_MB</c>.</summary>
    public int MaxMemoryMB { get; init; } = 2048;

    /// <summary><c>run_code</c>'s memory when the request gives none (<c>-1</c>).</summary>
    public int DefaultMemoryMB { get; init; } = 1024;
}

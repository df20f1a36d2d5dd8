namespace Crucible.Models.Http;

/// <summary>
/// When and how often <see cref="RetryingHandler"/> retries a model call. Every value has a documented
/// default; settings (<c>retry</c>) override them.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>The defaults listed on each property.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>A policy that makes exactly one try (used by <c>crucible models check</c>).</summary>
    public static RetryPolicy NoRetries { get; } = new() { MaxAttempts = 1 };

    /// <summary>Total tries per call, the first one included. Default 4.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Backoff before the second try; it doubles each time up to <see cref="MaxDelay"/>. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest computed backoff. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest wait a server's <c>retry-after</c> may ask for; a longer request is capped to this.
    /// Default 60 s.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Timeout of one try, until the response headers arrive (and, for non-streamed responses, the whole
    /// body). A streamed body is bounded by the caller's cancellation instead. Default 10 minutes:
    /// long non-streamed generations legitimately take minutes.
    /// </summary>
    public TimeSpan PerTryTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Fraction of each backoff that is randomised: the wait is uniform in [(1 - J)·d, d]. Default 0.5.</summary>
    public double Jitter { get; init; } = 0.5;

    /// <summary>HTTP statuses that are retried: 429, 500, 502, 503, 504 and Anthropic's 529 (overloaded).</summary>
    public IReadOnlySet<int> RetryableStatusCodes { get; init; } = new HashSet<int> { 429, 500, 502, 503, 504, 529 };

    /// <summary>
    /// Error-body phrases that make a retryable status final: OpenAI answers a request larger than the
    /// tokens-per-minute limit with 429 "Request too large ...", which no retry can fix.
    /// </summary>
    public IReadOnlyList<string> NeverRetryBodyPhrases { get; init; } = ["Request too large"];

    /// <summary>
    /// Response media types left streaming (not read into memory within the try): server-sent events,
    /// and JSON Lines such as Anthropic batch results, which may be hundreds of megabytes.
    /// </summary>
    public IReadOnlySet<string> StreamedMediaTypes { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "text/event-stream", "application/x-jsonl", "application/jsonl", "application/x-ndjson",
    };

    /// <summary>The backoff before try <paramref name="nextAttempt"/> (2 = first retry), before jitter.</summary>
    public TimeSpan Backoff(int nextAttempt)
    {
        var factor = Math.Pow(2, Math.Max(0, nextAttempt - 2));
        var ms = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * factor);
        return TimeSpan.FromMilliseconds(ms);
    }
}

namespace Crucible.Models;

/// <summary>Why a model call failed, as far as the caller needs to react to it.</summary>
public enum ModelErrorKind
{
    /// <summary>400: the request was malformed or too long; shown with the API's own message, never retried.</summary>
    BadRequest,
    /// <summary>401/403: the key is missing, wrong or lacks permission; never retried.</summary>
    Authentication,
    /// <summary>404: unknown model (or endpoint); never retried.</summary>
    NotFound,
    /// <summary>429 after every retry.</summary>
    RateLimited,
    /// <summary>529 <c>overloaded_error</c> after every retry.</summary>
    Overloaded,
    /// <summary>500, 502, 503, 504 after every retry.</summary>
    ServerError,
    /// <summary>The per-call timeout elapsed on every try.</summary>
    Timeout,
    /// <summary>The server could not be reached, or the connection was reset, on every try.</summary>
    Network,
    /// <summary>The response could not be understood.</summary>
    Protocol,
}

/// <summary>
/// A model call that failed for good (after the retries the policy allows). The message names the
/// problem and, where there is one, the fix; it never contains the API key.
/// </summary>
public sealed class ModelCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelCallException(ModelErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    /// <summary>The kind of failure.</summary>
    public ModelErrorKind Kind { get; }

    /// <summary>HTTP status, when there was a response.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The provider's own error type, e.g. <c>overloaded_error</c> or <c>invalid_request_error</c>.</summary>
    public string? ApiErrorType { get; init; }

    /// <summary>The provider's own error message, verbatim.</summary>
    public string? ApiMessage { get; init; }

    /// <summary>How many HTTP tries were made before giving up.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>What the user should do, e.g. "set ANTHROPIC_API_KEY".</summary>
    public string? Fix { get; init; }

    /// <summary>
    /// The first step of every provider's error mapping. A <see cref="ModelCallException"/> anywhere in <paramref name="error"/>'s
    /// chain (mapped already, e.g. by the retrying handler) is the answer as it is; a cancellation the caller asked for is no
    /// model error and must propagate unchanged (the answer is then null).
    /// </summary>
    /// <returns>True when that decides the mapping, with the answer in <paramref name="mapped"/>.</returns>
    internal static bool TryPassThrough(Exception error, CancellationToken cancellationToken, out ModelCallException? mapped)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is ModelCallException already)
            {
                mapped = already;
                return true;
            }
        }
        mapped = null;
        return error is OperationCanceledException && cancellationToken.IsCancellationRequested;
    }

    /// <summary>True for kinds a retry policy may retry (rate limits, overload, server errors, timeouts, network).</summary>
    public static bool IsTransient(ModelErrorKind kind) =>
        kind is ModelErrorKind.RateLimited or ModelErrorKind.Overloaded or ModelErrorKind.ServerError
            or ModelErrorKind.Timeout or ModelErrorKind.Network;
}

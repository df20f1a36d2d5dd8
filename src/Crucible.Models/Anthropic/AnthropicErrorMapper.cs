using System.Text.Json;
using Anthropic.Exceptions;

namespace Crucible.Models.Anthropic;

/// <summary>
/// Turns what the Anthropic SDK throws into <see cref="ModelCallException"/>: 400 with the API's own
/// message, 401/403 naming the key variable, 404 naming the model, 429/529/5xx as transient kinds.
/// A <see cref="ModelCallException"/> already in the chain (thrown by the retrying handler) is
/// returned unchanged. The API key is scrubbed from every message.
/// </summary>
public static class AnthropicErrorMapper
{
    /// <summary>What the failed call was doing, so a 404 can say what was not found.</summary>
    public enum Operation
    {
        /// <summary>A Messages API call: a 404 means the model is unknown.</summary>
        Message,
        /// <summary>A Message Batches call: a 404 means the batch (or its results) is not there.</summary>
        Batch,
    }

    /// <summary>Maps <paramref name="error"/>; returns null for cancellation the caller asked for (rethrow it as is).</summary>
    public static ModelCallException? Map(Exception error, ProviderConnection connection, Operation operation, CancellationToken cancellationToken)
    {
        if (ModelCallException.TryPassThrough(error, cancellationToken, out var decided))
        {
            return decided;
        }
        return error switch
        {
            AnthropicApiException api => FromStatus((int)api.StatusCode, api.ResponseBody, connection, operation, error),
            AnthropicSseException sse => FromStreamError(sse, connection, error),
            AnthropicIOException or HttpRequestException => new ModelCallException(ModelErrorKind.Network,
                Scrub($"Could not reach Anthropic at {Endpoint(connection)}: {Innermost(error).Message}", connection), error)
            {
                Fix = "Check the network and the base URL (ANTHROPIC_BASE_URL or the endpoint in settings).",
            },
            OperationCanceledException or TimeoutException => new ModelCallException(ModelErrorKind.Timeout,
                $"The call to Anthropic at {Endpoint(connection)} timed out.", error),
            AnthropicInvalidDataException or JsonException => new ModelCallException(ModelErrorKind.Protocol,
                Scrub($"Anthropic's response could not be understood: {error.Message}", connection), error),
            _ => new ModelCallException(ModelErrorKind.Protocol, Scrub($"The Anthropic call failed: {error.Message}", connection), error),
        };
    }

    /// <summary>Maps an HTTP status and error body (<c>{"type":"error","error":{"type","message"}}</c>).</summary>
    public static ModelCallException FromStatus(int status, string? body, ProviderConnection connection, Operation operation, Exception? inner = null)
    {
        var (type, message) = ReadErrorBody(body);
        var detail = Scrub(message ?? body ?? "(no message)", connection);
        var label = type is null ? $"{status}" : $"{status} {type}";
        var keyVariable = connection.ApiKeyVariable ?? "ANTHROPIC_API_KEY";
        var (kind, text, fix) = status switch
        {
            400 or 413 or 422 => (ModelErrorKind.BadRequest, $"Anthropic rejected the request ({label}): {detail}", (string?)null),
            401 or 403 => (ModelErrorKind.Authentication,
                connection.ApiKey is null
                    ? $"Anthropic refused the call ({label}: {detail}); no API key is set. Set {keyVariable}."
                    : $"Anthropic refused the API key ({label}: {detail}). Set {keyVariable} to a valid key.",
                $"Set {keyVariable} to a valid Anthropic API key (or the key in settings)."),
            404 when operation == Operation.Message => (ModelErrorKind.NotFound,
                $"Anthropic does not know the model '{connection.Model}' ({label}: {detail}).",
                "Use a model name Anthropic lists, e.g. anthropic:claude-sonnet-4-5."),
            404 => (ModelErrorKind.NotFound, $"Anthropic found nothing there ({label}): {detail}", null),
            408 => (ModelErrorKind.Timeout, $"Anthropic timed out the request ({label}): {detail}", null),
            429 => (ModelErrorKind.RateLimited, $"Anthropic rate limit hit ({label}): {detail}", "Wait, lower concurrency, or ask Anthropic for a higher limit."),
            529 => (ModelErrorKind.Overloaded, $"Anthropic is overloaded ({label}): {detail}", "Try again later."),
            >= 500 => (ModelErrorKind.ServerError, $"Anthropic had a server error ({label}): {detail}", "Try again later."),
            _ => (ModelErrorKind.Protocol, $"Anthropic answered with an unexpected status ({label}): {detail}", null),
        };
        return new ModelCallException(kind, text, inner)
        {
            StatusCode = status,
            ApiErrorType = type,
            ApiMessage = message is null ? null : Scrub(message, connection),
            Fix = fix,
        };
    }

    /// <summary>Maps an <c>event: error</c> in the middle of a stream (its body has no HTTP status).</summary>
    private static ModelCallException FromStreamError(AnthropicSseException sse, ProviderConnection connection, Exception inner)
    {
        var body = sse.Body.ValueKind == JsonValueKind.Undefined ? null : sse.Body.GetRawText();
        var (type, _) = ReadErrorBody(body);
        var status = type switch
        {
            "overloaded_error" => 529,
            "rate_limit_error" => 429,
            "api_error" => 500,
            "invalid_request_error" => 400,
            "authentication_error" => 401,
            "not_found_error" => 404,
            _ => 500,
        };
        var mapped = FromStatus(status, body, connection, Operation.Message, inner);
        return new ModelCallException(mapped.Kind, "The stream broke off: " + mapped.Message, inner)
        {
            ApiErrorType = mapped.ApiErrorType,
            ApiMessage = mapped.ApiMessage,
            Fix = mapped.Fix,
        };
    }

    /// <summary>Reads <c>error.type</c> and <c>error.message</c> from an Anthropic error body; nulls when it is not one.</summary>
    public static (string? Type, string? Message) ReadErrorBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                return (AnthropicResponseMapper.String(error, "type"), AnthropicResponseMapper.String(error, "message"));
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the raw body is the best message there is.
        }
        return (null, null);
    }

    /// <summary>Removes the API key from <paramref name="text"/> (a server may echo it back).</summary>
    public static string Scrub(string text, ProviderConnection connection) =>
        string.IsNullOrEmpty(connection.ApiKey) ? text : text.Replace(connection.ApiKey, "[redacted]", StringComparison.Ordinal);

    private static string Endpoint(ProviderConnection connection) => connection.BaseUrl?.ToString() ?? "https://api.anthropic.com";

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}

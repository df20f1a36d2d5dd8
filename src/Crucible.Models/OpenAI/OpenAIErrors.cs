using System.ClientModel;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crucible.Models.OpenAI;

/// <summary>Maps failures of an OpenAI-compatible call to <see cref="ModelCallException"/>, with the key redacted.</summary>
internal static class OpenAIErrors
{
    /// <summary>The text that replaces the key wherever a server echoes it back.</summary>
    public const string Redacted = "[redacted key]";

    /// <summary>
    /// Maps <paramref name="exception"/>; returns null for cancellation by the caller, which must propagate unchanged.
    /// A <see cref="ModelCallException"/> (from the retrying handler) anywhere in the chain is returned as it is.
    /// </summary>
    public static Exception? Map(Exception exception, ProviderConnection connection, CancellationToken cancellationToken)
    {
        if (ModelCallException.TryPassThrough(exception, cancellationToken, out var decided))
        {
            return decided;
        }
        return exception switch
        {
            ClientResultException { Status: > 0 } http => FromStatus(http, connection),
            ClientResultException or HttpRequestException or IOException or SocketException => Network(exception, connection),
            OperationCanceledException or TimeoutException => new ModelCallException(ModelErrorKind.Timeout,
                Redact($"The call to {connection} timed out.", connection), null) { Fix = "Try again, or raise the timeout in settings." },
            JsonException or InvalidOperationException or ArgumentOutOfRangeException or FormatException => new ModelCallException(ModelErrorKind.Protocol,
                Redact($"The response from {connection} could not be understood: {exception.Message}", connection), null),
            _ => null,
        };
    }

    private static ModelCallException Network(Exception exception, ProviderConnection connection)
    {
        var detail = exception.InnerException?.Message ?? exception.Message;
        return new ModelCallException(ModelErrorKind.Network, Redact($"Could not reach {connection}: {detail}", connection), null)
        {
            Fix = connection.BaseUrl is null ? "Check the network connection." : $"Check that the server at {connection.BaseUrl} is running and the base URL is right.",
        };
    }

    private static ModelCallException FromStatus(ClientResultException http, ProviderConnection connection)
    {
        var status = http.Status;
        var (apiMessage, apiType, apiCode) = ReadBody(http);
        apiMessage = apiMessage is null ? null : Redact(apiMessage, connection);
        var said = apiMessage is null ? "" : $": {apiMessage}";
        var variable = connection.ApiKeyVariable;
        var (kind, message, fix) = status switch
        {
            400 or 413 or 422 => (ModelErrorKind.BadRequest, $"{connection} rejected the request ({status}){said}",
                apiCode == "context_length_exceeded" ? "Shorten the conversation or use a model with a longer context." : null),
            401 or 403 => (ModelErrorKind.Authentication,
                connection.ApiKey is null
                    ? $"{connection} requires an API key ({status}) and none was sent{said}"
                    : $"{connection} did not accept the API key ({status}){said}",
                variable is null ? "Set the API key for this endpoint in settings." : $"Set {variable} to a valid API key."),
            404 => (ModelErrorKind.NotFound, $"Model '{connection.Model}' was not found at {connection} (404){said}",
                "Check the model name and the base URL (the OpenAI-compatible API usually lives under /v1)."),
            429 => (ModelErrorKind.RateLimited, $"{connection} is rate limiting requests (429){said}", "Wait and retry, or lower the request rate."),
            529 => (ModelErrorKind.Overloaded, $"{connection} is overloaded (529){said}", "Retry later."),
            >= 500 => (ModelErrorKind.ServerError, $"{connection} failed with a server error ({status}){said}", "Retry later; check the server's log if it is yours."),
            _ => (ModelErrorKind.BadRequest, $"{connection} refused the request ({status}){said}", null),
        };
        return new ModelCallException(kind, Redact(message, connection))
        {
            StatusCode = status,
            ApiErrorType = apiType ?? apiCode,
            ApiMessage = apiMessage,
            Fix = fix,
        };
    }

    /// <summary>Reads OpenAI's <c>{"error":{message,type,code}}</c>, vLLM's older top-level <c>{message,type,code}</c>,
    /// Ollama's <c>{"error":"text"}</c>, or a plain-text body.</summary>
    private static (string? Message, string? Type, string? Code) ReadBody(ClientResultException http)
    {
        string? body;
        try
        {
            body = http.GetRawResponse()?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            body = null;
        }
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null, null);
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return (body.Trim(), null, null);
        }
        var error = root?["error"] is JsonObject nested ? nested : root as JsonObject;
        if (root?["error"] is JsonValue plain && plain.TryGetValue<string>(out var text))
        {
            return (text, null, null);
        }
        return (AsText(error?["message"]), AsText(error?["type"]), AsText(error?["code"]));

        static string? AsText(JsonNode? node) => node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
    }

    /// <summary>Removes the key from <paramref name="text"/> (servers echo wrong keys back in 401 messages).</summary>
    public static string Redact(string text, ProviderConnection connection) =>
        string.IsNullOrEmpty(connection.ApiKey) ? text : text.Replace(connection.ApiKey, Redacted, StringComparison.Ordinal);
}

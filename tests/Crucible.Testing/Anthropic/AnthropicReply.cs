using System.Text.Json.Nodes;

namespace Crucible.Testing.Anthropic;

/// <summary>
/// One scripted answer of <see cref="AnthropicWireServer"/> to a <c>POST /v1/messages</c>. A
/// <see cref="Message"/> reply is sent as JSON, or as an SSE stream when the request asked for
/// <c>stream: true</c>, built exactly as the API documents its events.
/// </summary>
public abstract record AnthropicReply
{
    /// <summary>A complete <c>message</c> object (content blocks, stop_reason, usage).</summary>
    public sealed record Message(JsonObject Body) : AnthropicReply
    {
        /// <summary>When streaming, hang after this many content blocks until the client goes away (for cancellation tests); null streams everything.</summary>
        public int? HangAfterBlocks { get; init; }

        /// <summary>When streaming, send an <c>event: error</c> with this error type after the content blocks instead of message_delta/message_stop.</summary>
        public string? StreamErrorType { get; init; }
    }

    /// <summary>An API error: <c>{"type":"error","error":{"type","message"},"request_id"}</c>.</summary>
    public sealed record Error(int Status, string Type, string ErrorMessage) : AnthropicReply
    {
        /// <summary>The <c>retry-after</c> header in seconds, if any.</summary>
        public int? RetryAfterSeconds { get; init; }
    }

    /// <summary>A raw response, e.g. one replayed from a recording.</summary>
    public sealed record Raw(int Status, string ContentType, string Body, IReadOnlyDictionary<string, string> Headers) : AnthropicReply;

    /// <summary>A text answer with the given usage.</summary>
    public static Message Text(string text, WireUsage? usage = null, string stopReason = "end_turn") =>
        new(MessageBody([new JsonObject { ["type"] = "text", ["text"] = text }], stopReason, usage ?? new WireUsage(10, 5)));

    /// <summary>An answer that calls tools (<c>stop_reason: tool_use</c>), optionally preceded by text.</summary>
    public static Message ToolUse(IEnumerable<(string Id, string Name, JsonObject Input)> calls, string? leadingText = null, WireUsage? usage = null)
    {
        var blocks = new List<JsonObject>();
        if (leadingText is not null)
        {
            blocks.Add(new JsonObject { ["type"] = "text", ["text"] = leadingText });
        }
        blocks.AddRange(calls.Select(c => new JsonObject { ["type"] = "tool_use", ["id"] = c.Id, ["name"] = c.Name, ["input"] = c.Input }));
        return new(MessageBody(blocks, "tool_use", usage ?? new WireUsage(20, 15)));
    }

    /// <summary>Builds a <c>message</c> object.</summary>
    public static JsonObject MessageBody(IEnumerable<JsonObject> content, string stopReason, WireUsage usage) => new()
    {
        ["id"] = $"msg_local_{Guid.NewGuid():N}",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = "claude-test-model",
        ["content"] = new JsonArray([.. content]),
        ["stop_reason"] = stopReason,
        ["stop_sequence"] = null,
        ["usage"] = usage.ToJson(),
    };
}

/// <summary>Usage as the API reports it: <c>input_tokens</c> excludes cache reads and writes.</summary>
public sealed record WireUsage(long InputTokens, long OutputTokens, long CacheWrite5m = 0, long CacheWrite1h = 0, long CacheRead = 0)
{
    /// <summary>The <c>usage</c> object with <c>cache_creation</c> split by TTL.</summary>
    public JsonObject ToJson() => new()
    {
        ["input_tokens"] = InputTokens,
        ["cache_creation_input_tokens"] = CacheWrite5m + CacheWrite1h,
        ["cache_read_input_tokens"] = CacheRead,
        ["cache_creation"] = new JsonObject { ["ephemeral_5m_input_tokens"] = CacheWrite5m, ["ephemeral_1h_input_tokens"] = CacheWrite1h },
        ["output_tokens"] = OutputTokens,
        ["service_tier"] = "standard",
    };
}

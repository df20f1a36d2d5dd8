using System.Text.Json;
using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Anthropic;

/// <summary>Maps Anthropic Messages API responses (as JSON) to Microsoft.Extensions.AI types.</summary>
public static class AnthropicResponseMapper
{
    /// <summary>Maps a <c>stop_reason</c>: end_turn/stop_sequence → Stop, tool_use → ToolCalls, max_tokens → Length, refusal → ContentFilter.</summary>
    public static ChatFinishReason? FinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" or "pause_turn" => ChatFinishReason.Stop,
        "tool_use" => ChatFinishReason.ToolCalls,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "refusal" => ChatFinishReason.ContentFilter,
        var other => new ChatFinishReason(other),
    };

    /// <summary>
    /// Reads an Anthropic <c>usage</c> object. <c>input_tokens</c> there excludes the cached parts;
    /// cache writes are split 5m/1h by <c>cache_creation</c> when present (otherwise all of
    /// <c>cache_creation_input_tokens</c> counts as 5-minute writes, the API default TTL).
    /// </summary>
    public static TokenUsage ReadUsage(JsonElement usage)
    {
        var input = Long(usage, "input_tokens");
        var output = Long(usage, "output_tokens");
        var cacheRead = Long(usage, "cache_read_input_tokens");
        var cacheWrite = Long(usage, "cache_creation_input_tokens");
        long write5m = cacheWrite, write1h = 0;
        if (usage.TryGetProperty("cache_creation", out var split) && split.ValueKind == JsonValueKind.Object)
        {
            write5m = Long(split, "ephemeral_5m_input_tokens");
            write1h = Long(split, "ephemeral_1h_input_tokens");
            // Older or partial reports: whatever the split does not account for is a 5-minute write.
            write5m += Math.Max(0, cacheWrite - write5m - write1h);
        }
        long reasoning = 0;
        if (usage.TryGetProperty("output_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object)
        {
            reasoning = Long(details, "thinking_tokens");
        }
        return new TokenUsage(input, output, write5m, cacheRead, write1h, reasoning);
    }

    /// <summary>Maps a whole <c>message</c> object to a <see cref="ChatResponse"/>.</summary>
    public static ChatResponse ToChatResponse(JsonElement message)
    {
        var contents = new List<AIContent>();
        if (message.TryGetProperty("content", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in blocks.EnumerateArray())
            {
                if (ToContent(block) is { } content)
                {
                    contents.Add(content);
                }
            }
        }
        var chatMessage = new ChatMessage(ChatRole.Assistant, contents)
        {
            MessageId = String(message, "id"),
            RawRepresentation = message,
        };
        var response = new ChatResponse(chatMessage)
        {
            ResponseId = String(message, "id"),
            ModelId = String(message, "model"),
            FinishReason = FinishReason(String(message, "stop_reason")),
            RawRepresentation = message,
        };
        if (message.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            response.Usage = UsageConversion.ToUsageDetails(ReadUsage(usage));
        }
        return response;
    }

    /// <summary>
    /// Maps one response content block. Server-side tool blocks (<c>server_tool_use</c>, search
    /// results) are not calls the caller must run, so they are not surfaced as <see cref="FunctionCallContent"/>.
    /// </summary>
    public static AIContent? ToContent(JsonElement block) => String(block, "type") switch
    {
        "text" => new TextContent(String(block, "text") ?? "") { RawRepresentation = block },
        "thinking" => new TextReasoningContent(String(block, "thinking") ?? "") { ProtectedData = String(block, "signature"), RawRepresentation = block },
        "redacted_thinking" => new TextReasoningContent("") { ProtectedData = String(block, "data"), RawRepresentation = block },
        "tool_use" => new FunctionCallContent(String(block, "id") ?? "", String(block, "name") ?? "", ParseArguments(block.TryGetProperty("input", out var input) ? input : default))
        {
            RawRepresentation = block,
        },
        _ => null,
    };

    /// <summary>Parses tool input (an object, or JSON text assembled from a stream) into arguments.</summary>
    public static Dictionary<string, object?> ParseArguments(JsonElement input)
    {
        var arguments = new Dictionary<string, object?>();
        if (input.ValueKind != JsonValueKind.Object)
        {
            return arguments;
        }
        foreach (var property in input.EnumerateObject())
        {
            arguments[property.Name] = property.Value.Clone();
        }
        return arguments;
    }

    internal static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    internal static long Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64()
            : 0;
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Anthropic;

/// <summary>A Messages API request body and the cache breakpoints placed on it.</summary>
/// <param name="Body">The JSON body (without <c>stream</c>; the SDK adds it for streaming calls).</param>
/// <param name="Breakpoints">The <c>cache_control</c> breakpoints, in request order.</param>
public sealed record AnthropicRequest(JsonObject Body, IReadOnlyList<CacheBreakpoint> Breakpoints);

/// <summary>
/// Turns <see cref="ChatMessage"/>s and <see cref="ChatOptions"/> into an Anthropic Messages API body.
/// The same body is used for a direct call and as the <c>params</c> of a batch request.
/// </summary>
/// <remarks>
/// Mapping: <see cref="ChatRole.System"/> messages and <see cref="ChatOptions.Instructions"/> become
/// <c>system</c> text blocks (instructions first, each system message its own block); tool results
/// (<see cref="FunctionResultContent"/>, usually in <see cref="ChatRole.Tool"/> messages) become
/// <c>tool_result</c> blocks in a user turn; consecutive turns of the same role are merged because
/// the API wants user and assistant turns to alternate.
/// </remarks>
public static class AnthropicRequestBuilder
{
    /// <summary>Builds the body for <paramref name="model"/>.</summary>
    /// <exception cref="BadInputException">The options are inconsistent (e.g. thinking budget not below max tokens).</exception>
    public static AnthropicRequest Build(string model, IEnumerable<ChatMessage> messages, ChatOptions? options, AnthropicOptions anthropic)
    {
        model = options?.ModelId ?? model;
        long maxTokens = options?.MaxOutputTokens ?? anthropic.MaxTokens;
        anthropic.Validate(maxTokens, options?.Reasoning);

        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
        };

        var system = new JsonArray();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            system.Add(TextBlock(options.Instructions));
        }
        var turns = new JsonArray();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                var text = message.Text;
                if (!string.IsNullOrEmpty(text))
                {
                    system.Add(TextBlock(text));
                }
                continue;
            }
            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            var blocks = new JsonArray();
            foreach (var content in MergeReasoning(message.Contents))
            {
                if (ToBlock(content) is { } block)
                {
                    blocks.Add(block);
                }
            }
            if (blocks.Count == 0)
            {
                continue;
            }
            if (turns.Count > 0 && (string?)turns[^1]!["role"] == role)
            {
                var previous = (JsonArray)turns[^1]!["content"]!;
                foreach (var block in blocks.ToList())
                {
                    blocks.Remove(block);
                    previous.Add(block);
                }
                continue;
            }
            turns.Add(new JsonObject { ["role"] = role, ["content"] = blocks });
        }
        if (system.Count > 0)
        {
            body["system"] = system;
        }
        body["messages"] = turns;

        var tools = new JsonArray();
        foreach (var tool in options?.Tools ?? [])
        {
            if (tool is AIFunctionDeclaration function)
            {
                tools.Add(ToolDefinition(function));
            }
        }
        if (tools.Count > 0)
        {
            body["tools"] = tools;
            if (ToolChoice(options!) is { } choice)
            {
                body["tool_choice"] = choice;
            }
        }

        if (options?.Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }
        if (options?.TopP is { } topP)
        {
            body["top_p"] = topP;
        }
        if (options?.TopK is { } topK)
        {
            body["top_k"] = topK;
        }
        if (options?.StopSequences is { Count: > 0 } stops)
        {
            body["stop_sequences"] = new JsonArray([.. stops.Select(s => (JsonNode)JsonValue.Create(s))]);
        }
        if (anthropic.ThinkingBudgetFor(options?.Reasoning) is { } budget)
        {
            body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = budget };
        }

        IReadOnlyList<CacheBreakpoint> breakpoints = [];
        if (anthropic.PromptCaching)
        {
            var minimum = anthropic.MinimumCacheableTokens ?? AnthropicCachePolicy.MinimumFor(model);
            breakpoints = AnthropicCachePolicy.Apply(body, minimum, anthropic.CacheTtl);
        }
        return new AnthropicRequest(body, breakpoints);
    }

    /// <summary>The tool definition the API expects for an <see cref="AIFunctionDeclaration"/>: its JSON schema as <c>input_schema</c>.</summary>
    public static JsonObject ToolDefinition(AIFunctionDeclaration function)
    {
        var schema = JsonNode.Parse(function.JsonSchema.GetRawText()) as JsonObject ?? [];
        // The API requires an object schema; M.E.AI omits "type" for parameterless functions.
        schema["type"] ??= "object";
        schema["properties"] ??= new JsonObject();
        var tool = new JsonObject { ["name"] = function.Name };
        if (!string.IsNullOrEmpty(function.Description))
        {
            tool["description"] = function.Description;
        }
        tool["input_schema"] = schema;
        return tool;
    }

    private static JsonObject? ToolChoice(ChatOptions options)
    {
        JsonObject? choice = options.ToolMode switch
        {
            NoneChatToolMode => new JsonObject { ["type"] = "none" },
            RequiredChatToolMode { RequiredFunctionName: { } name } => new JsonObject { ["type"] = "tool", ["name"] = name },
            RequiredChatToolMode => new JsonObject { ["type"] = "any" },
            _ => null,
        };
        if (options.AllowMultipleToolCalls == false)
        {
            choice ??= new JsonObject { ["type"] = "auto" };
            if ((string?)choice["type"] != "none")
            {
                choice["disable_parallel_tool_use"] = true;
            }
        }
        return choice;
    }

    /// <summary>
    /// A streamed thinking block arrives as several <see cref="TextReasoningContent"/> deltas plus one
    /// carrying the signature; whether or not the caller coalesced them, adjacent ones are one block.
    /// </summary>
    private static IEnumerable<AIContent> MergeReasoning(IList<AIContent> contents)
    {
        List<TextReasoningContent>? run = null;
        foreach (var content in contents)
        {
            if (content is TextReasoningContent reasoning)
            {
                (run ??= []).Add(reasoning);
                continue;
            }
            if (run is not null)
            {
                yield return Merge(run);
                run = null;
            }
            yield return content;
        }
        if (run is not null)
        {
            yield return Merge(run);
        }

        static TextReasoningContent Merge(List<TextReasoningContent> run) => run.Count == 1
            ? run[0]
            : new TextReasoningContent(string.Concat(run.Select(r => r.Text)))
            {
                ProtectedData = run.LastOrDefault(r => r.ProtectedData is not null)?.ProtectedData,
            };
    }

    private static JsonObject TextBlock(string text) => new() { ["type"] = "text", ["text"] = text };

    private static JsonObject? ToBlock(AIContent content) => content switch
    {
        // The API rejects empty text blocks.
        TextContent text => string.IsNullOrEmpty(text.Text) ? null : TextBlock(text.Text),
        TextReasoningContent { ProtectedData: { } signature, Text: { Length: > 0 } thinking } =>
            new JsonObject { ["type"] = "thinking", ["thinking"] = thinking, ["signature"] = signature },
        TextReasoningContent { ProtectedData: { } data } =>
            new JsonObject { ["type"] = "redacted_thinking", ["data"] = data },
        // Thinking without a signature cannot be sent back (the API verifies it); it is dropped.
        TextReasoningContent => null,
        FunctionCallContent call => new JsonObject
        {
            ["type"] = "tool_use",
            ["id"] = call.CallId,
            ["name"] = call.Name,
            ["input"] = call.Arguments is null ? new JsonObject() : JsonSerializer.SerializeToNode(call.Arguments, AIJsonUtilities.DefaultOptions),
        },
        FunctionResultContent result => ToolResult(result),
        DataContent { MediaType: var media } data when media.StartsWith("image/", StringComparison.OrdinalIgnoreCase) => new JsonObject
        {
            ["type"] = "image",
            ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = media, ["data"] = data.Base64Data.ToString() },
        },
        _ => null,
    };

    private static JsonObject ToolResult(FunctionResultContent result)
    {
        var text = result.Result switch
        {
            null => result.Exception?.Message ?? "",
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? "",
            var other => JsonSerializer.Serialize(other, AIJsonUtilities.DefaultOptions),
        };
        var block = new JsonObject
        {
            ["type"] = "tool_result",
            ["tool_use_id"] = result.CallId,
            ["content"] = new JsonArray(TextBlock(text.Length == 0 ? "(no output)" : text)),
        };
        if (result.Exception is not null)
        {
            block["is_error"] = true;
        }
        return block;
    }
}

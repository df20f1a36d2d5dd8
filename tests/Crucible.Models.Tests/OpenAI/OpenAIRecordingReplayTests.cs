using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core.Usage;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

/// <summary>
/// Replays every recorded OpenAI chat-completions exchange (../shared/fixtures/provider-recordings) through the
/// local wire server into <see cref="OpenAICompatibleChatClient"/>. The conversation the recording client sent is
/// rebuilt as an <see cref="IChatClient"/> call; the server checks that our request says the same thing, answers
/// with the recorded bytes, and the test compares what the user gets with what the recording says.
/// </summary>
public sealed class OpenAIRecordingReplayTests
{
    /// <summary>12 in ruby_llm/75b5cd5a and 7 in pydantic-ai: the README's full OpenAI chat-completions set.</summary>
    private const int ExpectedExchanges = 19;

    public static TheoryData<string> Exchanges() => new(OpenAIRecordings.ChatCompletions.Select(e => e.Name));

    [Fact]
    public void Every_recorded_openai_chat_completion_exchange_is_replayed()
    {
        var all = OpenAIRecordings.ChatCompletions;

        Assert.Equal(ExpectedExchanges, all.Count);
        Assert.Equal(ExpectedExchanges, all.Select(e => e.Name).Distinct().Count());
        Assert.Equal((12, 7), (all.Count(e => e.Source == "ruby_llm"), all.Count(e => e.Source == "pydantic-ai")));
        Assert.All(all.Where(e => e.Source == "ruby_llm"), e => Assert.StartsWith("75b5cd5a/", e.File, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Exchanges))]
    public async Task Recorded_exchange_gives_the_user_what_the_recording_says(string name)
    {
        var exchange = OpenAIRecordings.Get(name);
        // The auth-error recording was made with the literal key "invalid-key", which the API echoes back.
        var key = exchange.Status == 401 ? "invalid-key" : Key;
        var tools = ToolsOf(exchange.RequestBody);
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations
        {
            ApiKey = key,
            Model = exchange.Model,
            ToolSchemas = tools.Count == 0 ? null : tools.ToDictionary(t => t.Name, t => t.JsonSchema.GetRawText()),
        });
        server.CheckRequest = body => JsonNode.DeepEquals(Project(body), Project(exchange.RequestBody))
            ? null
            : $"request differs from the recording:\n ours {Project(body).ToJsonString()}\n recorded {Project(exchange.RequestBody).ToJsonString()}";
        server.Enqueue(new RawReply(exchange.Status, exchange.ContentType, exchange.ResponseBody, exchange.Headers));
        using var client = Client(server, key: key, provider: "openai");
        var (messages, options) = ToRequest(exchange.RequestBody, tools);

        if (exchange.Status != 200)
        {
            var error = await Assert.ThrowsAsync<ModelCallException>(() => exchange.Streamed
                ? StreamAsync(client, messages, options, Ct)
                : client.GetResponseAsync(messages, options, Ct));
            var recorded = JsonNode.Parse(exchange.ResponseBody)!["error"]!;
            var expectedKind = exchange.Status switch { 400 => ModelErrorKind.BadRequest, 401 => ModelErrorKind.Authentication, 429 => ModelErrorKind.RateLimited, _ => (ModelErrorKind)(-1) };
            var expectedMessage = recorded["message"]!.GetValue<string>().Replace(key, "[redacted key]", StringComparison.Ordinal);
            Assert.Equal((expectedKind, exchange.Status, expectedMessage, recorded["type"]!.GetValue<string>()),
                (error.Kind, error.StatusCode, error.ApiMessage, error.ApiErrorType));
            Assert.Contains(expectedMessage, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(key, error.ToString(), StringComparison.Ordinal);
            Assert.Empty(server.Violations);
            return;
        }

        ChatResponse response;
        var streamedText = "";
        if (exchange.Streamed)
        {
            var (updates, assembled) = await StreamAsync(client, messages, options, Ct);
            streamedText = string.Concat(updates.Select(u => u.Text));
            response = assembled;
        }
        else
        {
            response = await client.GetResponseAsync(messages, options, Ct);
        }

        var expected = Expected(exchange);
        Assert.Empty(server.Violations);
        Assert.Equal(expected.Text, response.Text);
        if (exchange.Streamed)
        {
            Assert.Equal(expected.Text, streamedText);
        }
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(expected.Calls.Select(c => (c.Id, c.Name)), calls.Select(c => (c.CallId, c.Name)));
        Assert.All(expected.Calls.Zip(calls), pair =>
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(pair.First.Arguments), JsonNode.Parse(ArgumentsJson(pair.Second))), $"arguments of {pair.First.Id}"));
        Assert.Equal(new ChatFinishReason(expected.FinishReason), response.FinishReason);
        Assert.Equal(expected.Usage, UsageConversion.ToTokenUsage(response.Usage));
        Assert.Equal(expected.Usage.TotalInputTokens, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Recorded_prompt_cache_hit_reports_cached_and_written_tokens()
    {
        var write = OpenAIRecordings.Get("pydantic-ai/test_openai_chat_prompt_cache_e2e.yaml#0");
        var read = OpenAIRecordings.Get("pydantic-ai/test_openai_chat_prompt_cache_e2e.yaml#1");
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = Key, Model = write.Model });
        server.Enqueue(new RawReply(200, write.ContentType, write.ResponseBody, write.Headers));
        server.Enqueue(new RawReply(200, read.ContentType, read.ResponseBody, read.Headers));
        using var client = Client(server, provider: "openai");
        var (messages, _) = ToRequest(write.RequestBody, []);

        var first = await client.GetResponseAsync(messages, cancellationToken: Ct);
        var second = await client.GetResponseAsync(messages, cancellationToken: Ct);

        Assert.Equal(new TokenUsage(InputTokens: 8, OutputTokens: 4, CacheWriteTokens: 4012), UsageConversion.ToTokenUsage(first.Usage));
        Assert.Equal(new TokenUsage(InputTokens: 8, OutputTokens: 4, CacheReadTokens: 4012), UsageConversion.ToTokenUsage(second.Usage));
        Assert.Equal(("OK", "OK"), (first.Text, second.Text));
    }

    /// <summary>What the recorded response says the user should get, read straight from the recorded JSON/SSE.</summary>
    private sealed record Outcome(string Text, List<(string Id, string Name, string Arguments)> Calls, string FinishReason, TokenUsage Usage);

    private static Outcome Expected(RecordedOpenAIExchange exchange)
    {
        var text = "";
        var calls = new SortedDictionary<int, (string Id, string Name, string Arguments)>();
        string? finish = null;
        JsonNode? usage = null;
        if (exchange.Streamed)
        {
            foreach (var line in exchange.ResponseBody.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal) && l != "data: [DONE]"))
            {
                var chunk = JsonNode.Parse(line["data: ".Length..])!;
                usage = chunk["usage"] ?? usage;
                foreach (var choice in chunk["choices"]!.AsArray())
                {
                    text += choice!["delta"]?["content"]?.GetValue<string>() ?? "";
                    finish = choice["finish_reason"]?.GetValue<string>() ?? finish;
                    foreach (var call in choice["delta"]?["tool_calls"]?.AsArray() ?? [])
                    {
                        var index = call!["index"]!.GetValue<int>();
                        var entry = calls.TryGetValue(index, out var seen) ? seen : (Id: "", Name: "", Arguments: "");
                        calls[index] = (
                            entry.Id.Length > 0 ? entry.Id : call["id"]?.GetValue<string>() ?? "",
                            entry.Name.Length > 0 ? entry.Name : call["function"]?["name"]?.GetValue<string>() ?? "",
                            entry.Arguments + (call["function"]?["arguments"]?.GetValue<string>() ?? ""));
                    }
                }
            }
        }
        else
        {
            var root = JsonNode.Parse(exchange.ResponseBody)!;
            var choice = root["choices"]![0]!;
            text = choice["message"]!["content"]?.GetValue<string>() ?? "";
            finish = choice["finish_reason"]!.GetValue<string>();
            usage = root["usage"];
            var i = 0;
            foreach (var call in choice["message"]!["tool_calls"]?.AsArray() ?? [])
            {
                calls[i++] = (call!["id"]!.GetValue<string>(), call["function"]!["name"]!.GetValue<string>(), call["function"]!["arguments"]!.GetValue<string>());
            }
        }
        long Count(string path) => path.Split('.').Aggregate(usage, (node, part) => node?[part]) is JsonValue v ? v.GetValue<long>() : 0;
        var cached = Count("prompt_tokens_details.cached_tokens");
        var written = Count("prompt_tokens_details.cache_write_tokens");
        var tokens = new TokenUsage(Count("prompt_tokens") - cached - written, Count("completion_tokens"), written, cached, 0, Count("completion_tokens_details.reasoning_tokens"));
        return new Outcome(text, [.. calls.Values], finish!, tokens);
    }

    private static List<AIFunctionDeclaration> ToolsOf(JsonObject body) =>
        (body["tools"] as JsonArray ?? []).Select(t => t!["function"]!).Select(f => AIFunctionFactory.CreateDeclaration(
            f["name"]!.GetValue<string>(),
            f["description"]?.GetValue<string>() ?? "",
            JsonSerializer.Deserialize<JsonElement>(f["parameters"]!.ToJsonString()))).ToList();

    /// <summary>Rebuilds the recorded conversation as the <see cref="IChatClient"/> call a Crucible user would make.</summary>
    private static (List<ChatMessage> Messages, ChatOptions Options) ToRequest(JsonObject body, List<AIFunctionDeclaration> tools)
    {
        var messages = new List<ChatMessage>();
        foreach (var m in body["messages"]!.AsArray())
        {
            var role = m!["role"]!.GetValue<string>();
            var texts = m["content"] switch
            {
                JsonArray parts => parts.Select(p => p!["text"]!.GetValue<string>()).ToList(),
                JsonValue v when v.GetValue<string>().Length > 0 => [v.GetValue<string>()],
                _ => [],
            };
            List<AIContent> contents = role == "tool"
                ? [new FunctionResultContent(m["tool_call_id"]!.GetValue<string>(), texts.Single())]
                : [.. texts.Select(t => new TextContent(t))];
            foreach (var call in m["tool_calls"]?.AsArray() ?? [])
            {
                contents.Add(new FunctionCallContent(call!["id"]!.GetValue<string>(), call["function"]!["name"]!.GetValue<string>(),
                    JsonSerializer.Deserialize<Dictionary<string, object?>>(call["function"]!["arguments"]!.GetValue<string>())));
            }
            messages.Add(new ChatMessage(new ChatRole(role), contents));
        }
        var options = new ChatOptions
        {
            Tools = tools.Count == 0 ? null : [.. tools],
            Temperature = body["temperature"]?.GetValue<float>(),
            ToolMode = body["tool_choice"]?.GetValue<string>() switch
            {
                "required" => ChatToolMode.RequireAny,
                "auto" => ChatToolMode.Auto,
                "none" => ChatToolMode.None,
                _ => null,
            },
        };
        return (messages, options);
    }

    /// <summary>What a request says, independent of field order and of optional fields clients write differently.</summary>
    private static JsonObject Project(JsonObject body) => new()
    {
        ["model"] = body["model"]!.GetValue<string>(),
        ["stream"] = body["stream"]?.GetValue<bool>() == true,
        ["include_usage"] = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true,
        ["tool_choice"] = body["tool_choice"]?.DeepClone(),
        ["messages"] = new JsonArray(body["messages"]!.AsArray().Select(m => (JsonNode)new JsonObject
        {
            ["role"] = m!["role"]!.GetValue<string>(),
            ["text"] = m["content"] switch
            {
                JsonArray parts => string.Concat(parts.Select(p => p!["text"]!.GetValue<string>())),
                JsonValue v => v.GetValue<string>(),
                _ => "",
            },
            ["tool_call_id"] = m["tool_call_id"]?.GetValue<string>(),
            ["tool_calls"] = new JsonArray((m["tool_calls"]?.AsArray() ?? []).Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c!["id"]!.GetValue<string>(),
                ["name"] = c["function"]!["name"]!.GetValue<string>(),
                ["arguments"] = JsonNode.Parse(c["function"]!["arguments"]!.GetValue<string>()),
            }).ToArray()),
        }).ToArray()),
        ["tools"] = new JsonArray((body["tools"]?.AsArray() ?? []).Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t!["function"]!["name"]!.GetValue<string>(),
            ["description"] = t["function"]!["description"]?.GetValue<string>() ?? "",
            ["parameters"] = t["function"]!["parameters"]!.DeepClone(),
        }).ToArray()),
    };
}

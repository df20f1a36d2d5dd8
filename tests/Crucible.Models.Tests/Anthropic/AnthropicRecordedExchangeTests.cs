using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Models.Batches;
using Crucible.Core.Usage;
using Crucible.Models.Anthropic;
using Crucible.Testing;
using Crucible.Testing.Anthropic;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Anthropic;

/// <summary>
/// Every real Anthropic exchange in <c>../shared/fixtures/provider-recordings</c> replayed through the
/// local server into our provider. The expectation for each is read from the recorded response with
/// the API's documented semantics (text blocks and deltas, tool_use blocks and input_json_delta
/// fragments, usage with cache fields, error bodies, batch objects); hand-checked figures for the
/// important ones are asserted separately below.
/// </summary>
public sealed class AnthropicRecordedExchangeTests
{
    /// <summary>The number of api.anthropic.com exchanges in the recordings (README: per-file index).</summary>
    private const int ExpectedExchangeCount = 45;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> AllExchangeIds => [.. AnthropicRecordings.All.Select(e => e.Id)];

    [Fact]
    public void Every_anthropic_exchange_in_the_recordings_is_loaded()
    {
        Assert.Equal(ExpectedExchangeCount, AnthropicRecordings.All.Count);
        Assert.Equal(ExpectedExchangeCount, AnthropicRecordings.All.Select(e => e.Id).Distinct().Count());
        // Every exchange falls into a kind the replay theory handles.
        Assert.All(AnthropicRecordings.All, e => Assert.NotEqual(ExchangeKind.Unknown, KindOf(e)));
    }

    [Theory]
    [MemberData(nameof(AllExchangeIds))]
    public async Task Recorded_exchange_replays_through_the_provider(string id)
    {
        var exchange = AnthropicRecordings.Get(id);
        await using var server = await AnthropicWireServer.StartAsync();
        using var folder = new TempDirectory("replay");
        var connection = AnthropicTestConnections.For(server, model: "claude-haiku-4-5");
        using var chat = new AnthropicChatClient(connection);
        var batches = new AnthropicBatchClient(connection, new ChatBatchStore(folder.Path), new ChatBatchOptions { PollInterval = TimeSpan.Zero });
        var response = exchange.Response;
        var body = response.Body ?? "";

        switch (KindOf(exchange))
        {
            case ExchangeKind.Message:
                server.Replay(exchange);
                var message = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "replay")], cancellationToken: Ct);
                AssertMatches(ExpectedFromMessage(JsonDocument.Parse(body).RootElement), message);
                break;
            case ExchangeKind.Stream:
                server.Replay(exchange);
                var updates = await chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "replay")], cancellationToken: Ct).ToListAsync(Ct);
                AssertMatches(ExpectedFromStream(body), updates.ToChatResponse());
                break;
            case ExchangeKind.MessageError:
                if (exchange.Path == "/v1/messages")
                {
                    server.Replay(exchange);
                }
                else
                {
                    // count_tokens is not a call the provider makes; its 404 body is replayed as the
                    // answer to a messages call, which is where an unknown model shows up for us.
                    server.Enqueue(new AnthropicReply.Raw(response.Status, "application/json", body, new Dictionary<string, string>()));
                }
                var error = await Assert.ThrowsAsync<ModelCallException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "replay")], cancellationToken: Ct));
                AssertError(response.Status, body, error);
                break;
            case ExchangeKind.BatchCreate:
                server.Replay(exchange);
                var requests = JsonNode.Parse(exchange.Request.Body!)!["requests"]!.AsArray()
                    .Select(r => new ChatBatchRequest((string)r!["custom_id"]!, [new ChatMessage(ChatRole.User, FirstUserText(r["params"]!))]))
                    .ToList();
                var stored = await batches.SubmitAsync("replayed", requests, Ct);
                var recorded = JsonDocument.Parse(body).RootElement;
                Assert.Equal(recorded.GetProperty("id").GetString(), stored.BatchId);
                Assert.Equal(requests.Select(r => r.CustomId), stored.CustomIds);
                var reloaded = new ChatBatchStore(folder.Path).Load("replayed")!;
                Assert.Equal((stored.Job, stored.BatchId, stored.Model, stored.SubmittedAt), (reloaded.Job, reloaded.BatchId, reloaded.Model, reloaded.SubmittedAt));
                Assert.Equal(stored.CustomIds, reloaded.CustomIds);
                break;
            case ExchangeKind.BatchRetrieve:
                server.Replay(exchange);
                var status = await batches.GetStatusAsync(exchange.Path.Split('/')[^1], Ct);
                Assert.Equal(ExpectedStatus(JsonDocument.Parse(body).RootElement), status);
                break;
            case ExchangeKind.BatchCancel:
                server.Replay(exchange);
                var canceled = await batches.CancelAsync(exchange.Path.Split('/')[^2], Ct);
                Assert.Equal(ExpectedStatus(JsonDocument.Parse(body).RootElement), canceled);
                Assert.Equal("canceling", canceled.ProcessingStatus);
                break;
            case ExchangeKind.BatchList:
                server.Replay(exchange);
                var listed = await batches.ListAsync(Ct);
                Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray().Select(ExpectedStatus), listed);
                break;
            case ExchangeKind.BatchResults:
                server.Replay(exchange);
                var batchId = exchange.Path.Split('/')[^2];
                if (response.Status == 200)
                {
                    var results = await batches.GetResultsAsync(batchId, Ct);
                    AssertBatchResults(body, results);
                }
                else
                {
                    var resultsError = await Assert.ThrowsAsync<ModelCallException>(() => batches.GetResultsAsync(batchId, Ct));
                    AssertError(response.Status, body, resultsError);
                }
                break;
            default:
                Assert.Fail($"{id} is of no kind the replay handles.");
                break;
        }

        Assert.Empty(server.Violations);
    }

    // ---- Hand-checked figures from the recordings ----

    [Fact]
    public async Task Prompt_cache_round_trip_writes_7351_tokens_then_reads_them()
    {
        var exchanges = AnthropicRecordings.InFile("ruby_llm", "fb5a49bf/chat_prompt_cache_round-trip_anthropic_claude-haiku-4-5_writes_then_reads_the_prompt_cache.yml");
        await using var server = await AnthropicWireServer.StartAsync();
        server.Replay([.. exchanges]);
        using var chat = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var write = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Reply with exactly: OK")], cancellationToken: Ct);
        var read = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Reply with exactly: OK")], cancellationToken: Ct);

        Assert.Equal(("OK", "OK"), (write.Text, read.Text));
        Assert.Equal(new TokenUsage(InputTokens: 10, OutputTokens: 4, CacheWriteTokens: 7351), UsageConversion.ToTokenUsage(write.Usage));
        Assert.Equal(new TokenUsage(InputTokens: 10, OutputTokens: 4, CacheReadTokens: 7351), UsageConversion.ToTokenUsage(read.Usage));
        Assert.Equal((7361L, 0L), (write.Usage!.InputTokenCount, write.Usage.CachedInputTokenCount));
        Assert.Equal((7361L, 7351L), (read.Usage!.InputTokenCount, read.Usage.CachedInputTokenCount));
        Assert.Equal(7351L, write.Usage.AdditionalCounts![UsageConversion.CacheWriteTokens]);
    }

    [Fact]
    public async Task Streamed_tool_call_arguments_are_assembled_from_six_fragments()
    {
        var exchange = AnthropicRecordings.Get("ruby_llm/fb5a49bf/chat_function_calling_anthropic_claude-haiku-4-5_can_use_tools_with_multi-turn_streaming_conversations.yml#0");
        await using var server = await AnthropicWireServer.StartAsync();
        server.Replay(exchange);
        using var chat = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var response = (await chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "What's the weather in Berlin? (52.5200, 13.4050)")], cancellationToken: Ct).ToListAsync(Ct)).ToChatResponse();

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("weather", call.Name);
        Assert.Equal(("52.5200", "13.4050"), (((JsonElement)call.Arguments!["latitude"]!).GetString(), ((JsonElement)call.Arguments["longitude"]!).GetString()));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task Streamed_thinking_surfaces_as_reasoning_with_its_signature_and_thinking_token_count()
    {
        var exchange = AnthropicRecordings.Get("ruby_llm/fb5a49bf/chat_with_extended_thinking_anthropic_claude-haiku-4-5_streams_thinking_content_when_available.yml#0");
        await using var server = await AnthropicWireServer.StartAsync();
        server.Replay(exchange);
        using var chat = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var response = (await chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "riddle")], cancellationToken: Ct).ToListAsync(Ct)).ToChatResponse();

        var reasoning = response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().ToList();
        Assert.StartsWith("This is a clever paradox question.", string.Concat(reasoning.Select(r => r.Text)));
        Assert.StartsWith("ErsNCpMBCBAYAipA", Assert.Single(reasoning, r => r.ProtectedData is not null).ProtectedData);
        Assert.EndsWith("What draws you to this paradox?", response.Text);
        Assert.Equal(new TokenUsage(80, 638, ReasoningTokens: 353), UsageConversion.ToTokenUsage(response.Usage));
    }

    [Fact]
    public async Task Recorded_rate_limit_is_rate_limited_with_the_apis_message()
    {
        var exchange = AnthropicRecordings.Get("ruby_llm/ddbefc6c/chat_real_error_scenarios_anthropic_claude-haiku-4-5_handles_context_length_exceeded_errors.yml#0");
        await using var server = await AnthropicWireServer.StartAsync();
        server.Replay(exchange);
        using var chat = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var error = await Assert.ThrowsAsync<ModelCallException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], cancellationToken: Ct));

        Assert.Equal((ModelErrorKind.RateLimited, 429, "rate_limit_error"), (error.Kind, error.StatusCode, error.ApiErrorType));
        Assert.True(ModelCallException.IsTransient(error.Kind));
        Assert.Contains("rate limit of 450,000 input tokens per minute", error.Message);
        Assert.Single(server.Received); // the provider leaves retrying (and retry-after) to the HTTP handler
    }

    [Fact]
    public async Task Recorded_auth_failure_names_the_key_variable()
    {
        var exchange = AnthropicRecordings.Get("ruby_llm/fb5a49bf/chat_error_handling_with_anthropic_claude-haiku-4-5_raises_appropriate_auth_error.yml#0");
        await using var server = await AnthropicWireServer.StartAsync();
        server.Replay(exchange);
        using var chat = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var error = await Assert.ThrowsAsync<ModelCallException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hello")], cancellationToken: Ct));

        Assert.Equal(ModelErrorKind.Authentication, error.Kind);
        Assert.Equal("Anthropic refused the API key (401 authentication_error: invalid x-api-key). Set ANTHROPIC_API_KEY to a valid key.", error.Message);
    }

    [Fact]
    public async Task Recorded_batch_lifecycle_polls_until_ended_and_maps_results_by_custom_id()
    {
        var exchanges = AnthropicRecordings.InFile("ruby_llm", "fb5a49bf/batch_with_anthropic_claude-haiku-4-5_answers_staged_chats_and_appends_the_answers_to_their_conversations.yml");
        await using var server = await AnthropicWireServer.StartAsync();
        server.Replay([.. exchanges]);
        using var folder = new TempDirectory("replay");
        var batches = new AnthropicBatchClient(AnthropicTestConnections.For(server, model: "claude-haiku-4-5"), new ChatBatchStore(folder.Path), new ChatBatchOptions { PollInterval = TimeSpan.Zero });

        var results = await batches.RunAsync("staged", [
            new ChatBatchRequest("0", [new ChatMessage(ChatRole.User, "What is 2 + 2?")], new ChatOptions { Instructions = "Be terse." }),
            new ChatBatchRequest("1", [new ChatMessage(ChatRole.User, "Name the largest planet in our solar system. One word.")]),
        ], Ct);

        Assert.Empty(server.Violations);
        Assert.Equal(12, server.Received.Count); // 1 create, 10 polls, 1 results: all recorded exchanges used
        Assert.Equal(("4", "Jupiter"), (results["0"].Response!.Text, results["1"].Response!.Text));
        Assert.Equal(new TokenUsage(20, 5), results["0"].Usage);
        Assert.Equal(new TokenUsage(19, 4), results["1"].Usage);
        Assert.Equal("msgbatch_01GUqGVJfUzZfBnjRymfPdV3", new ChatBatchStore(folder.Path).Load("staged")!.BatchId);
    }

    [Theory]
    [InlineData("ruby_llm/fb5a49bf/chat_function_calling_anthropic_claude-haiku-4-5_can_use_tools.yml#1")]
    [InlineData("ruby_llm/fb5a49bf/chat_function_calling_anthropic_claude-haiku-4-5_can_use_parallel_tool_calls.yml#1")]
    [InlineData("ruby_llm/fb5a49bf/chat_function_calling_anthropic_claude-haiku-4-5_can_use_tools_with_multi-turn_streaming_conversations.yml#3")]
    [InlineData("llm-anthropic/test_tools.yaml#1")]
    public void Recorded_tool_result_conversations_are_rebuilt_with_the_same_messages(string id)
    {
        var recorded = JsonNode.Parse(AnthropicRecordings.Get(id).Request.Body!)!;
        var conversation = ToChatMessages(recorded["messages"]!.AsArray());

        var built = AnthropicRequestBuilder.Build("claude-haiku-4-5", conversation, null, new AnthropicOptions { PromptCaching = false });

        Assert.True(JsonNode.DeepEquals(Normalize(recorded["messages"]!), Normalize(built.Body["messages"]!)),
            $"recorded: {Normalize(recorded["messages"]!).ToJsonString()}\nbuilt:    {built.Body["messages"]!.ToJsonString()}");
    }

    // ---- The oracle: what the user should get, read from the recorded response ----

    private enum ExchangeKind { Unknown, Message, Stream, MessageError, BatchCreate, BatchRetrieve, BatchCancel, BatchList, BatchResults }

    private static ExchangeKind KindOf(RecordedExchange e) => (e.Request.Method, e.Path, e.Response.Status) switch
    {
        ("POST", "/v1/messages", 200) => e.Response.IsEventStream ? ExchangeKind.Stream : ExchangeKind.Message,
        ("POST", "/v1/messages" or "/v1/messages/count_tokens", >= 400) => ExchangeKind.MessageError,
        ("POST", "/v1/messages/batches", 200) => ExchangeKind.BatchCreate,
        ("GET", "/v1/messages/batches", 200) => ExchangeKind.BatchList,
        ("POST", var p, 200) when p.StartsWith("/v1/messages/batches/", StringComparison.Ordinal) && p.EndsWith("/cancel", StringComparison.Ordinal) => ExchangeKind.BatchCancel,
        ("GET", var p, _) when p.StartsWith("/v1/messages/batches/", StringComparison.Ordinal) && p.EndsWith("/results", StringComparison.Ordinal) => ExchangeKind.BatchResults,
        ("GET", var p, 200) when p.StartsWith("/v1/messages/batches/", StringComparison.Ordinal) => ExchangeKind.BatchRetrieve,
        _ => ExchangeKind.Unknown,
    };

    private sealed record Expected(string Text, string Reasoning, IReadOnlyList<(string Id, string Name, string Input)> ToolCalls, string? StopReason, TokenUsage Usage);

    private static Expected ExpectedFromMessage(JsonElement message)
    {
        var blocks = message.GetProperty("content").EnumerateArray().ToList();
        return new Expected(
            string.Concat(blocks.Where(b => Type(b) == "text").Select(b => b.GetProperty("text").GetString())),
            string.Concat(blocks.Where(b => Type(b) == "thinking").Select(b => b.GetProperty("thinking").GetString())),
            [.. blocks.Where(b => Type(b) == "tool_use").Select(b => (b.GetProperty("id").GetString()!, b.GetProperty("name").GetString()!, CanonicalJson(b.GetProperty("input").GetRawText())))],
            message.GetProperty("stop_reason").GetString(),
            UsageOf(JsonNode.Parse(message.GetProperty("usage").GetRawText())!.AsObject()));
    }

    private static Expected ExpectedFromStream(string sse)
    {
        var text = new System.Text.StringBuilder();
        var reasoning = new System.Text.StringBuilder();
        var tools = new SortedDictionary<long, (string Id, string Name, System.Text.StringBuilder Json)>();
        JsonObject usage = [];
        string? stop = null;
        foreach (var data in sse.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[5..]).RootElement))
        {
            switch (Type(data))
            {
                case "message_start":
                    usage = JsonNode.Parse(data.GetProperty("message").GetProperty("usage").GetRawText())!.AsObject();
                    break;
                case "content_block_start" when Type(data.GetProperty("content_block")) == "tool_use":
                    var block = data.GetProperty("content_block");
                    tools[data.GetProperty("index").GetInt64()] = (block.GetProperty("id").GetString()!, block.GetProperty("name").GetString()!, new());
                    break;
                case "content_block_delta":
                    var delta = data.GetProperty("delta");
                    switch (Type(delta))
                    {
                        case "text_delta": text.Append(delta.GetProperty("text").GetString()); break;
                        case "thinking_delta": reasoning.Append(delta.GetProperty("thinking").GetString()); break;
                        case "input_json_delta" when tools.TryGetValue(data.GetProperty("index").GetInt64(), out var tool): tool.Json.Append(delta.GetProperty("partial_json").GetString()); break;
                    }
                    break;
                case "message_delta":
                    stop = data.GetProperty("delta").GetProperty("stop_reason").GetString();
                    foreach (var p in data.GetProperty("usage").EnumerateObject())
                    {
                        usage[p.Name] = JsonNode.Parse(p.Value.GetRawText());
                    }
                    break;
            }
        }
        return new Expected(text.ToString(), reasoning.ToString(),
            [.. tools.Values.Select(t => (t.Id, t.Name, CanonicalJson(t.Json.Length == 0 ? "{}" : t.Json.ToString())))],
            stop, UsageOf(usage));
    }

    private static TokenUsage UsageOf(JsonObject usage)
    {
        long Get(JsonNode? node, string name) => node?[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
        var writes = Get(usage, "cache_creation_input_tokens");
        var split = usage["cache_creation"];
        var (write5m, write1h) = split is JsonObject ? (Get(split, "ephemeral_5m_input_tokens"), Get(split, "ephemeral_1h_input_tokens")) : (writes, 0);
        return new TokenUsage(Get(usage, "input_tokens"), Get(usage, "output_tokens"), write5m, Get(usage, "cache_read_input_tokens"), write1h, Get(usage["output_tokens_details"], "thinking_tokens"));
    }

    private static void AssertMatches(Expected expected, ChatResponse actual)
    {
        var contents = actual.Messages.SelectMany(m => m.Contents).ToList();
        var calls = contents.OfType<FunctionCallContent>().Select(c => (c.CallId, c.Name, CanonicalJson(JsonSerializer.Serialize(c.Arguments)))).ToList();
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Reasoning, string.Concat(contents.OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.Equal(expected.ToolCalls, calls);
        Assert.All(contents.OfType<FunctionCallContent>(), c => Assert.Null(c.Exception));
        Assert.Equal(AnthropicResponseMapper.FinishReason(expected.StopReason), actual.FinishReason);
        Assert.Equal(expected.Usage, UsageConversion.ToTokenUsage(actual.Usage));
    }

    private static void AssertError(int status, string body, ModelCallException error)
    {
        var apiError = JsonDocument.Parse(body).RootElement.GetProperty("error");
        var kind = status switch
        {
            400 => ModelErrorKind.BadRequest,
            401 => ModelErrorKind.Authentication,
            404 => ModelErrorKind.NotFound,
            429 => ModelErrorKind.RateLimited,
            _ => throw new InvalidOperationException($"no expectation for status {status}"),
        };
        Assert.Equal((kind, status, apiError.GetProperty("type").GetString(), apiError.GetProperty("message").GetString()),
            (error.Kind, error.StatusCode, error.ApiErrorType, error.ApiMessage));
        Assert.Contains(apiError.GetProperty("message").GetString()!, error.Message);
    }

    private static AnthropicBatchStatus ExpectedStatus(JsonElement batch)
    {
        var counts = batch.GetProperty("request_counts");
        return new AnthropicBatchStatus(batch.GetProperty("id").GetString()!, batch.GetProperty("processing_status").GetString()!,
            counts.GetProperty("processing").GetInt64(), counts.GetProperty("succeeded").GetInt64(), counts.GetProperty("errored").GetInt64(),
            counts.GetProperty("canceled").GetInt64(), counts.GetProperty("expired").GetInt64());
    }

    private static void AssertBatchResults(string jsonl, IReadOnlyDictionary<string, ChatBatchResult> results)
    {
        var lines = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(lines.Count, results.Count);
        foreach (var line in lines)
        {
            var result = results[line.GetProperty("custom_id").GetString()!];
            var recorded = line.GetProperty("result");
            Assert.Equal(Type(recorded), result.Kind.ToString().ToLowerInvariant());
            if (result.Kind == ChatBatchResultKind.Succeeded)
            {
                var expected = ExpectedFromMessage(recorded.GetProperty("message"));
                AssertMatches(expected, result.Response!);
                Assert.Equal(expected.Usage, result.Usage);
            }
        }
    }

    private static List<ChatMessage> ToChatMessages(JsonArray messages)
    {
        var result = new List<ChatMessage>();
        foreach (var message in messages)
        {
            var role = (string)message!["role"]!;
            var blocks = message["content"] is JsonArray array ? [.. array] : new List<JsonNode?> { new JsonObject { ["type"] = "text", ["text"] = (string?)message["content"] } };
            var contents = new List<AIContent>();
            var toolResults = new List<AIContent>();
            foreach (var block in blocks)
            {
                switch ((string?)block!["type"])
                {
                    case "text":
                        contents.Add(new TextContent((string?)block["text"]));
                        break;
                    case "tool_use":
                        contents.Add(new FunctionCallContent((string)block["id"]!, (string)block["name"]!, AnthropicResponseMapper.ParseArguments(JsonSerializer.SerializeToElement(block["input"]))));
                        break;
                    case "tool_result":
                        var content = block["content"] is JsonArray parts ? string.Concat(parts.Select(p => (string?)p!["text"])) : (string?)block["content"];
                        toolResults.Add(new FunctionResultContent((string)block["tool_use_id"]!, content));
                        break;
                }
            }
            if (toolResults.Count > 0)
            {
                result.Add(new ChatMessage(ChatRole.Tool, toolResults));
            }
            if (contents.Count > 0)
            {
                result.Add(new ChatMessage(role == "assistant" ? ChatRole.Assistant : ChatRole.User, contents));
            }
        }
        return result;
    }

    /// <summary>Recorded messages in the form our builder emits: block-list content, tool_result content as text blocks.</summary>
    private static JsonNode Normalize(JsonNode messages)
    {
        var copy = messages.DeepClone().AsArray();
        foreach (var message in copy)
        {
            if (message!["content"] is JsonValue text)
            {
                message["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text.GetValue<string>() });
            }
            foreach (var block in message["content"]!.AsArray())
            {
                block!.AsObject().Remove("cache_control");
                if ((string?)block["type"] == "tool_result" && block["content"] is JsonValue resultText)
                {
                    block["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = resultText.GetValue<string>() });
                }
            }
        }
        return copy;
    }

    private static string FirstUserText(JsonNode parameters)
    {
        var content = parameters["messages"]![0]!["content"]!;
        return content is JsonValue v ? v.GetValue<string>() : (string)content[0]!["text"]!;
    }

    private static string? Type(JsonElement element) => element.TryGetProperty("type", out var t) ? t.GetString() : null;

    private static string CanonicalJson(string json) => JsonNode.Parse(json)!.ToJsonString();
}

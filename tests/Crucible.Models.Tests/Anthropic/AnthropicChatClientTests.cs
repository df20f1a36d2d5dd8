using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core;
using Crucible.Core.Usage;
using Crucible.Models.Anthropic;
using Crucible.Testing.Anthropic;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicChatClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AIFunction WeatherTool() => AIFunctionFactory.Create(
        (string city, int days) => $"{city}: sunny for {days} days",
        "get_weather",
        "Gets the weather forecast for a city.");

    [Fact]
    public async Task Sends_the_key_as_bearer_token_and_the_sdk_api_version_with_sdk_retries_off()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("hi"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], cancellationToken: Ct);

        var request = Assert.Single(server.Received);
        Assert.Equal(("POST", "/v1/messages"), (request.Method, request.Path));
        Assert.Equal("Bearer " + AnthropicTestConnections.Key, request.Headers["authorization"]);
        Assert.False(request.Headers.ContainsKey("x-api-key"));
        Assert.Equal(AnthropicWireServer.SdkAnthropicVersion, request.Headers["anthropic-version"]);
        Assert.Equal("0", request.Headers["x-stainless-retry-count"]);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Non_streaming_answer_carries_text_finish_reason_and_usage()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("The answer is 42.", new WireUsage(InputTokens: 30, OutputTokens: 7)));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the answer?")], cancellationToken: Ct);

        Assert.Equal("The answer is 42.", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("claude-test-model", response.ModelId);
        Assert.Equal(new TokenUsage(30, 7), UsageConversion.ToTokenUsage(response.Usage));
        var body = JsonNode.Parse(server.MessageRequests[0].Body)!;
        Assert.Equal("claude-sonnet-4-5", (string?)body["model"]);
        Assert.Equal(AnthropicOptions.DefaultMaxTokens, (int)body["max_tokens"]!);
    }

    [Fact]
    public async Task Tool_call_round_trip_sends_the_schema_gets_the_call_and_returns_the_result()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(
            AnthropicReply.ToolUse([("toolu_01", "get_weather", new JsonObject { ["city"] = "Paris", ["days"] = 3 })], leadingText: "Let me check."),
            AnthropicReply.Text("Paris will be sunny."));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));
        var tool = WeatherTool();
        var options = new ChatOptions { Tools = [tool] };
        List<ChatMessage> conversation = [new(ChatRole.User, "Weather in Paris for 3 days?")];

        var first = await client.GetResponseAsync(conversation, options, Ct);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("toolu_01", "get_weather"), (call.CallId, call.Name));
        var result = await tool.InvokeAsync(new AIFunctionArguments(call.Arguments), Ct);
        Assert.Equal("Paris: sunny for 3 days", result?.ToString() is { } s && s.StartsWith('"') ? JsonSerializer.Deserialize<string>(s) : result?.ToString());

        conversation.AddRange(first.Messages);
        conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, "Paris: sunny for 3 days")]));
        var second = await client.GetResponseAsync(conversation, options, Ct);

        Assert.Equal("Paris will be sunny.", second.Text);
        Assert.Empty(server.Violations);
        var sent = JsonNode.Parse(server.MessageRequests[1].Body)!;
        var sentTool = sent["tools"]![0]!;
        Assert.Equal("get_weather", (string?)sentTool["name"]);
        Assert.Equal("Gets the weather forecast for a city.", (string?)sentTool["description"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(tool.JsonSchema.GetRawText()), sentTool["input_schema"]));
        var messages = sent["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => (string?)m!["role"]));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":3}}]"""),
            messages[1]!["content"]));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"Paris: sunny for 3 days"}]}]"""),
            messages[2]!["content"]));
    }

    [Fact]
    public async Task Streaming_assembles_tool_arguments_from_partial_json_fragments()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        var input = new JsonObject { ["city"] = "São Paulo", ["days"] = 14, ["units"] = new JsonObject { ["temp"] = "C" } };
        server.Enqueue(AnthropicReply.ToolUse([("toolu_A", "get_weather", input), ("toolu_B", "get_weather", new JsonObject())], leadingText: "Checking the forecast now."));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var updates = await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Forecast?")], new ChatOptions { Tools = [WeatherTool()] }, Ct).ToListAsync(Ct);

        // Text arrives in several deltas; each tool call arrives once, complete.
        Assert.True(updates.Count(u => u.Contents.OfType<TextContent>().Any()) > 1);
        var response = updates.ToChatResponse();
        Assert.Equal("Checking the forecast now.", response.Text);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(["toolu_A", "toolu_B"], calls.Select(c => c.CallId));
        Assert.True(JsonNode.DeepEquals(input, JsonSerializer.SerializeToNode(calls[0].Arguments)));
        Assert.Empty(calls[1].Arguments!);
        Assert.Null(calls[0].Exception);
        Assert.Equal(new TokenUsage(20, 15), UsageConversion.ToTokenUsage(response.Usage));
    }

    [Fact]
    public async Task System_prompt_comes_from_instructions_then_each_system_message_as_its_own_block()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("ok"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        await client.GetResponseAsync(
            [new(ChatRole.System, "Constitution: prove every claim."), new(ChatRole.User, "hi")],
            new ChatOptions { Instructions = "You are Crucible." }, Ct);

        var body = JsonNode.Parse(server.MessageRequests[0].Body)!;
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"type":"text","text":"You are Crucible."},{"type":"text","text":"Constitution: prove every claim."}]"""),
            body["system"]));
        Assert.Single(body["messages"]!.AsArray());
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("max_tokens", "length")]
    public async Task Stop_reasons_map_to_finish_reasons(string stopReason, string finishReason)
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("x", stopReason: stopReason), AnthropicReply.Text("x", stopReason: stopReason));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var direct = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct);
        var streamed = (await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct).ToListAsync(Ct)).ToChatResponse();

        Assert.Equal(new ChatFinishReason(finishReason), direct.FinishReason);
        Assert.Equal(new ChatFinishReason(finishReason), streamed.FinishReason);
    }

    [Fact]
    public async Task Extended_thinking_is_requested_surfaced_as_reasoning_and_sent_back_with_its_signature()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        var thinking = new JsonObject { ["type"] = "thinking", ["thinking"] = "The user wants the weather; call the tool.", ["signature"] = "sig-abc123" };
        var toolUse = new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_T", ["name"] = "get_weather", ["input"] = new JsonObject { ["city"] = "Oslo", ["days"] = 1 } };
        server.Enqueue(
            new AnthropicReply.Message(AnthropicReply.MessageBody([thinking, toolUse], "tool_use", new WireUsage(40, 60))),
            AnthropicReply.Text("Oslo is sunny."));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));
        var options = new ChatOptions
        {
            Tools = [WeatherTool()],
            AdditionalProperties = new() { [AnthropicOptions.AdditionalPropertiesKey] = new AnthropicOptions { ThinkingBudgetTokens = 2048, MaxTokens = 4096 } },
        };
        List<ChatMessage> conversation = [new(ChatRole.User, "Weather in Oslo?")];

        var first = (await client.GetStreamingResponseAsync(conversation, options, Ct).ToListAsync(Ct)).ToChatResponse();

        var reasoning = string.Concat(first.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text));
        Assert.Equal("The user wants the weather; call the tool.", reasoning);
        conversation.AddRange(first.Messages);
        conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("toolu_T", "sunny")]));
        await client.GetResponseAsync(conversation, options, Ct);

        Assert.Empty(server.Violations);
        var firstBody = JsonNode.Parse(server.MessageRequests[0].Body)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"enabled","budget_tokens":2048}"""), firstBody["thinking"]));
        Assert.Equal(4096, (int)firstBody["max_tokens"]!);
        var assistant = JsonNode.Parse(server.MessageRequests[1].Body)!["messages"]![1]!["content"]!;
        Assert.True(JsonNode.DeepEquals(thinking, assistant[0]));
        Assert.Equal("tool_use", (string?)assistant[1]!["type"]);
    }

    [Fact]
    public async Task Thinking_budget_not_below_max_tokens_is_bad_input_before_any_request()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, options: new Dictionary<string, string> { ["thinking_budget_tokens"] = "4000", ["max_tokens"] = "4000" }));

        var error = await Assert.ThrowsAsync<BadInputException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Contains("must be below max_tokens", error.Message);
        Assert.NotNull(error.Fix);
        Assert.Empty(server.Received);
    }

    [Theory]
    [InlineData(400, "invalid_request_error", "messages: text content blocks must be non-empty", ModelErrorKind.BadRequest)]
    [InlineData(401, "authentication_error", "invalid x-api-key", ModelErrorKind.Authentication)]
    [InlineData(403, "permission_error", "Your API key does not have permission to use the specified resource.", ModelErrorKind.Authentication)]
    [InlineData(404, "not_found_error", "model: claude-nope", ModelErrorKind.NotFound)]
    [InlineData(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", ModelErrorKind.RateLimited)]
    [InlineData(529, "overloaded_error", "Overloaded", ModelErrorKind.Overloaded)]
    [InlineData(500, "api_error", "Internal server error", ModelErrorKind.ServerError)]
    [InlineData(503, "api_error", "Service unavailable", ModelErrorKind.ServerError)]
    public async Task Api_errors_become_model_call_exceptions_with_the_apis_own_message(int status, string type, string message, ModelErrorKind kind)
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(new AnthropicReply.Error(status, type, message) { RetryAfterSeconds = status == 429 ? 7 : null });
        server.Enqueue(new AnthropicReply.Error(status, type, message));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, model: "claude-nope"));

        var direct = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));
        var streamed = await Assert.ThrowsAsync<ModelCallException>(async () => await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct).ToListAsync(Ct));

        foreach (var error in new[] { direct, streamed })
        {
            Assert.Equal((kind, status, type, message), (error.Kind, error.StatusCode, error.ApiErrorType, error.ApiMessage));
            Assert.Contains(message, error.Message);
        }
        Assert.Equal(2, server.Received.Count); // the provider itself never retries
        if (kind == ModelErrorKind.Authentication)
        {
            Assert.Contains("ANTHROPIC_API_KEY", direct.Message);
            Assert.Contains("ANTHROPIC_API_KEY", direct.Fix);
        }
        if (kind == ModelErrorKind.NotFound)
        {
            Assert.Contains("'claude-nope'", direct.Message);
        }
    }

    [Fact]
    public async Task Overload_in_the_middle_of_a_stream_is_an_overloaded_error()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("partial answer") with { StreamErrorType = "overloaded_error" });
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));
        var received = new List<ChatResponseUpdate>();

        var error = await Assert.ThrowsAsync<ModelCallException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct))
            {
                received.Add(update);
            }
        });

        Assert.Equal(ModelErrorKind.Overloaded, error.Kind);
        Assert.Equal("partial answer", received.ToChatResponse().Text);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_never_appears_in_the_exception_or_client_text()
    {
        const string wrongKey = "sk-ant-WRONG-secret-7f3a9c";
        await using var server = await AnthropicWireServer.StartAsync();
        var connection = AnthropicTestConnections.For(server, key: wrongKey);
        using var client = new AnthropicChatClient(connection);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal(ModelErrorKind.Authentication, error.Kind);
        Assert.Contains("Set ANTHROPIC_API_KEY", error.Message);
        foreach (var text in new[] { error.Message, error.ToString(), error.Fix ?? "", client.ToString(), connection.ToString() })
        {
            Assert.DoesNotContain(wrongKey, text);
        }
        Assert.DoesNotContain(wrongKey, string.Join("\n", server.Violations));
    }

    [Fact]
    public async Task A_key_echoed_back_by_the_server_is_scrubbed_from_the_error()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(new AnthropicReply.Error(400, "invalid_request_error", $"bad header value {AnthropicTestConnections.Key}"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal("bad header value [redacted]", error.ApiMessage);
        Assert.DoesNotContain(AnthropicTestConnections.Key, error.Message);
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_the_call_with_operation_canceled()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.ToolUse([("toolu_X", "get_weather", new JsonObject { ["city"] = "Rome", ["days"] = 2 })], leadingText: "Thinking about Rome") with { HangAfterBlocks = 1 });
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var received = new List<ChatResponseUpdate>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: cts.Token))
            {
                received.Add(update);
                if (received.ToChatResponse().Text == "Thinking about Rome")
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal("Thinking about Rome", received.ToChatResponse().Text);
        Assert.DoesNotContain(received.SelectMany(u => u.Contents), c => c is FunctionCallContent);
    }

    [Fact]
    public async Task An_unreachable_base_url_is_a_network_error_naming_the_endpoint()
    {
        var connection = new ProviderConnection
        {
            Provider = "anthropic",
            Model = "claude-sonnet-4-5",
            BaseUrl = new Uri("http://127.0.0.1:1/"),
            ApiKey = AnthropicTestConnections.Key,
            ApiKeyVariable = "ANTHROPIC_API_KEY",
            HttpClient = new HttpClient(),
        };
        using var client = new AnthropicChatClient(connection);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal(ModelErrorKind.Network, error.Kind);
        Assert.Contains("http://127.0.0.1:1/", error.Message);
        Assert.DoesNotContain(AnthropicTestConnections.Key, error.ToString());
    }

    [Fact]
    public async Task A_model_call_exception_from_the_http_pipeline_is_rethrown_unchanged()
    {
        var thrown = new ModelCallException(ModelErrorKind.RateLimited, "gave up after 5 tries") { Attempts = 5, StatusCode = 429 };
        var connection = new ProviderConnection
        {
            Provider = "anthropic",
            Model = "claude-sonnet-4-5",
            BaseUrl = new Uri("http://127.0.0.1:1/"),
            ApiKey = AnthropicTestConnections.Key,
            HttpClient = new HttpClient(new ThrowingHandler(thrown)),
        };
        using var client = new AnthropicChatClient(connection);

        var direct = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct));
        var streamed = await Assert.ThrowsAsync<ModelCallException>(async () => await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct).ToListAsync(Ct));

        Assert.Same(thrown, direct);
        Assert.Same(thrown, streamed);
    }

    private sealed class ThrowingHandler(Exception error) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromException<HttpResponseMessage>(error);
    }
}

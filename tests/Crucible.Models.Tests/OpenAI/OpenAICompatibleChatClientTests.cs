using System.Text.Json.Nodes;
using Crucible.Core.Usage;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

public sealed class OpenAICompatibleChatClientTests
{
    private const string Model = "gpt-test";
    private static readonly string[] Roles = ["system", "user", "assistant", "tool"];

    private static Task<OpenAIWireServer> StartAsync(OpenAIServerFlavor flavor = OpenAIServerFlavor.OpenAI, string? key = Key, params AIFunction[] tools) =>
        OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = key, Model = Model, ToolSchemas = tools.Length == 0 ? null : Schemas(tools) }, flavor);

    [Fact]
    public async Task Tool_call_round_trip_returns_the_call_then_sends_the_real_tool_result_back()
    {
        var weather = WeatherTool();
        await using var server = await StartAsync(tools: weather);
        server.Enqueue(new CompletionReply
        {
            ToolCalls = [new ScriptedToolCall("weather", """{"city":"Berlin","days":3}""", "call_abc")],
            PromptTokens = 120, CompletionTokens = 30, CachedTokens = 64, ReasoningTokens = 16,
        });
        server.Enqueue(new CompletionReply { Text = "Berlin: 15°C for the next 3 days.", PromptTokens = 160, CompletionTokens = 12 });
        using var client = Client(server);
        var options = new ChatOptions { Tools = [weather], MaxOutputTokens = 256 };
        List<ChatMessage> history = [new(ChatRole.System, "You are terse."), new(ChatRole.User, "Weather in Berlin for 3 days?")];

        var first = await client.GetResponseAsync(history, options, cancellationToken: Ct);

        var call = Assert.Single(first.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call_abc", "weather", """{"city":"Berlin","days":3}"""), (call.CallId, call.Name, ArgumentsJson(call)));
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal(new TokenUsage(InputTokens: 56, OutputTokens: 30, CacheReadTokens: 64, ReasoningTokens: 16), UsageConversion.ToTokenUsage(first.Usage));

        history.AddMessages(first);
        var result = await weather.InvokeAsync(new AIFunctionArguments(call.Arguments!), cancellationToken: Ct);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
        var second = await client.GetResponseAsync(history, options, cancellationToken: Ct);

        Assert.Equal("Berlin: 15°C for the next 3 days.", second.Text);
        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Empty(server.Violations);
        var sent = server.Bodies[1]["messages"]!.AsArray();
        Assert.Equal(Roles, sent.Select(m => m!["role"]!.GetValue<string>()));
        var sentCall = sent[2]!["tool_calls"]![0]!;
        Assert.Equal(("call_abc", "weather"), (sentCall["id"]!.GetValue<string>(), sentCall["function"]!["name"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city":"Berlin","days":3}"""), JsonNode.Parse(sentCall["function"]!["arguments"]!.GetValue<string>())));
        Assert.Equal(("call_abc", "Berlin: 15°C for 3 days"), (sent[3]!["tool_call_id"]!.GetValue<string>(), sent[3]!["content"]!.GetValue<string>()));
        Assert.Equal(256, server.Bodies[0]["max_tokens"]!.GetValue<int>());
        Assert.Null(server.Bodies[0]["max_completion_tokens"]);
    }

    [Fact]
    public async Task Streamed_tool_call_arguments_arriving_in_fragments_are_assembled_into_one_call()
    {
        var weather = WeatherTool();
        await using var server = await StartAsync(tools: weather);
        server.Enqueue(new CompletionReply
        {
            Text = "Let me check.",
            ToolCalls = [new ScriptedToolCall("weather", """{"city":"São Paulo","days":14}""", "call_1")],
            ArgumentFragmentLength = 3, PromptTokens = 90, CompletionTokens = 20, CachedTokens = 10,
        });
        using var client = Client(server);

        var (updates, response) = await StreamAsync(client, [new(ChatRole.User, "Weather?")], new ChatOptions { Tools = [weather] }, cancellationToken: Ct);

        Assert.Equal("Let me check.", string.Concat(updates.Select(u => u.Text)));
        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "text must arrive incrementally");
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("call_1", "weather", """{"city":"São Paulo","days":14}"""), (call.CallId, call.Name, ArgumentsJson(call)));
        Assert.Null(call.Exception);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(new TokenUsage(80, 20, CacheReadTokens: 10), UsageConversion.ToTokenUsage(response.Usage));
        Assert.Empty(server.Violations);
        Assert.True(server.Bodies[0]["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Streamed_parallel_tool_calls_are_kept_apart_by_index()
    {
        var weather = WeatherTool();
        var readFile = ReadFileTool();
        await using var server = await StartAsync(tools: [weather, readFile]);
        server.Enqueue(new CompletionReply
        {
            ToolCalls = [new("weather", """{"city":"Oslo","days":1}""", "call_a"), new("read_file", """{"path":"notes/todo.md"}""", "call_b")],
            ArgumentFragmentLength = 2,
        });
        using var client = Client(server);

        var (_, response) = await StreamAsync(client, [new(ChatRole.User, "Both please")], new ChatOptions { Tools = [weather, readFile] }, cancellationToken: Ct);

        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => (c.CallId, c.Name, ArgumentsJson(c)));
        Assert.Equal([("call_a", "weather", """{"city":"Oslo","days":1}"""), ("call_b", "read_file", """{"path":"notes/todo.md"}""")], calls);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task OpenAI_provider_sends_max_completion_tokens_and_developer_messages_keep_their_role()
    {
        await using var server = await StartAsync();
        server.Enqueue(new CompletionReply { Text = "ok" });
        using var client = Client(server, provider: "openai");

        await client.GetResponseAsync([new(new ChatRole("developer"), "Be brief."), new(ChatRole.User, "hi")], new ChatOptions { MaxOutputTokens = 64 }, cancellationToken: Ct);

        var body = server.Bodies.Single();
        Assert.Equal(64, body["max_completion_tokens"]!.GetValue<int>());
        Assert.Null(body["max_tokens"]);
        Assert.Equal(["developer", "user"], body["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>()));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Instructions_become_a_leading_system_message()
    {
        await using var server = await StartAsync();
        server.Enqueue(new CompletionReply { Text = "ok" });
        using var client = Client(server);

        await client.GetResponseAsync([new(ChatRole.User, "hi")], new ChatOptions { Instructions = "Answer in French." }, Ct);

        var sent = server.Bodies.Single()["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), m["content"]!.ToJsonString())).ToList();
        Assert.Equal([("system", "\"Answer in French.\""), ("user", "\"hi\"")], sent);
    }

    [Fact]
    public async Task Model_id_in_the_options_overrides_the_connection_model_for_that_call()
    {
        await using var server = await StartAsync();
        server.Enqueue(new CompletionReply { Text = "ok" });
        using var client = Client(server, model: "gpt-other");

        var response = await client.GetResponseAsync([new(ChatRole.User, "hi")], new ChatOptions { ModelId = Model }, Ct);

        Assert.Equal(("ok", Model), (response.Text, server.Bodies.Single()["model"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Keyless_local_server_gets_no_authorization_header()
    {
        await using var server = await StartAsync(key: null);
        server.Enqueue(new CompletionReply { Text = "local answer" });
        // Written the way users write it, without a trailing slash (http://localhost:11434/v1).
        using var client = new OpenAICompatibleChatClient(Connection(server, key: null) with { BaseUrl = new Uri(server.BaseUrl.ToString().TrimEnd('/')) });

        var response = await client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct);

        Assert.Equal("local answer", response.Text);
        Assert.False(server.Received.Single().Headers.ContainsKey("authorization"));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Cancelling_a_stream_mid_way_stops_it_with_operation_canceled()
    {
        await using var server = await StartAsync();
        server.Enqueue(new StallingReply());
        using var client = Client(server);
        using var cancellation = new CancellationTokenSource();
        var seen = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new(ChatRole.User, "hi")], cancellationToken: cancellation.Token))
            {
                seen.Add(update.Text);
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(["Thinking"], seen);
    }

    [Fact]
    public async Task A_call_with_an_already_cancelled_token_throws_operation_canceled_and_sends_nothing()
    {
        await using var server = await StartAsync();
        using var client = Client(server);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: new CancellationToken(true)));

        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task Reasoning_text_is_returned_as_reasoning_and_not_sent_back()
    {
        await using var server = await StartAsync(OpenAIServerFlavor.Vllm);
        server.Enqueue(new CompletionReply { Reasoning = "The user greets; answer briefly.", Text = "Hello!" });
        server.Enqueue(new CompletionReply { Text = "Fine." });
        using var client = Client(server);
        List<ChatMessage> history = [new(ChatRole.User, "hi")];

        var response = await client.GetResponseAsync(history, cancellationToken: Ct);
        history.AddMessages(response);
        history.Add(new ChatMessage(ChatRole.User, "how are you?"));
        await client.GetResponseAsync(history, cancellationToken: Ct);

        Assert.Equal("The user greets; answer briefly.", Assert.Single(response.Messages.Single().Contents.OfType<TextReasoningContent>()).Text);
        Assert.Equal("Hello!", response.Text);
        var assistant = server.Bodies[1]["messages"]![1]!.AsObject();
        Assert.Equal("Hello!", assistant["content"] is JsonArray parts ? parts[0]!["text"]!.GetValue<string>() : assistant["content"]!.GetValue<string>());
        Assert.DoesNotContain("greets", assistant.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_choice_and_sampling_options_reach_the_wire()
    {
        var weather = WeatherTool();
        await using var server = await StartAsync(tools: weather);
        server.Enqueue(new CompletionReply { ToolCalls = [new("weather", """{"city":"Rome","days":2}""")] });
        using var client = Client(server);

        await client.GetResponseAsync([new(ChatRole.User, "hi")], new ChatOptions
        {
            Tools = [weather], ToolMode = ChatToolMode.RequireSpecific("weather"), Temperature = 0.25f, StopSequences = ["END"],
            ResponseFormat = ChatResponseFormat.Json, AllowMultipleToolCalls = false,
        }, cancellationToken: Ct);

        var body = server.Bodies.Single();
        Assert.Equal("json_object", body["response_format"]!["type"]!.GetValue<string>());
        Assert.False(body["parallel_tool_calls"]!.GetValue<bool>());
        Assert.Equal("weather", body["tool_choice"]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal(0.25, body["temperature"]!.GetValue<double>(), 3);
        Assert.Equal("END", body["stop"]!.AsArray().Single()!.GetValue<string>());
        Assert.Empty(server.Violations);
    }
}

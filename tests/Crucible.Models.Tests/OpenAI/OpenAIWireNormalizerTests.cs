using System.Text.Json.Nodes;
using Crucible.Core.Usage;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

public sealed class OpenAIWireNormalizerTests
{
    private const string Model = "qwen3-coder";

    public static TheoryData<OpenAIServerFlavor, bool> FlavorsAndModes()
    {
        var data = new TheoryData<OpenAIServerFlavor, bool>();
        foreach (var flavor in Enum.GetValues<OpenAIServerFlavor>())
        {
            data.Add(flavor, false);
            data.Add(flavor, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FlavorsAndModes))]
    public async Task Each_server_shape_yields_the_same_calls_reasoning_and_usage(OpenAIServerFlavor flavor, bool streamed)
    {
        var weather = WeatherTool();
        var readFile = ReadFileTool();
        await using var server = await OpenAIWireServer.StartAsync(
            new OpenAIServerExpectations { ApiKey = null, Model = Model, ToolSchemas = Schemas(weather, readFile) }, flavor);
        server.Enqueue(new CompletionReply
        {
            Reasoning = "Two lookups are needed.",
            Text = "Checking both.",
            ToolCalls = [new("weather", """{"city":"Lyon","days":2}"""), new("read_file", """{"path":"src/Program.cs"}""")],
            PromptTokens = 300, CompletionTokens = 40, CachedTokens = 256,
        });
        using var client = Client(server, key: null);
        var options = new ChatOptions { Tools = [weather, readFile] };
        List<ChatMessage> question = [new(ChatRole.User, "Weather in Lyon and show Program.cs")];

        var response = streamed ? (await StreamAsync(client, question, options, Ct)).Response : await client.GetResponseAsync(question, options, Ct);

        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        var calls = contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal([("weather", """{"city":"Lyon","days":2}"""), ("read_file", """{"path":"src/Program.cs"}""")], calls.Select(c => (c.Name, ArgumentsJson(c))));
        Assert.All(calls, c => Assert.False(string.IsNullOrEmpty(c.CallId)));
        Assert.Equal(2, calls.Select(c => c.CallId).Distinct().Count());
        Assert.Equal("Two lookups are needed.", string.Concat(contents.OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.Equal("Checking both.", response.Text);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(new TokenUsage(44, 40, CacheReadTokens: 256), UsageConversion.ToTokenUsage(response.Usage));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Duplicate_tool_call_ids_in_one_response_are_made_unique()
    {
        var weather = WeatherTool();
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model }, OpenAIServerFlavor.LlamaCpp);
        server.Enqueue(new CompletionReply
        {
            ToolCalls = [new("weather", """{"city":"A","days":1}""", "call_0"), new("weather", """{"city":"B","days":1}""")],
            DuplicateToolCallIds = true,
        });
        using var client = Client(server, key: null);

        var response = await client.GetResponseAsync([new(ChatRole.User, "A and B")], new ChatOptions { Tools = [weather] }, Ct);

        var ids = response.Messages.Single().Contents.OfType<FunctionCallContent>().Select(c => c.CallId).ToList();
        Assert.Equal("call_0", ids[0]);
        Assert.Equal(2, ids.Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_that_sends_no_usage_gives_a_response_without_usage(bool streamed)
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model }, OpenAIServerFlavor.Ollama);
        server.Enqueue(new CompletionReply { Text = "no counts here", OmitUsage = true });
        using var client = Client(server, key: null);
        List<ChatMessage> question = [new(ChatRole.User, "hi")];

        var response = streamed ? (await StreamAsync(client, question, cancellationToken: Ct)).Response : await client.GetResponseAsync(question, cancellationToken: Ct);

        Assert.Equal(("no counts here", null), (response.Text, response.Usage));
        Assert.Equal(TokenUsage.Zero, UsageConversion.ToTokenUsage(response.Usage));
    }

    [Fact]
    public async Task Usage_repeated_as_running_totals_on_every_chunk_counts_once_from_the_last_chunk()
    {
        // vLLM with continuous_usage_stats: every chunk carries the usage so far.
        static string Chunk(string delta, string? finish, int completion)
        {
            var chunk = new JsonObject
            {
                ["id"] = "c", ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = Model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = JsonNode.Parse(delta), ["finish_reason"] = finish }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 20, ["completion_tokens"] = completion, ["total_tokens"] = 20 + completion },
            };
            return "data: " + chunk.ToJsonString();
        }
        var body = string.Join("\n\n", Chunk("""{"role":"assistant","content":"Hel"}""", null, 1), Chunk("""{"content":"lo"}""", null, 2), Chunk("{}", "stop", 3), "data: [DONE]") + "\n\n";
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model }, OpenAIServerFlavor.Vllm);
        server.Enqueue(new RawReply(200, "text/event-stream", body, new Dictionary<string, string>()));
        using var client = Client(server, key: null);

        var (_, response) = await StreamAsync(client, [new(ChatRole.User, "hi")], cancellationToken: Ct);

        Assert.Equal(("Hello", new TokenUsage(20, 3)), (response.Text, UsageConversion.ToTokenUsage(response.Usage)));
    }

    [Theory]
    [InlineData("eos", "stop")]
    [InlineData("end_turn", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("length", "length")]
    public async Task Finish_reasons_the_sdk_does_not_know_are_mapped(string wire, string expected)
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model }, OpenAIServerFlavor.LlamaCpp);
        server.Enqueue(new CompletionReply { Text = "done", FinishReason = wire });
        server.Enqueue(new CompletionReply { Text = "done", FinishReason = wire });
        using var client = Client(server, key: null);

        var whole = await client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct);
        var (_, streamed) = await StreamAsync(client, [new(ChatRole.User, "hi")], cancellationToken: Ct);

        Assert.Equal((new ChatFinishReason(expected), new ChatFinishReason(expected)), (whole.FinishReason, streamed.FinishReason));
    }

    [Fact]
    public void Streamed_call_that_reuses_index_zero_under_a_new_id_is_a_second_call()
    {
        // vLLM (reported in InternLM/lmdeploy#3412): every call streams at index 0, each with its own id.
        var normalizer = new OpenAIWireNormalizer();
        var chunks = new[]
        {
            Delta("""{"index":0,"id":"chatcmpl-tool-A","type":"function","function":{"name":"weather","arguments":""}}"""),
            Delta("""{"index":0,"id":"","function":{"arguments":"{\"city\":\"X\"}"}}"""),
            Delta("""{"index":0,"id":"chatcmpl-tool-B","type":"function","function":{"name":"read_file","arguments":""}}"""),
            Delta("""{"index":0,"id":"","function":{"arguments":"{\"path\":\"a\"}"}}"""),
        }.Select(c => ToolCallOf(normalizer.NormalizeChunk(c))).ToList();

        Assert.Equal([0, 0, 1, 1], chunks.Select(c => c["index"]!.GetValue<int>()));
        Assert.Equal(["chatcmpl-tool-A", null, "chatcmpl-tool-B", null], chunks.Select(c => c["id"]?.GetValue<string>()));
    }

    [Fact]
    public void Streamed_fragments_that_repeat_the_id_continue_the_same_call()
    {
        // SGLang repeats the call's id on every fragment.
        var normalizer = new OpenAIWireNormalizer();
        var chunks = new[]
        {
            Delta("""{"index":0,"id":"0","type":"function","function":{"name":"weather","arguments":""}}"""),
            Delta("""{"index":0,"id":"0","type":"function","function":{"arguments":"{}"}}"""),
        }.Select(c => ToolCallOf(normalizer.NormalizeChunk(c))).ToList();

        Assert.Equal([0, 0], chunks.Select(c => c["index"]!.GetValue<int>()));
        Assert.Null(chunks[1]["id"]);
    }

    [Fact]
    public void Streamed_calls_without_index_or_id_get_both()
    {
        var normalizer = new OpenAIWireNormalizer();
        var first = ToolCallOf(normalizer.NormalizeChunk(Delta("""{"function":{"name":"weather","arguments":{"city":"Y"}}}""")));
        var second = ToolCallOf(normalizer.NormalizeChunk(Delta("""{"function":{"name":"read_file","arguments":{"path":"b"}}}""")));

        Assert.Equal((0, 1), (first["index"]!.GetValue<int>(), second["index"]!.GetValue<int>()));
        Assert.StartsWith("call_", first["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());
        Assert.Equal("""{"city":"Y"}""", first["function"]!["arguments"]!.GetValue<string>());
    }

    [Fact]
    public void Stop_after_streamed_tool_calls_becomes_tool_calls_but_length_stays()
    {
        var withCalls = new OpenAIWireNormalizer();
        withCalls.NormalizeChunk(Delta("""{"id":"c1","function":{"name":"weather","arguments":"{}"}}"""));
        var stop = JsonNode.Parse(withCalls.NormalizeChunk("""{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""))!;
        var length = JsonNode.Parse(withCalls.NormalizeChunk("""{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"""))!;
        var plain = JsonNode.Parse(new OpenAIWireNormalizer().NormalizeChunk("""{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""))!;

        Assert.Equal(("tool_calls", "length", "stop"), (Finish(stop), Finish(length), Finish(plain)));

        static string Finish(JsonNode chunk) => chunk["choices"]![0]!["finish_reason"]!.GetValue<string>();
    }

    [Fact]
    public void Text_that_is_not_json_passes_through_unchanged()
    {
        Assert.Equal("not json {", OpenAIWireNormalizer.NormalizeCompletion("not json {"));
        Assert.Equal(": keep-alive", new OpenAIWireNormalizer().NormalizeChunk(": keep-alive"));
    }

    private static string Delta(string toolCall) => $$"""{"choices":[{"index":0,"delta":{"tool_calls":[{{toolCall}}]},"finish_reason":null}]}""";

    private static JsonObject ToolCallOf(string chunk) => JsonNode.Parse(chunk)!["choices"]![0]!["delta"]!["tool_calls"]![0]!.AsObject();
}

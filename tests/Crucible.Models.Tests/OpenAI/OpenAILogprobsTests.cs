using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

public sealed class OpenAILogprobsTests
{
    private const string Model = "gpt-test";

    /// <summary>The answer "(A)": three tokens, the middle one with alternatives A, B and C.</summary>
    private static readonly ScriptedLogprob[] AnswerTokens =
    [
        new("(", -0.0001, [new("(", -0.0001), new("A", -9.5)]),
        new("A", -0.356675, [new("A", -0.356675), new("B", -1.203973), new("C", -4.60517)]),
        new(")", -0.002, [new(")", -0.002)]),
    ];

    /// <summary>What OpenAI sends for <see cref="AnswerTokens"/> with <c>top_logprobs: 2</c>, in the wire shape.</summary>
    private const string ExpectedTop2 = """
        {"content":[
          {"token":"(","logprob":-0.0001,"bytes":[40],"top_logprobs":[{"token":"(","logprob":-0.0001,"bytes":[40]},{"token":"A","logprob":-9.5,"bytes":[65]}]},
          {"token":"A","logprob":-0.356675,"bytes":[65],"top_logprobs":[{"token":"A","logprob":-0.356675,"bytes":[65]},{"token":"B","logprob":-1.203973,"bytes":[66]}]},
          {"token":")","logprob":-0.002,"bytes":[41],"top_logprobs":[{"token":")","logprob":-0.002,"bytes":[41]}]}
        ]}
        """;

    private static ChatOptions AskLogprobs(object? top) => new()
    {
        AdditionalProperties = top is null
            ? new() { [OpenAICompatibleChatClient.LogprobsKey] = true }
            : new() { [OpenAICompatibleChatClient.LogprobsKey] = true, [OpenAICompatibleChatClient.TopLogprobsKey] = top },
    };

    private static Task<OpenAIWireServer> StartAsync(int? topLogprobs = null) =>
        OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = Key, Model = Model, TopLogprobs = topLogprobs });

    private static void AssertJsonEqual(string expected, object? actual)
    {
        var element = Assert.IsType<JsonElement>(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(element.GetRawText())),
            $"expected {JsonNode.Parse(expected)!.ToJsonString()}\nactual   {element.GetRawText()}");
    }

    [Fact]
    public async Task Asking_for_logprobs_sends_logprobs_true_and_top_logprobs()
    {
        await using var server = await StartAsync(topLogprobs: 2);
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens }).Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);

        await client.GetResponseAsync([new(ChatRole.User, "A or B?")], AskLogprobs(2), Ct);
        await StreamAsync(client, [new(ChatRole.User, "A or B?")], AskLogprobs(2), Ct);

        Assert.Empty(server.Violations);
        Assert.All(server.Bodies, body => Assert.Equal((true, 2), (body["logprobs"]!.GetValue<bool>(), body["top_logprobs"]!.GetValue<int>())));
    }

    [Fact]
    public async Task Logprobs_without_top_logprobs_sends_no_top_logprobs_and_returns_tokens_without_alternatives()
    {
        await using var server = await StartAsync();
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);

        var response = await client.GetResponseAsync([new(ChatRole.User, "A or B?")], AskLogprobs(top: null), Ct);

        Assert.Empty(server.Violations);
        Assert.True(server.Bodies[0]["logprobs"]!.GetValue<bool>());
        Assert.False(server.Bodies[0].ContainsKey("top_logprobs"));
        AssertJsonEqual("""
            {"content":[
              {"token":"(","logprob":-0.0001,"bytes":[40],"top_logprobs":[]},
              {"token":"A","logprob":-0.356675,"bytes":[65],"top_logprobs":[]},
              {"token":")","logprob":-0.002,"bytes":[41],"top_logprobs":[]}
            ]}
            """, response.AdditionalProperties?[OpenAICompatibleChatClient.LogprobsKey]);
    }

    [Fact]
    public async Task A_non_streamed_response_carries_the_choice_logprobs_in_the_wire_shape()
    {
        await using var server = await StartAsync(topLogprobs: 2);
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);

        var response = await client.GetResponseAsync([new(ChatRole.User, "A or B?")], AskLogprobs(2), Ct);

        Assert.Equal("(A)", response.Text);
        AssertJsonEqual(ExpectedTop2, response.AdditionalProperties?[OpenAICompatibleChatClient.LogprobsKey]);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task A_streamed_response_collects_every_chunk_logprobs_on_the_last_update()
    {
        await using var server = await StartAsync(topLogprobs: 2);
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);

        var (updates, response) = await StreamAsync(client, [new(ChatRole.User, "A or B?")], AskLogprobs(2), Ct);

        Assert.Equal(["(", "A", ")"], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.AdditionalProperties));
        AssertJsonEqual(ExpectedTop2, updates[^1].AdditionalProperties?[OpenAICompatibleChatClient.LogprobsKey]);
        // ToChatResponse moves an update's additional properties onto the message it builds.
        AssertJsonEqual(ExpectedTop2, Assert.Single(response.Messages).AdditionalProperties?[OpenAICompatibleChatClient.LogprobsKey]);
        Assert.Equal("(A)", response.Text);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Options_read_from_json_are_accepted()
    {
        await using var server = await StartAsync(topLogprobs: 2);
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);
        var fromJson = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"logprobs":true,"top_logprobs":2}""")!;
        var options = new ChatOptions { AdditionalProperties = new(fromJson.ToDictionary(p => p.Key, p => (object?)p.Value)) };

        var response = await client.GetResponseAsync([new(ChatRole.User, "A or B?")], options, Ct);

        AssertJsonEqual(ExpectedTop2, response.AdditionalProperties?[OpenAICompatibleChatClient.LogprobsKey]);
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Without_the_option_no_logprobs_are_asked_for_and_none_are_returned_even_if_the_server_sends_them()
    {
        await using var server = await StartAsync();
        // A server that sends logprobs unasked: the client still reports none, so the response is as before.
        var body = JsonNode.Parse("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1780944545,"model":"gpt-test",
             "choices":[{"index":0,"message":{"role":"assistant","content":"A"},"finish_reason":"stop",
                         "logprobs":{"content":[{"token":"A","logprob":-0.1,"bytes":[65],"top_logprobs":[]}],"refusal":null}}],
             "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}
            """)!.ToJsonString();
        server.Enqueue(new RawReply(200, "application/json", body, new Dictionary<string, string>()));
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);

        var plain = await client.GetResponseAsync([new(ChatRole.User, "A or B?")], new ChatOptions { Temperature = 0 }, Ct);
        var (updates, streamed) = await StreamAsync(client, [new(ChatRole.User, "A or B?")], cancellationToken: Ct);

        Assert.Equal(("A", null), (plain.Text, plain.AdditionalProperties));
        Assert.Equal(("(A)", null), (streamed.Text, streamed.AdditionalProperties));
        Assert.All(updates, u => Assert.Null(u.AdditionalProperties));
        Assert.All(server.Bodies, b => Assert.False(b.ContainsKey("logprobs") || b.ContainsKey("top_logprobs")));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Logprobs_false_asks_for_nothing()
    {
        await using var server = await StartAsync();
        server.Enqueue(new CompletionReply { Logprobs = AnswerTokens });
        using var client = Client(server);
        var options = new ChatOptions
        {
            AdditionalProperties = new() { [OpenAICompatibleChatClient.LogprobsKey] = false, [OpenAICompatibleChatClient.TopLogprobsKey] = 5 },
        };

        var response = await client.GetResponseAsync([new(ChatRole.User, "A or B?")], options, Ct);

        Assert.Null(response.AdditionalProperties);
        Assert.False(server.Bodies[0].ContainsKey("logprobs") || server.Bodies[0].ContainsKey("top_logprobs"));
        Assert.Empty(server.Violations);
    }

    [Theory]
    [InlineData("logprobs", "yes", "must be true or false")]
    [InlineData("top_logprobs", -1, "must be a whole number of 0 or more")]
    [InlineData("top_logprobs", "five", "must be a whole number of 0 or more")]
    public async Task A_malformed_logprobs_option_is_bad_input_naming_the_option(string key, object value, string problem)
    {
        await using var server = await StartAsync();
        using var client = Client(server);
        var options = AskLogprobs(top: null);
        options.AdditionalProperties![key] = value;

        var error = await Assert.ThrowsAsync<BadInputException>(() => client.GetResponseAsync([new(ChatRole.User, "A or B?")], options, Ct));

        Assert.Contains($"'{key}' {problem}", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Received);
    }
}

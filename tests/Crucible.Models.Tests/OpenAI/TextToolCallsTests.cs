using System.Text.Json.Nodes;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

public sealed class TextToolCallsTests
{
    private const string Model = "local-model";
    private static readonly HashSet<string> Tools = ["weather", "read_file"];
    private static readonly Dictionary<string, string> TextMode = new() { ["tool_calls"] = "text" };

    private static List<(string Kind, string Value)> Shape(IEnumerable<AIContent> contents) => contents.Select(c => c switch
    {
        FunctionCallContent call => ("call", $"{call.Name} {ArgumentsJson(call)}"),
        TextContent text => ("text", text.Text),
        _ => ("other", c.GetType().Name),
    }).ToList();

    [Fact]
    public void Hermes_style_blocks_become_calls_and_the_text_around_them_stays()
    {
        var parsed = TextToolCalls.Parse("""
            I'll look it up.
            <tool_call>
            {"name": "weather", "arguments": {"city": "Berlin", "days": 2}}
            </tool_call>
            <tool_call>{"name":"read_file","arguments":{"path":"a.txt"}}</tool_call>
            """, Tools);

        Assert.Equal([("text", "I'll look it up."), ("call", """weather {"city":"Berlin","days":2}"""), ("call", """read_file {"path":"a.txt"}""")], Shape(parsed));
        var ids = parsed.OfType<FunctionCallContent>().Select(c => c.CallId).ToList();
        Assert.Equal(2, ids.Distinct().Count());
    }

    [Fact]
    public void Fenced_json_naming_an_offered_tool_is_a_call_but_other_json_stays_text()
    {
        var parsed = TextToolCalls.Parse("""
            Here is the call:
            ```json
            {"name": "read_file", "parameters": {"path": "b.md"}}
            ```
            And an example config:
            ```json
            {"name": "my-package", "arguments": {"x": 1}}
            ```
            """, Tools);

        Assert.Equal([
            ("text", "Here is the call:"),
            ("call", """read_file {"path":"b.md"}"""),
            ("text", "And an example config:\n```json\n{\"name\": \"my-package\", \"arguments\": {\"x\": 1}}\n```"),
        ], Shape(parsed));
    }

    [Fact]
    public void Unterminated_block_arguments_as_string_and_arrays_of_calls_are_read()
    {
        Assert.Equal([("call", """weather {"city":"Rome","days":1}""")],
            Shape(TextToolCalls.Parse("""<tool_call>{"name":"weather","arguments":"{\"city\":\"Rome\",\"days\":1}"}""", Tools)));
        Assert.Equal([("call", """read_file {"path":"x"}"""), ("call", """read_file {"path":"y"}""")],
            Shape(TextToolCalls.Parse("""<tool_call>[{"name":"read_file","arguments":{"path":"x"}},{"name":"read_file","arguments":{"path":"y"}}]</tool_call>""", Tools)));
    }

    [Theory]
    [InlineData("""<tool_call>{"name": "weather", "arguments": {"city": "Ber</tool_call>""", "its JSON is invalid")]
    [InlineData("""<tool_call>{"arguments": {"city": "Berlin"}}</tool_call>""", "it has no \"name\"")]
    [InlineData("""<tool_call>{"name": "weather", "arguments": [1, 2]}</tool_call>""", "the arguments of 'weather' are not a JSON object")]
    [InlineData("""<tool_call>"weather"</tool_call>""", "it must be a JSON object with \"name\" and \"arguments\"")]
    public void Malformed_calls_become_a_clear_text(string text, string reason)
    {
        var content = Assert.IsType<TextContent>(Assert.Single(TextToolCalls.Parse(text, Tools)));

        Assert.StartsWith($"{TextToolCalls.MalformedPrefix}: {reason}", content.Text, StringComparison.Ordinal);
        Assert.EndsWith($"The text was: {text}]", content.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain answer", 12)]
    [InlineData("text then <tool", 10)]
    [InlineData("text then <tool_call>{", 10)]
    [InlineData("code ``", 5)]
    [InlineData("a < b", 5)]
    public void Streamed_text_is_held_back_only_where_a_call_may_start(string text, int safe) =>
        Assert.Equal(safe, TextToolCalls.SafePrefixLength(text));

    [Fact]
    public async Task Text_mode_round_trip_describes_tools_in_the_prompt_and_sends_results_as_user_text()
    {
        var weather = WeatherTool();
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model, ForbidTools = true });
        server.Enqueue(new CompletionReply { Text = "Sure.\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Kyiv\", \"days\": 5}}\n</tool_call>" });
        server.Enqueue(new CompletionReply { Text = "Kyiv: 15°C for 5 days." });
        using var client = Client(server, key: null, options: TextMode);
        var options = new ChatOptions { Tools = [weather] };
        List<ChatMessage> history = [new(ChatRole.System, "You help with travel."), new(ChatRole.User, "Weather in Kyiv?")];

        var first = await client.GetResponseAsync(history, options, Ct);
        var call = Assert.Single(first.Messages.Single().Contents.OfType<FunctionCallContent>());
        history.AddMessages(first);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, await weather.InvokeAsync(new AIFunctionArguments(call.Arguments!), Ct))]));
        var second = await client.GetResponseAsync(history, options, Ct);

        Assert.Equal([("text", "Sure."), ("call", """weather {"city":"Kyiv","days":5}""")], Shape(first.Messages.Single().Contents));
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal("Kyiv: 15°C for 5 days.", second.Text);
        Assert.Empty(server.Violations);
        var sent = server.Bodies[1]["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), Text(m))).ToList();
        Assert.Equal(["system", "user", "assistant", "user"], sent.Select(m => m.Item1));
        Assert.StartsWith("You help with travel.\n\n# Tools", sent[0].Item2, StringComparison.Ordinal);
        var toolLine = sent[0].Item2.Split('\n').Single(l => l.StartsWith("{\"name\":\"weather\"", StringComparison.Ordinal));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(weather.JsonSchema.GetRawText()), JsonNode.Parse(toolLine)!["parameters"]));
        Assert.Equal("Sure.\n<tool_call>\n{\"name\":\"weather\",\"arguments\":{\"city\":\"Kyiv\",\"days\":5}}\n</tool_call>", sent[2].Item2);
        Assert.Equal($"<tool_response name=\"weather\" id=\"{call.CallId}\">\nKyiv: 15°C for 5 days\n</tool_response>", sent[3].Item2);

        static string Text(JsonNode? message) => message!["content"] switch
        {
            JsonArray parts => string.Concat(parts.Select(p => p!["text"]!.GetValue<string>())),
            var content => content!.GetValue<string>(),
        };
    }

    [Fact]
    public async Task Text_mode_streaming_shows_text_as_it_comes_and_parses_the_call_at_the_end()
    {
        var readFile = ReadFileTool();
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model, ForbidTools = true });
        server.Enqueue(new CompletionReply { Text = "Reading the file now. <tool_call>{\"name\":\"read_file\",\"arguments\":{\"path\":\"README.md\"}}</tool_call>" });
        using var client = Client(server, key: null, options: TextMode);

        var (updates, response) = await StreamAsync(client, [new(ChatRole.User, "Show README")], new ChatOptions { Tools = [readFile] }, Ct);

        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "the text before the call must stream");
        Assert.DoesNotContain(updates, u => u.Text.Contains('<', StringComparison.Ordinal));
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Equal("Reading the file now. ", string.Concat(contents.OfType<TextContent>().Select(t => t.Text)));
        Assert.Equal(["read_file {\"path\":\"README.md\"}"], contents.OfType<FunctionCallContent>().Select(c => $"{c.Name} {ArgumentsJson(c)}"));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task Tool_mode_none_in_text_mode_describes_no_tools()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model, ForbidTools = true });
        server.Enqueue(new CompletionReply { Text = "Just text." });
        using var client = Client(server, key: null, options: TextMode);

        await client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "hi")],
            new ChatOptions { Tools = [WeatherTool()], ToolMode = ChatToolMode.None }, Ct);

        Assert.Equal("Be brief.", server.Bodies.Single()["messages"]![0]!["content"]!.GetValue<string>());
        Assert.Empty(server.Violations);
    }
}

using System.Text.Json.Nodes;
using Crucible.Models.Anthropic;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicRequestBuilderTests
{
    private static readonly AnthropicOptions NoCache = new() { PromptCaching = false };

    private static JsonNode Build(IEnumerable<ChatMessage> messages, ChatOptions? options = null) =>
        JsonNode.Parse(AnthropicRequestBuilder.Build("claude-sonnet-4-5", messages, options, NoCache).Body.ToJsonString())!; // as it goes on the wire

    [Fact]
    public void Consecutive_turns_of_one_role_are_merged_and_empty_text_is_dropped()
    {
        var body = Build([
            new(ChatRole.User, "first"),
            new(ChatRole.User, [new TextContent(""), new TextContent("second")]),
            new(ChatRole.Assistant, "answer"),
        ]);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""[{"role":"user","content":[{"type":"text","text":"first"},{"type":"text","text":"second"}]},{"role":"assistant","content":[{"type":"text","text":"answer"}]}]"""),
            body["messages"]));
    }

    [Fact]
    public void Parallel_tool_results_go_into_one_user_turn_and_a_failed_tool_is_marked_as_error()
    {
        var body = Build([
            new(ChatRole.User, "go"),
            new(ChatRole.Assistant, [new FunctionCallContent("t1", "a", new Dictionary<string, object?>()), new FunctionCallContent("t2", "b", new Dictionary<string, object?> { ["n"] = 2 })]),
            new(ChatRole.Tool, [new FunctionResultContent("t1", "done")]),
            new(ChatRole.Tool, [new FunctionResultContent("t2", null) { Exception = new InvalidOperationException("disk full") }]),
        ]);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""
                [{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"done"}]},
                 {"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"disk full"}],"is_error":true}]
                """),
            body["messages"]![2]!["content"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"n":2}"""), body["messages"]![1]!["content"]![1]!["input"]));
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("none", """{"type":"none"}""")]
    [InlineData("any", """{"type":"any"}""")]
    [InlineData("get_weather", """{"type":"tool","name":"get_weather"}""")]
    public void Tool_mode_maps_to_tool_choice(string mode, string? expected)
    {
        var tool = AIFunctionFactory.Create((string city) => city, "get_weather");
        var options = new ChatOptions
        {
            Tools = [tool],
            ToolMode = mode switch
            {
                "none" => ChatToolMode.None,
                "any" => ChatToolMode.RequireAny,
                "get_weather" => ChatToolMode.RequireSpecific("get_weather"),
                _ => ChatToolMode.Auto,
            },
        };

        var body = Build([new(ChatRole.User, "hi")], options);

        Assert.True(JsonNode.DeepEquals(expected is null ? null : JsonNode.Parse(expected), body["tool_choice"]));
    }

    [Fact]
    public void Disallowing_parallel_tool_calls_sets_disable_parallel_tool_use()
    {
        var body = Build([new(ChatRole.User, "hi")], new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")], AllowMultipleToolCalls = false });

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"auto","disable_parallel_tool_use":true}"""), body["tool_choice"]));
    }

    [Fact]
    public void A_parameterless_function_gets_an_object_schema()
    {
        var body = Build([new(ChatRole.User, "hi")], new ChatOptions { Tools = [AIFunctionFactory.Create(() => "Charles", "pelican_name_generator")] });

        var schema = body["tools"]![0]!["input_schema"]!;
        Assert.Equal("object", (string?)schema["type"]);
        Assert.Empty(schema["properties"]!.AsObject());
    }

    [Fact]
    public void Sampling_options_and_model_override_are_sent()
    {
        var body = Build([new(ChatRole.User, "hi")], new ChatOptions { ModelId = "claude-opus-4-1", MaxOutputTokens = 300, Temperature = 0.2f, TopP = 0.9f, TopK = 40, StopSequences = ["END"] });

        Assert.Equal(("claude-opus-4-1", 300, 40), ((string?)body["model"], (int)body["max_tokens"]!, (int)body["top_k"]!));
        Assert.Equal(0.2, (double)body["temperature"]!, 5);
        Assert.Equal(0.9, (double)body["top_p"]!, 5);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""["END"]"""), body["stop_sequences"]));
    }

    [Fact]
    public void Images_are_sent_as_base64_image_blocks()
    {
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47 };
        var body = Build([new(ChatRole.User, [new TextContent("what is this?"), new DataContent(png, "image/png")])]);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw=="}}"""),
            body["messages"]![0]!["content"]![1]));
    }

    [Theory]
    [InlineData(ReasoningEffort.Low, 1024)]
    [InlineData(ReasoningEffort.High, 4096)]
    [InlineData(ReasoningEffort.None, null)]
    public void Provider_neutral_reasoning_effort_turns_on_thinking_with_the_documented_budget(ReasoningEffort effort, int? budget)
    {
        var body = Build([new(ChatRole.User, "hi")], new ChatOptions { Reasoning = new ReasoningOptions { Effort = effort } });

        Assert.True(JsonNode.DeepEquals(budget is null ? null : new JsonObject { ["type"] = "enabled", ["budget_tokens"] = budget }, body["thinking"]));
    }

    [Fact]
    public void A_configured_thinking_budget_wins_over_reasoning_effort()
    {
        var body = AnthropicRequestBuilder.Build("claude-sonnet-4-5", [new(ChatRole.User, "hi")],
            new ChatOptions { Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Low } },
            new AnthropicOptions { ThinkingBudgetTokens = 3000, PromptCaching = false }).Body;

        Assert.Equal(3000, (int)body["thinking"]!["budget_tokens"]!);
    }
}

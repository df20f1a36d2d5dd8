using System.Text.Json.Nodes;
using Crucible.Models.Anthropic;
using Crucible.Testing.Anthropic;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicCachePolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // ~1250 tokens each at 4 chars per token: above Sonnet's 1024 floor on its own.
    private static readonly string LongToolDescription = string.Concat(Enumerable.Repeat("Reads a file from the workspace and returns its text. ", 95));
    private static readonly string LongInstructions = string.Concat(Enumerable.Repeat("You are Crucible; work counts only when the harness proves it. ", 80));
    private static readonly string Constitution = string.Concat(Enumerable.Repeat("Principle: keep functions small and name them by behaviour. ", 80));

    private static AIFunction LongTool() => AIFunctionFactory.Create((string path) => "text of " + path, "read_file", LongToolDescription);

    private static List<ChatMessage> TwoUserTurns() =>
    [
        new(ChatRole.User, "Fix the failing test in src/Parser.cs."),
        new(ChatRole.Assistant, [new FunctionCallContent("toolu_1", "read_file", new Dictionary<string, object?> { ["path"] = "src/Parser.cs" })]),
        new(ChatRole.Tool, [new FunctionResultContent("toolu_1", "class Parser { }")]),
    ];

    [Fact]
    public async Task Breakpoints_mark_the_last_tool_the_system_prompt_and_the_two_latest_user_turns()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("ok"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, model: "claude-sonnet-4-5"));

        await client.GetResponseAsync(TwoUserTurns(), new ChatOptions { Instructions = LongInstructions, Tools = [LongTool()] }, Ct);

        Assert.Empty(server.Violations);
        Assert.Equal(
            ["tools[0]", "system[0]", "messages[0].content[0]", "messages[2].content[0]"],
            AnthropicWireServer.CacheControlPaths(server.MessageRequests[0]));
        Assert.Equal(["tools", "system", "previous-tail", "tail"], client.LastRequest!.Breakpoints.Select(b => b.Role));
        var toolResult = JsonNode.Parse(server.MessageRequests[0].Body)!["messages"]![2]!["content"]![0]!;
        Assert.Equal("tool_result", (string?)toolResult["type"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"ephemeral"}"""), toolResult["cache_control"]));
    }

    [Fact]
    public async Task A_constitution_system_part_gets_its_own_breakpoint_and_never_more_than_four_are_placed()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("ok"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, model: "claude-sonnet-4-5"));
        List<ChatMessage> conversation = [new(ChatRole.System, Constitution), .. TwoUserTurns()];

        await client.GetResponseAsync(conversation, new ChatOptions { Instructions = LongInstructions, Tools = [LongTool()] }, Ct);

        // Five candidates qualify (tool, two system parts, two tails); the earlier system part loses.
        Assert.Empty(server.Violations);
        Assert.Equal(
            ["tools[0]", "system[1]", "messages[0].content[0]", "messages[2].content[0]"],
            AnthropicWireServer.CacheControlPaths(server.MessageRequests[0]));
    }

    [Fact]
    public async Task When_slots_allow_every_system_part_reaching_the_minimum_is_marked()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("ok"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, model: "claude-sonnet-4-5"));

        await client.GetResponseAsync(
            [new(ChatRole.System, Constitution), new(ChatRole.System, "Today is Monday."), new(ChatRole.User, "hi")],
            new ChatOptions { Instructions = LongInstructions }, Ct);

        Assert.Equal(["system[0]", "system[1]", "system[2]", "messages[0].content[0]"], AnthropicWireServer.CacheControlPaths(server.MessageRequests[0]));
    }

    [Fact]
    public async Task Prefixes_below_the_models_minimum_get_no_breakpoint()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("ok"), AnthropicReply.Text("ok"));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, model: "claude-sonnet-4-5"));
        var shortTool = AIFunctionFactory.Create((string path) => path, "read_file", "Reads a file.");

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { Instructions = "Be brief.", Tools = [shortTool] }, Ct);
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { Instructions = LongInstructions, Tools = [shortTool] }, Ct);

        Assert.Empty(AnthropicWireServer.CacheControlPaths(server.MessageRequests[0]));
        // The short tool alone is below 1024 tokens; tool + long system prompt is above it.
        Assert.Equal(["system[0]", "messages[0].content[0]"], AnthropicWireServer.CacheControlPaths(server.MessageRequests[1]));
        Assert.All(client.LastRequest!.Breakpoints, b => Assert.True(b.EstimatedPrefixTokens >= 1024));
    }

    [Fact]
    public void The_same_prefix_caches_on_sonnet_but_not_on_haiku_4_5_whose_floor_is_4096_tokens()
    {
        List<ChatMessage> conversation = [new(ChatRole.User, "hi")];
        var options = new ChatOptions { Instructions = LongInstructions + Constitution }; // ~2500 tokens

        var sonnet = AnthropicRequestBuilder.Build("claude-sonnet-4-5-20250929", conversation, options, new AnthropicOptions());
        var haiku = AnthropicRequestBuilder.Build("claude-haiku-4-5-20251001", conversation, options, new AnthropicOptions());

        Assert.Equal(["system[0]", "messages[0].content[0]"], sonnet.Breakpoints.Select(b => b.Location));
        Assert.Empty(haiku.Breakpoints);
        Assert.Empty(AnthropicWireServer.CacheControlPaths(haiku.Body));
    }

    [Theory]
    [InlineData("claude-haiku-4-5-20251001", 4096)]
    [InlineData("claude-haiku-4-5", 4096)]
    [InlineData("claude-sonnet-4-5", 1024)]
    [InlineData("claude-sonnet-4-6", 1024)]
    [InlineData("claude-sonnet-4-20250514", 1024)]
    [InlineData("claude-opus-4-5-20251101", 4096)]
    [InlineData("claude-opus-4-1-20250805", 1024)]
    [InlineData("claude-3-haiku-20240307", 2048)]
    [InlineData("claude-3-5-haiku-20241022", 2048)]
    [InlineData("a-model-nobody-documented", AnthropicCachePolicy.UnknownModelMinimumTokens)]
    public void Minimum_cacheable_length_is_looked_up_by_model_family(string model, int minimum) =>
        Assert.Equal(minimum, AnthropicCachePolicy.MinimumFor(model));

    [Fact]
    public async Task Caching_can_be_turned_off_or_set_to_a_one_hour_ttl_from_settings()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.Enqueue(AnthropicReply.Text("ok"), AnthropicReply.Text("ok"));
        var options = new ChatOptions { Instructions = LongInstructions, Tools = [LongTool()] };
        using var off = new AnthropicChatClient(AnthropicTestConnections.For(server, options: new Dictionary<string, string> { ["prompt_cache"] = "off" }));
        using var hour = new AnthropicChatClient(AnthropicTestConnections.For(server, options: new Dictionary<string, string> { ["prompt_cache"] = "1h" }));

        await off.GetResponseAsync(TwoUserTurns(), options, Ct);
        await hour.GetResponseAsync(TwoUserTurns(), options, Ct);

        Assert.Empty(server.Violations);
        Assert.Empty(AnthropicWireServer.CacheControlPaths(server.MessageRequests[0]));
        var body = JsonNode.Parse(server.MessageRequests[1].Body)!;
        Assert.Equal(4, AnthropicWireServer.CacheControlPaths(body).Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"ephemeral","ttl":"1h"}"""), body["tools"]![0]!["cache_control"]));
    }

    [Fact]
    public async Task Over_a_long_agent_loop_the_tail_breakpoint_follows_the_latest_tool_result_and_stays_within_four()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server, model: "claude-sonnet-4-5"));
        var options = new ChatOptions { Instructions = LongInstructions, Tools = [LongTool()] };
        List<ChatMessage> conversation = [new(ChatRole.User, "Read every file.")];
        for (var turn = 0; turn < 6; turn++)
        {
            server.Enqueue(AnthropicReply.ToolUse([($"toolu_{turn}", "read_file", new JsonObject { ["path"] = $"f{turn}.cs" })]));
            var response = await client.GetResponseAsync(conversation, options, Ct);
            conversation.AddRange(response.Messages);
            conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent($"toolu_{turn}", new string('x', 800))]));
        }

        Assert.Empty(server.Violations);
        var last = JsonNode.Parse(server.MessageRequests[^1].Body)!;
        var paths = AnthropicWireServer.CacheControlPaths(last);
        var lastIndex = last["messages"]!.AsArray().Count - 1;
        Assert.Equal(["tools[0]", "system[0]", $"messages[{lastIndex - 2}].content[0]", $"messages[{lastIndex}].content[0]"], paths);
        Assert.All(server.MessageRequests, r => Assert.InRange(AnthropicWireServer.CacheControlPaths(r).Count, 1, AnthropicCachePolicy.MaxBreakpoints));
    }

    [Fact]
    public async Task The_wire_server_rejects_a_fifth_breakpoint_like_the_api()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var http = new HttpClient();
        var body = new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["max_tokens"] = 10,
            ["system"] = new JsonArray([.. Enumerable.Range(0, 5).Select(i => (JsonNode)new JsonObject { ["type"] = "text", ["text"] = $"part {i}", ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } })]),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "v1/messages")) { Content = new StringContent(body.ToJsonString()) };
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("authorization", "Bearer " + AnthropicTestConnections.Key);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("A maximum of 4 blocks with cache_control may be provided. Found 5.", await response.Content.ReadAsStringAsync(Ct));
    }
}

using System.Text.Json;
using Crucible.Core.Usage;
using Crucible.Models.Anthropic;
using Crucible.Testing.Anthropic;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicResponseMapperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TokenUsage Read(string json) => AnthropicResponseMapper.ReadUsage(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Cache_writes_are_split_by_ttl_when_the_api_reports_the_split()
    {
        var usage = Read("""{"input_tokens":12,"cache_creation_input_tokens":900,"cache_read_input_tokens":3000,"cache_creation":{"ephemeral_5m_input_tokens":400,"ephemeral_1h_input_tokens":500},"output_tokens":50}""");

        Assert.Equal(new TokenUsage(InputTokens: 12, OutputTokens: 50, CacheWriteTokens: 400, CacheReadTokens: 3000, CacheWrite1hTokens: 500), usage);
    }

    [Fact]
    public void Without_a_split_every_cache_write_counts_as_a_five_minute_write()
    {
        var usage = Read("""{"input_tokens":354,"cache_creation_input_tokens":1200,"cache_read_input_tokens":0,"output_tokens":5}""");

        Assert.Equal(new TokenUsage(354, 5, CacheWriteTokens: 1200), usage);
    }

    [Fact]
    public void Usage_details_follow_the_shared_invariant_all_input_cached_reads_and_writes_apart()
    {
        var details = UsageConversion.ToUsageDetails(Read("""{"input_tokens":3,"cache_creation_input_tokens":418,"cache_read_input_tokens":1111,"cache_creation":{"ephemeral_5m_input_tokens":418,"ephemeral_1h_input_tokens":0},"output_tokens":33}"""));

        Assert.Equal((1532L, 1111L, 33L), (details.InputTokenCount, details.CachedInputTokenCount, details.OutputTokenCount));
        Assert.Equal(418L, details.AdditionalCounts![UsageConversion.CacheWriteTokens]);
    }

    [Fact]
    public async Task Cache_hit_accounting_is_identical_streamed_and_not()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        var usage = new WireUsage(InputTokens: 8, OutputTokens: 21, CacheWrite5m: 0, CacheWrite1h: 640, CacheRead: 5000);
        server.Enqueue(AnthropicReply.Text("cached", usage), AnthropicReply.Text("cached", usage));
        using var client = new AnthropicChatClient(AnthropicTestConnections.For(server));

        var direct = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct);
        var streamed = (await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: Ct).ToListAsync(Ct)).ToChatResponse();

        var expected = new TokenUsage(InputTokens: 8, OutputTokens: 21, CacheReadTokens: 5000, CacheWrite1hTokens: 640);
        Assert.Equal(expected, UsageConversion.ToTokenUsage(direct.Usage));
        Assert.Equal(expected, UsageConversion.ToTokenUsage(streamed.Usage));
        Assert.Equal((5648L, 5000L), (streamed.Usage!.InputTokenCount, streamed.Usage.CachedInputTokenCount));
    }

    [Fact]
    public void Server_side_tool_blocks_are_not_surfaced_as_calls_for_the_caller_to_run()
    {
        var message = JsonDocument.Parse("""
            {"id":"msg_1","model":"m","role":"assistant","type":"message","stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1},
             "content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"tool_search_tool_bm25","input":{"query":"x"}},
                        {"type":"tool_search_tool_result","tool_use_id":"srvtoolu_1","content":{}},
                        {"type":"tool_use","id":"toolu_1","name":"get_exchange_rate","input":{"from":"USD"}}]}
            """).RootElement;

        var response = AnthropicResponseMapper.ToChatResponse(message);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents));
        Assert.Equal("toolu_1", Assert.IsType<FunctionCallContent>(call).CallId);
    }
}

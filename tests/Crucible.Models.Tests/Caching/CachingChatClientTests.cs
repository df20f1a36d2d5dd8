using Crucible.Core.Usage;
using Crucible.Models.Caching;
using Crucible.Models.Pricing;
using Crucible.Models.Usage;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Caching;

public sealed class CachingChatClientTests
{
    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "be brief"), new(ChatRole.User, "add 2 and 3")];

    private static ChatOptions Options(string toolDescription = "adds numbers") => new()
    {
        Temperature = 0,
        MaxOutputTokens = 100,
        Tools = [AIFunctionFactory.Create((int a, int b) => a + b, "add", toolDescription)],
    };

    [Fact]
    public async Task Identical_request_is_replayed_without_calling_the_inner_client()
    {
        using var dir = new TempDirectory();
        var inner = new ScriptedChatClient().ThenCall("add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 }, "calling");
        using var client = new CachingChatClient(inner, new ResponseCache(dir["cache.db"]), "openai", "gpt-5");

        var first = await client.GetResponseAsync(Conversation, Options(), TestContext.Current.CancellationToken);
        var second = await client.GetResponseAsync(Conversation, Options(), TestContext.Current.CancellationToken);

        Assert.Single(inner.Requests);
        Assert.False(CachingChatClient.IsReplay(first.AdditionalProperties));
        Assert.True(CachingChatClient.IsReplay(second.AdditionalProperties));
        var call = Assert.IsType<FunctionCallContent>(second.Messages[0].Contents[1]);
        Assert.Equal(("add", "calling"), (call.Name, second.Text));
        Assert.Equal("2", call.Arguments!["a"]!.ToString());
    }

    [Fact]
    public async Task Streamed_request_is_stored_and_replayed_as_a_stream()
    {
        using var dir = new TempDirectory();
        var inner = new ScriptedChatClient().ThenText("five");
        inner.UsagePerResponse = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2 };
        using var client = new CachingChatClient(inner, new ResponseCache(dir["cache.db"]), "openai", "gpt-5");

        var live = await Collect(client);
        var replay = await Collect(client);

        Assert.Single(inner.Requests);
        Assert.Equal(("five", "five"), (live.Text, replay.Text));
        Assert.Equal(10, replay.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Any_difference_in_messages_options_tools_model_or_provider_misses()
    {
        using var dir = new TempDirectory();
        var cache = new ResponseCache(dir["cache.db"]);
        var inner = new ScriptedChatClient().ThenText("1").ThenText("2").ThenText("3").ThenText("4").ThenText("5").ThenText("6");
        using var client = new CachingChatClient(inner, cache, "openai", "gpt-5");
        using var otherProvider = new CachingChatClient(inner, cache, "openai-compatible", "gpt-5");
        var ct = TestContext.Current.CancellationToken;

        await client.GetResponseAsync(Conversation, Options(), ct);
        await client.GetResponseAsync([.. Conversation, new ChatMessage(ChatRole.User, "and 4?")], Options(), ct);
        await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 1, MaxOutputTokens = 100, Tools = Options().Tools }, ct);
        await client.GetResponseAsync(Conversation, Options("sums two integers"), ct);
        var otherModel = Options();
        otherModel.ModelId = "gpt-5-mini";
        await client.GetResponseAsync(Conversation, otherModel, ct);
        await otherProvider.GetResponseAsync(Conversation, Options(), ct);

        Assert.Equal(6, inner.Requests.Count);
        Assert.Equal(6, cache.Count());
    }

    [Fact]
    public async Task Failed_call_is_not_stored()
    {
        using var dir = new TempDirectory();
        var cache = new ResponseCache(dir["cache.db"]);
        var inner = new ScriptedChatClient().Then(_ => throw new ModelCallException(ModelErrorKind.ServerError, "boom")).ThenText("ok");
        using var client = new CachingChatClient(inner, cache, "openai", "gpt-5");
        await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync(Conversation, null, TestContext.Current.CancellationToken));
        Assert.Equal(0, cache.Count());
        Assert.Equal("ok", (await client.GetResponseAsync(Conversation, null, TestContext.Current.CancellationToken)).Text);
    }

    [Fact]
    public async Task Replays_are_recorded_in_the_ledger_as_cached_and_free()
    {
        using var dir = new TempDirectory();
        var inner = new ScriptedChatClient().ThenText("answer");
        inner.UsagePerResponse = new UsageDetails { InputTokenCount = 1_000_000, OutputTokenCount = 0 };
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(new CachingChatClient(inner, new ResponseCache(dir["cache.db"]), "openai", "gpt-5"), ledger, new CostCalculator(PriceTable.BuiltIn), "openai", "gpt-5");

        await client.GetResponseAsync(Conversation, null, TestContext.Current.CancellationToken);
        await client.GetResponseAsync(Conversation, null, TestContext.Current.CancellationToken);
        await foreach (var _ in client.GetStreamingResponseAsync(Conversation, null, TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal([(false, 1.25m), (true, 0m), (true, 0m)], ledger.Records.Select(r => (r.Cached, r.CostUsd)));
        Assert.Equal(new UsageTotals(new TokenUsage(1_000_000, 0), 1.25m, 3), ledger.Totals);
    }

    [Fact]
    public async Task Cache_survives_reopening_the_file()
    {
        using var dir = new TempDirectory();
        var first = new ScriptedChatClient().ThenText("stored");
        using (var client = new CachingChatClient(first, new ResponseCache(dir["cache.db"]), "anthropic", "claude-sonnet-4-5"))
        {
            await client.GetResponseAsync(Conversation, null, TestContext.Current.CancellationToken);
        }
        var second = new ScriptedChatClient();
        using var reopened = new CachingChatClient(second, new ResponseCache(dir["cache.db"]), "anthropic", "claude-sonnet-4-5");
        Assert.Equal("stored", (await reopened.GetResponseAsync(Conversation, null, TestContext.Current.CancellationToken)).Text);
        Assert.Empty(second.Requests);
    }

    private static async Task<ChatResponse> Collect(IChatClient client)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync(Conversation, new ChatOptions { Temperature = 0 }, TestContext.Current.CancellationToken))
        {
            updates.Add(u);
        }
        return updates.ToChatResponse();
    }
}

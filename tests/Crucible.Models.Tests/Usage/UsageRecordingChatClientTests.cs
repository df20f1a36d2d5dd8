using Crucible.Core.Usage;
using Crucible.Models.Pricing;
using Crucible.Models.Usage;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Usage;

public sealed class UsageRecordingChatClientTests
{
    private static readonly CostCalculator Costs = new(PriceTable.BuiltIn);

    private static UsageDetails Anthropicish(long uncached, long output, long write5m, long read) =>
        UsageConversion.ToUsageDetails(new TokenUsage(uncached, output, CacheWriteTokens: write5m, CacheReadTokens: read));

    [Fact]
    public async Task Non_streamed_call_records_tokens_and_dollars()
    {
        var inner = new ScriptedChatClient().ThenText("hi");
        inner.UsagePerResponse = Anthropicish(1_000, 500, 10_000, 0);
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(inner, ledger, Costs, "anthropic", "claude-sonnet-4-5");

        await client.GetResponseAsync("hello", cancellationToken: TestContext.Current.CancellationToken);

        var record = Assert.Single(ledger.Records);
        // 1,000 x $3 + 500 x $15 + 10,000 x $3.75 per million = 0.003 + 0.0075 + 0.0375
        Assert.Equal(new UsageRecord(1, "anthropic", "claude-sonnet-4-5", new TokenUsage(1_000, 500, 10_000), 0.048m, false, false, record.Duration), record);
        Assert.Equal(new UsageTotals(new TokenUsage(1_000, 500, 10_000), 0.048m, 1), ledger.Totals);
    }

    [Fact]
    public async Task Streamed_call_records_the_final_usage_update()
    {
        var inner = new ScriptedChatClient().ThenText("streamed answer");
        inner.UsagePerResponse = Anthropicish(2_000, 100, 0, 30_000);
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(inner, ledger, Costs, "anthropic", "claude-haiku-4-5");

        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync("hello", cancellationToken: TestContext.Current.CancellationToken))
        {
            text += update.Text;
        }

        Assert.Equal("streamed answer", text);
        var record = Assert.Single(ledger.Records);
        Assert.True(record.Streaming);
        Assert.Equal(new TokenUsage(2_000, 100, CacheReadTokens: 30_000), record.Tokens);
        // 2,000 x $1 + 100 x $5 + 30,000 x $0.10 per million = 0.002 + 0.0005 + 0.003
        Assert.Equal(0.0055m, record.CostUsd);
    }

    [Fact]
    public async Task Unknown_model_price_is_recorded_as_unknown_and_counted()
    {
        var inner = new ScriptedChatClient().ThenText("a").ThenText("b");
        inner.UsagePerResponse = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 };
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(inner, ledger, Costs, "openai-compatible", "qwen3");

        await client.GetResponseAsync("x", cancellationToken: TestContext.Current.CancellationToken);
        await client.GetResponseAsync("y", cancellationToken: TestContext.Current.CancellationToken);

        Assert.All(ledger.Records, r => Assert.Null(r.CostUsd));
        Assert.Equal(2, ledger.UnknownCostCalls);
        Assert.Equal(new UsageTotals(new TokenUsage(200, 20), 0m, 2), ledger.Totals);
    }

    [Fact]
    public async Task Response_without_usage_has_unknown_cost_even_on_a_priced_model()
    {
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(new ScriptedChatClient().ThenText("a"), ledger, Costs, "openai", "gpt-5");
        await client.GetResponseAsync("x", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(Assert.Single(ledger.Records).CostUsd);
    }

    [Fact]
    public async Task Reported_model_is_priced_when_known()
    {
        var inner = new ScriptedChatClient().Then(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "a")) { ModelId = "gpt-5-mini-2025-08-07" });
        inner.UsagePerResponse = new UsageDetails { InputTokenCount = 1_000_000, OutputTokenCount = 0 };
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(inner, ledger, Costs, "openai", "gpt-5-mini");
        await client.GetResponseAsync("x", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(("gpt-5-mini-2025-08-07", 0.25m), (ledger.Records[0].Model, ledger.Records[0].CostUsd));
    }

    [Fact]
    public async Task Failed_call_is_recorded_unbilled_with_a_redacted_error_and_secrets_never_escape()
    {
        var inner = new ScriptedChatClient().Then(_ => throw new ModelCallException(ModelErrorKind.Authentication, "key sk-live-0123456789abcdef rejected") { StatusCode = 401, Fix = "set OPENAI_API_KEY" });
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(inner, ledger, Costs, "openai", "gpt-5");

        var e = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync("x", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal((ModelErrorKind.Authentication, 401, "key [redacted] rejected", "set OPENAI_API_KEY"), (e.Kind, e.StatusCode, e.Message, e.Fix));
        Assert.Null(e.InnerException);
        var record = Assert.Single(ledger.Records);
        Assert.Equal(("key [redacted] rejected", 0m), (record.Error, record.CostUsd));
    }

    [Fact]
    public async Task Exception_without_secrets_is_rethrown_unchanged()
    {
        var original = new InvalidOperationException("plain failure");
        var inner = new ScriptedChatClient().Then(_ => throw original);
        using var client = new UsageRecordingChatClient(inner, new UsageLedger(), Costs, "openai", "gpt-5");
        Assert.Same(original, await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync("x", cancellationToken: TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Stream_abandoned_by_the_caller_is_recorded_once_with_unknown_cost()
    {
        var inner = new ScriptedChatClient().Then(_ => new ChatResponse([new ChatMessage(ChatRole.Assistant, "one"), new ChatMessage(ChatRole.Assistant, "two")]));
        inner.UsagePerResponse = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 2 };
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(inner, ledger, Costs, "openai", "gpt-5");

        await foreach (var _ in client.GetStreamingResponseAsync("x", cancellationToken: TestContext.Current.CancellationToken))
        {
            break; // stop after the first update, before the usage arrives
        }

        var record = Assert.Single(ledger.Records);
        Assert.Equal(("abandoned", (decimal?)null, true), (record.Error, record.CostUsd, record.Streaming));
        Assert.Equal(1, ledger.UnknownCostCalls);
    }

    [Fact]
    public async Task Cancelled_call_is_recorded_with_unknown_cost()
    {
        var ledger = new UsageLedger();
        using var client = new UsageRecordingChatClient(new ScriptedChatClient().ThenText("never"), ledger, Costs, "openai", "gpt-5");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync("x", cancellationToken: cts.Token));
        Assert.Equal(("cancelled", (decimal?)null), (ledger.Records[0].Error, ledger.Records[0].CostUsd));
    }
}

using Crucible.Core.Usage;
using Crucible.Models.Usage;

namespace Crucible.Models.Tests.Usage;

public sealed class UsageLedgerTests
{
    [Fact]
    public void Ledger_raises_an_event_per_record_with_its_sequence()
    {
        var ledger = new UsageLedger();
        var seen = new List<int>();
        ledger.Recorded += r => seen.Add(r.Sequence);
        ledger.Add(new UsageRecord(0, "openai", "gpt-5", TokenUsage.Zero, 0m, false, false, TimeSpan.Zero));
        ledger.Add(new UsageRecord(0, "openai", "gpt-5", TokenUsage.Zero, 0m, false, false, TimeSpan.Zero));
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void Totals_sum_billed_tokens_and_known_dollars_and_count_every_call()
    {
        var ledger = new UsageLedger();
        ledger.Add(new UsageRecord(0, "anthropic", "claude-sonnet-4-5", new TokenUsage(100, 10), 0.5m, false, false, TimeSpan.Zero));
        ledger.Add(new UsageRecord(0, "anthropic", "claude-sonnet-4-5", new TokenUsage(100, 10), 0m, Cached: true, false, TimeSpan.Zero));
        ledger.Add(new UsageRecord(0, "openai-compatible", "qwen3", new TokenUsage(7, 3), null, false, true, TimeSpan.Zero));
        ledger.Add(new UsageRecord(0, "openai", "gpt-5", TokenUsage.Zero, 0m, false, false, TimeSpan.Zero, Error: "HTTP 400"));

        Assert.Equal(new UsageTotals(new TokenUsage(107, 13), 0.5m, 4), ledger.Totals);
        Assert.Equal(1, ledger.UnknownCostCalls);
        Assert.Equal([1, 2, 3, 4], ledger.Records.Select(r => r.Sequence));
    }
}

using Crucible.Core.Usage;
using Crucible.Models.Pricing;

namespace Crucible.Models.Tests.Pricing;

public sealed class CostCalculatorTests
{
    private static readonly CostCalculator Costs = new(PriceTable.BuiltIn);

    [Fact]
    public void Sonnet_4_5_cost_matches_hand_computed_figure_for_every_token_kind()
    {
        // 10,000 input x $3 + 2,000 output x $15 + 50,000 5m writes x $3.75 + 8,000 1h writes x $6 + 100,000 reads x $0.30, per million:
        // 0.03 + 0.03 + 0.1875 + 0.048 + 0.03 = 0.3255
        var usage = new TokenUsage(InputTokens: 10_000, OutputTokens: 2_000, CacheWriteTokens: 50_000, CacheReadTokens: 100_000, CacheWrite1hTokens: 8_000);
        Assert.Equal(0.3255m, Costs.Cost(usage, "claude-sonnet-4-5"));
    }

    [Fact]
    public void Batch_requests_cost_half_including_cache_rates()
    {
        var usage = new TokenUsage(InputTokens: 1_000_000, OutputTokens: 1_000_000, CacheReadTokens: 1_000_000);
        // claude-haiku-4-5: $1 + $5 + $0.10 = $6.10, half in a batch.
        Assert.Equal(6.10m, Costs.Cost(usage, "claude-haiku-4-5"));
        Assert.Equal(3.05m, Costs.Cost(usage, "claude-haiku-4-5", batch: true));
    }

    [Fact]
    public void Gpt_5_cached_input_is_a_tenth_of_input()
    {
        // 200,000 uncached x $1.25 + 800,000 cached x $0.125 + 10,000 output x $10 = 0.25 + 0.1 + 0.1
        Assert.Equal(0.45m, Costs.Cost(new TokenUsage(200_000, 10_000, CacheReadTokens: 800_000), "gpt-5", "openai"));
    }

    [Fact]
    public void Dated_snapshot_names_use_the_undated_price()
    {
        var usage = new TokenUsage(1_000_000, 0);
        Assert.Equal(3m, Costs.Cost(usage, "claude-sonnet-4-5-20250929"));
        Assert.Equal(2.5m, Costs.Cost(usage, "gpt-4o-2024-08-06"));
    }

    [Fact]
    public void Unknown_model_has_unknown_cost_not_zero()
    {
        Assert.Null(Costs.Cost(new TokenUsage(1000, 1000), "qwen3-coder", "openai-compatible"));
    }

    [Fact]
    public void Zero_tokens_cost_zero_on_a_priced_model()
    {
        Assert.Equal(0m, Costs.Cost(TokenUsage.Zero, "gpt-5"));
    }
}

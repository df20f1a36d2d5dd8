using Crucible.Core.Usage;

namespace Crucible.Models.Pricing;

/// <summary>Turns tokens into dollars with a <see cref="PriceTable"/>.</summary>
public sealed class CostCalculator(PriceTable prices)
{
    private const decimal TokensPerUnit = 1_000_000m;

    /// <summary>The prices used.</summary>
    public PriceTable Prices { get; } = prices;

    /// <summary>
    /// The cost in USD of <paramref name="usage"/> on <paramref name="model"/>, or null when the model has
    /// no price (unknown, never silently zero).
    /// </summary>
    /// <param name="usage">Tokens of one call or a sum of calls on the same model.</param>
    /// <param name="model">The model name the API was called with.</param>
    /// <param name="provider">The provider, for <c>provider:model</c> price entries.</param>
    /// <param name="batch">True for Message Batches / Batch API requests (every rate times the batch multiplier).</param>
    public decimal? Cost(TokenUsage usage, string model, string? provider = null, bool batch = false) =>
        Prices.Find(model, provider) is { } price ? Cost(usage, price, batch) : null;

    /// <summary>The cost in USD of <paramref name="usage"/> at <paramref name="price"/>.</summary>
    public static decimal Cost(TokenUsage usage, ModelPrice price, bool batch = false)
    {
        var perMillion = (usage.InputTokens * price.Input)
            + (usage.OutputTokens * price.Output)
            + (usage.CacheWriteTokens * price.CacheWrite5m)
            + (usage.CacheWrite1hTokens * price.CacheWrite1h)
            + (usage.CacheReadTokens * price.CacheRead);
        var cost = perMillion / TokensPerUnit;
        return batch ? cost * price.BatchMultiplier : cost;
    }
}

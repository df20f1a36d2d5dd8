using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Models;

/// <summary>
/// How providers report tokens through <see cref="UsageDetails"/>, and the conversion to
/// <see cref="TokenUsage"/>.
/// </summary>
/// <remarks>
/// Invariant shared by every provider: <see cref="UsageDetails.InputTokenCount"/> is ALL input tokens
/// (uncached + cache writes + cache reads), <see cref="UsageDetails.CachedInputTokenCount"/> is the
/// cache reads, and cache writes go in <see cref="UsageDetails.AdditionalCounts"/> under
/// <see cref="CacheWriteTokens"/> (5-minute TTL) and <see cref="CacheWrite1hTokens"/> (1-hour TTL).
/// Anthropic reports <c>input_tokens</c> without the cached parts, so its provider adds them;
/// OpenAI's <c>prompt_tokens</c> already includes <c>cached_tokens</c>.
/// </remarks>
public static class UsageConversion
{
    /// <summary>Key in <see cref="UsageDetails.AdditionalCounts"/>: input tokens written to the cache with the 5-minute TTL.</summary>
    public const string CacheWriteTokens = "crucible.cache_write_tokens";

    /// <summary>Key in <see cref="UsageDetails.AdditionalCounts"/>: input tokens written to the cache with the 1-hour TTL.</summary>
    public const string CacheWrite1hTokens = "crucible.cache_write_1h_tokens";

    /// <summary>Converts provider-reported usage (see the remarks for the invariant) to <see cref="TokenUsage"/>.</summary>
    public static TokenUsage ToTokenUsage(UsageDetails? usage)
    {
        if (usage is null)
        {
            return TokenUsage.Zero;
        }
        long Extra(string key) => usage.AdditionalCounts is { } counts && counts.TryGetValue(key, out var v) ? v : 0;
        var cacheRead = usage.CachedInputTokenCount ?? 0;
        var write5m = Extra(CacheWriteTokens);
        var write1h = Extra(CacheWrite1hTokens);
        var uncached = Math.Max(0, (usage.InputTokenCount ?? 0) - cacheRead - write5m - write1h);
        return new TokenUsage(uncached, usage.OutputTokenCount ?? 0, write5m, cacheRead, write1h, usage.ReasoningTokenCount ?? 0);
    }

    /// <summary>Builds <see cref="UsageDetails"/> that follow the invariant from the parts a provider reports.</summary>
    public static UsageDetails ToUsageDetails(TokenUsage tokens)
    {
        var details = new UsageDetails
        {
            InputTokenCount = tokens.TotalInputTokens,
            OutputTokenCount = tokens.OutputTokens,
            TotalTokenCount = tokens.TotalInputTokens + tokens.OutputTokens,
            CachedInputTokenCount = tokens.CacheReadTokens,
        };
        if (tokens.ReasoningTokens > 0)
        {
            details.ReasoningTokenCount = tokens.ReasoningTokens;
        }
        details.AdditionalCounts = new AdditionalPropertiesDictionary<long>
        {
            [CacheWriteTokens] = tokens.CacheWriteTokens,
            [CacheWrite1hTokens] = tokens.CacheWrite1hTokens,
        };
        return details;
    }
}

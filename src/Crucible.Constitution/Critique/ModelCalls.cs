using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Constitution.Critique;

/// <summary>Shared plumbing of the model-driven constitution parts: JSON settings and token accounting.</summary>
public static class ModelCalls
{
    // The provider usage invariant (see Crucible.Models.UsageConversion, which this project does not
    // reference): InputTokenCount is all input, CachedInputTokenCount the cache reads, and cache
    // writes sit in AdditionalCounts under these keys.
    private const string CacheWriteTokens = "crucible.cache_write_tokens";
    private const string CacheWrite1hTokens = "crucible.cache_write_1h_tokens";

    /// <summary>JSON settings for step records, trajectories and preference labels: camelCase names, enums as strings.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Converts provider-reported usage to <see cref="TokenUsage"/> (zero when none was reported).</summary>
    public static TokenUsage Usage(UsageDetails? usage)
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

    /// <summary>Cuts <paramref name="text"/> to <paramref name="maxChars"/> characters, saying so at the cut.</summary>
    public static string Cap(string text, int maxChars) =>
        text.Length <= maxChars ? text : text[..maxChars] + $"\n[... cut: {maxChars:N0} of {text.Length:N0} characters shown]\n";
}

using System.Globalization;
using Crucible.Core;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Anthropic;

/// <summary>How long a prompt-cache entry lives (Anthropic's <c>cache_control.ttl</c>).</summary>
public enum AnthropicCacheTtl
{
    /// <summary>5 minutes from last use (<c>"5m"</c>, the API default). Writes cost 1.25x input.</summary>
    FiveMinutes,
    /// <summary>1 hour (<c>"1h"</c>). Writes cost 2x input; worth it when turns are minutes apart.</summary>
    OneHour,
}

/// <summary>
/// Anthropic-specific request options. Defaults come from the connection's settings
/// (<see cref="ProviderConnection.Options"/>, keys listed on each property) and can be replaced per
/// call by putting an instance in <see cref="ChatOptions.AdditionalProperties"/> under
/// <see cref="AdditionalPropertiesKey"/>.
/// </summary>
public sealed record AnthropicOptions
{
    /// <summary>Key under which an <see cref="AnthropicOptions"/> is read from <see cref="ChatOptions.AdditionalProperties"/>.</summary>
    public const string AdditionalPropertiesKey = "anthropic";

    /// <summary>Default <c>max_tokens</c> when neither <see cref="ChatOptions.MaxOutputTokens"/> nor settings give one.</summary>
    public const int DefaultMaxTokens = 8192;

    /// <summary>
    /// <c>max_tokens</c> when <see cref="ChatOptions.MaxOutputTokens"/> is not set. Settings key
    /// <c>max_tokens</c>. Default <see cref="DefaultMaxTokens"/> (8192): enough for a long code edit,
    /// and under every current model's output limit.
    /// </summary>
    public int MaxTokens { get; init; } = DefaultMaxTokens;

    /// <summary>
    /// Extended thinking budget in tokens; null (the default) leaves thinking off. The API requires at
    /// least 1024 and less than <c>max_tokens</c>. Thinking arrives as <see cref="TextReasoningContent"/>
    /// whose <see cref="TextReasoningContent.ProtectedData"/> holds the signature that must be sent back
    /// with tool results. Settings key <c>thinking_budget_tokens</c>.
    /// </summary>
    public int? ThinkingBudgetTokens { get; init; }

    /// <summary>Place prompt-cache breakpoints (default true). Settings key <c>prompt_cache</c>: <c>off</c>, <c>5m</c> or <c>1h</c>.</summary>
    public bool PromptCaching { get; init; } = true;

    /// <summary>TTL of every breakpoint (default 5 minutes). Settings key <c>prompt_cache</c>.</summary>
    public AnthropicCacheTtl CacheTtl { get; init; } = AnthropicCacheTtl.FiveMinutes;

    /// <summary>
    /// Overrides the model's minimum cacheable prefix (tokens) from <see cref="AnthropicCachePolicy.MinimumCacheableTokens"/>.
    /// Settings key <c>cache_min_tokens</c>.
    /// </summary>
    public int? MinimumCacheableTokens { get; init; }

    /// <summary>
    /// Thinking budget used when a caller sets <see cref="ChatOptions.Reasoning"/> (the provider-neutral
    /// knob) and no <see cref="ThinkingBudgetTokens"/> is configured. Every budget stays below the
    /// default <see cref="MaxTokens"/> (8192) so the answer still has room; <see cref="ReasoningEffort.None"/> turns thinking off.
    /// </summary>
    public static IReadOnlyDictionary<ReasoningEffort, int> ThinkingBudgetForEffort { get; } = new Dictionary<ReasoningEffort, int>
    {
        [ReasoningEffort.Low] = 1024,
        [ReasoningEffort.Medium] = 2048,
        [ReasoningEffort.High] = 4096,
        [ReasoningEffort.ExtraHigh] = 6144,
    };

    /// <summary>The thinking budget for a call: the configured one, else the one for <paramref name="reasoning"/>'s effort, else none.</summary>
    public int? ThinkingBudgetFor(ReasoningOptions? reasoning) =>
        ThinkingBudgetTokens
        ?? (reasoning?.Effort is { } effort && ThinkingBudgetForEffort.TryGetValue(effort, out var budget) ? budget : null);

    /// <summary>The smallest thinking budget the API accepts.</summary>
    public const int MinimumThinkingBudget = 1024;

    /// <summary>Reads the defaults from a connection's settings options; unknown keys are ignored (they belong to other layers).</summary>
    /// <exception cref="BadInputException">A known key has a value that cannot be used.</exception>
    public static AnthropicOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        var options = new AnthropicOptions();
        if (settings.TryGetValue("max_tokens", out var maxTokens))
        {
            options = options with { MaxTokens = PositiveInt("max_tokens", maxTokens) };
        }
        if (settings.TryGetValue("thinking_budget_tokens", out var budget))
        {
            options = options with { ThinkingBudgetTokens = PositiveInt("thinking_budget_tokens", budget) };
        }
        if (settings.TryGetValue("cache_min_tokens", out var min))
        {
            options = options with { MinimumCacheableTokens = PositiveInt("cache_min_tokens", min) };
        }
        if (settings.TryGetValue("prompt_cache", out var cache))
        {
            options = cache.Trim().ToLowerInvariant() switch
            {
                "off" or "false" or "none" => options with { PromptCaching = false },
                "on" or "true" or "5m" => options with { PromptCaching = true, CacheTtl = AnthropicCacheTtl.FiveMinutes },
                "1h" => options with { PromptCaching = true, CacheTtl = AnthropicCacheTtl.OneHour },
                _ => throw new BadInputException(
                    $"Anthropic option prompt_cache has the value '{cache}', which is not one of off, 5m, 1h.",
                    "Set prompt_cache to off, 5m or 1h in the model's settings."),
            };
        }
        return options;
    }

    /// <summary>Checks the combination the API would reject anyway, so the user gets the fix before paying for a call.</summary>
    /// <exception cref="BadInputException">The thinking budget is below the API minimum or not below <paramref name="maxTokens"/>.</exception>
    public void Validate(long maxTokens, ReasoningOptions? reasoning = null)
    {
        if (ThinkingBudgetFor(reasoning) is { } budget)
        {
            if (budget < MinimumThinkingBudget)
            {
                throw new BadInputException(
                    $"The Anthropic thinking budget is {budget} tokens; the API needs at least {MinimumThinkingBudget}.",
                    $"Set thinking_budget_tokens to {MinimumThinkingBudget} or more.");
            }
            if (budget >= maxTokens)
            {
                throw new BadInputException(
                    $"The Anthropic thinking budget ({budget} tokens) must be below max_tokens ({maxTokens}).",
                    "Raise max_tokens (or ChatOptions.MaxOutputTokens) above the thinking budget, or lower the budget.");
            }
        }
    }

    private static int PositiveInt(string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new BadInputException(
                $"Anthropic option {key} has the value '{value}', which is not a positive whole number.",
                $"Set {key} to a positive integer in the model's settings.");
}

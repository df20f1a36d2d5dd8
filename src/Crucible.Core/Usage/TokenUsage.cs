namespace Crucible.Core.Usage;

/// <summary>Tokens of one model call or a sum of calls.</summary>
/// <param name="InputTokens">Uncached input tokens.</param>
/// <param name="OutputTokens">Output tokens (reasoning included).</param>
/// <param name="CacheWriteTokens">Input tokens written to the prompt cache (5-minute TTL).</param>
/// <param name="CacheReadTokens">Input tokens read from the prompt cache.</param>
/// <param name="CacheWrite1hTokens">Input tokens written to the prompt cache with a 1-hour TTL.</param>
/// <param name="ReasoningTokens">Of the output tokens, those spent on reasoning/thinking, when reported.</param>
public sealed record TokenUsage(
    long InputTokens,
    long OutputTokens,
    long CacheWriteTokens = 0,
    long CacheReadTokens = 0,
    long CacheWrite1hTokens = 0,
    long ReasoningTokens = 0)
{
    /// <summary>No tokens.</summary>
    public static TokenUsage Zero { get; } = new(0, 0);

    /// <summary>All input tokens, cached or not.</summary>
    public long TotalInputTokens => InputTokens + CacheWriteTokens + CacheWrite1hTokens + CacheReadTokens;

    /// <summary>Adds two usages.</summary>
    public static TokenUsage operator +(TokenUsage a, TokenUsage b) => new(
        a.InputTokens + b.InputTokens,
        a.OutputTokens + b.OutputTokens,
        a.CacheWriteTokens + b.CacheWriteTokens,
        a.CacheReadTokens + b.CacheReadTokens,
        a.CacheWrite1hTokens + b.CacheWrite1hTokens,
        a.ReasoningTokens + b.ReasoningTokens);
}

/// <summary>Usage and cost summed over a run.</summary>
/// <param name="Tokens">Summed tokens.</param>
/// <param name="CostUsd">Summed dollars.</param>
/// <param name="Calls">Number of model calls.</param>
public sealed record UsageTotals(TokenUsage Tokens, decimal CostUsd, int Calls)
{
    /// <summary>Nothing used.</summary>
    public static UsageTotals Zero { get; } = new(TokenUsage.Zero, 0m, 0);

    /// <summary>Adds two totals.</summary>
    public static UsageTotals operator +(UsageTotals a, UsageTotals b) => new(a.Tokens + b.Tokens, a.CostUsd + b.CostUsd, a.Calls + b.Calls);
}

namespace Crucible.Models.Pricing;

/// <summary>
/// List prices of one model in USD per million tokens, as held in the price file
/// (<c>Pricing/prices.json</c>, overridable by the user).
/// </summary>
/// <param name="Input">Uncached input tokens.</param>
/// <param name="Output">Output tokens (reasoning included).</param>
/// <param name="CacheWrite5m">Input written to the prompt cache with the 5-minute TTL.</param>
/// <param name="CacheWrite1h">Input written to the prompt cache with the 1-hour TTL.</param>
/// <param name="CacheRead">Input read from the prompt cache.</param>
/// <param name="BatchMultiplier">Factor applied to every rate for batch requests (0.5 = half price).</param>
/// <param name="Provider">The provider publishing the price, for display.</param>
public sealed record ModelPrice(
    decimal Input,
    decimal Output,
    decimal CacheWrite5m,
    decimal CacheWrite1h,
    decimal CacheRead,
    decimal BatchMultiplier = 1m,
    string? Provider = null);

using System.Text.Json.Nodes;

namespace Crucible.Models.Anthropic;

/// <summary>One <c>cache_control</c> breakpoint placed on a request.</summary>
/// <param name="Location">JSON path of the marked block, e.g. <c>tools[3]</c>, <c>system[1]</c>, <c>messages[4].content[0]</c>.</param>
/// <param name="Role">Why it is there: <c>tools</c>, <c>system</c>, <c>tail</c> or <c>previous-tail</c>.</param>
/// <param name="EstimatedPrefixTokens">Estimated tokens of everything up to and including the block.</param>
public sealed record CacheBreakpoint(string Location, string Role, long EstimatedPrefixTokens);

/// <summary>
/// Where prompt-cache breakpoints go on an Anthropic request. The cache is a prefix cache over
/// tools → system → messages, so the policy marks the stable prefix (the last tool definition and the
/// end of each system part, so a constitution sent as its own system part is cached on its own) and
/// the rolling tail (the last user turn, which the next request will read back, and the user turn
/// before it, which this request reads).
/// </summary>
/// <remarks>
/// Invariants: at most <see cref="MaxBreakpoints"/> breakpoints (the API rejects a fifth); no
/// breakpoint whose estimated prefix is below the model's minimum cacheable length (the API would
/// accept it but cache nothing, and it would waste one of the four slots). When more candidates
/// qualify than slots exist, they are taken in this priority: tail, end of system, last tool,
/// previous tail, earlier system parts (latest first).
/// </remarks>
public static class AnthropicCachePolicy
{
    /// <summary>The API's limit on <c>cache_control</c> blocks per request.</summary>
    public const int MaxBreakpoints = 4;

    /// <summary>Token estimate used before a request is sent: characters of the block's JSON divided by this.</summary>
    public const int CharsPerToken = 4;

    /// <summary>Minimum used for a model not in <see cref="MinimumCacheableTokens"/>: the largest documented floor, so no slot is wasted on a prefix that may not cache.</summary>
    public const int UnknownModelMinimumTokens = 4096;

    /// <summary>
    /// Minimum cacheable prefix per model family, matched as a prefix of the model name (longest match
    /// wins, so dated ids like <c>claude-haiku-4-5-20251001</c> match). From Anthropic's prompt-caching
    /// documentation: 4096 for Opus 4.5–4.7 and Haiku 4.5; 1024 for Sonnet 4.x, Opus 4/4.1, Sonnet 3.7
    /// and Opus 4.8; 2048 for Haiku 3 and 3.5.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, int>> MinimumCacheableTokens { get; } =
    [
        new("claude-opus-4-8", 1024),
        new("claude-opus-4-7", 4096),
        new("claude-opus-4-6", 4096),
        new("claude-opus-4-5", 4096),
        new("claude-opus-4-1", 1024),
        new("claude-opus-4-0", 1024),
        new("claude-opus-4-2", 1024), // claude-opus-4-20250514
        new("claude-sonnet-4-6", 1024),
        new("claude-sonnet-4-5", 1024),
        new("claude-sonnet-4-0", 1024),
        new("claude-sonnet-4-2", 1024), // claude-sonnet-4-20250514
        new("claude-3-7-sonnet", 1024),
        new("claude-haiku-4-5", 4096),
        new("claude-3-5-haiku", 2048),
        new("claude-3-haiku", 2048),
    ];

    // Which candidates win when more qualify than MaxBreakpoints (lower first); see the remarks.
    private const int TailPriority = 1;
    private const int SystemEndPriority = 2;
    private const int LastToolPriority = 3;
    private const int PreviousTailPriority = 4;
    private const int EarlierSystemPartPriority = 5;

    /// <summary>The minimum cacheable prefix for <paramref name="model"/>.</summary>
    public static int MinimumFor(string model)
    {
        var best = MinimumCacheableTokens
            .Where(e => model.StartsWith(e.Key, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(e => e.Key.Length)
            .Select(e => (int?)e.Value)
            .FirstOrDefault();
        return best ?? UnknownModelMinimumTokens;
    }

    /// <summary>
    /// Marks the breakpoints on a request body (<c>tools</c>, <c>system</c> as a block list,
    /// <c>messages</c> with block-list content) and returns them in request order.
    /// </summary>
    public static IReadOnlyList<CacheBreakpoint> Apply(JsonObject body, int minimumTokens, AnthropicCacheTtl ttl)
    {
        var tools = body["tools"] as JsonArray ?? [];
        var system = body["system"] as JsonArray ?? [];
        var messages = body["messages"] as JsonArray ?? [];

        // Cumulative character counts along the cache order tools -> system -> messages.
        long chars = 0;
        var candidates = new List<(int Priority, JsonObject Block, CacheBreakpoint Point)>();
        for (var i = 0; i < tools.Count; i++)
        {
            chars += Length(tools[i]);
            if (i == tools.Count - 1 && tools[i] is JsonObject tool)
            {
                candidates.Add((LastToolPriority, tool, new($"tools[{i}]", "tools", chars / CharsPerToken)));
            }
        }
        for (var i = 0; i < system.Count; i++)
        {
            chars += Length(system[i]);
            if (system[i] is JsonObject block)
            {
                var last = i == system.Count - 1;
                // Earlier system parts rank after everything else, the latest first.
                candidates.Add((last ? SystemEndPriority : EarlierSystemPartPriority + (system.Count - i), block, new($"system[{i}]", "system", chars / CharsPerToken)));
            }
        }
        var userTurns = new List<(int Index, JsonObject Block, long Prefix)>();
        for (var m = 0; m < messages.Count; m++)
        {
            if (messages[m] is not JsonObject message || message["content"] is not JsonArray content)
            {
                continue;
            }
            for (var j = 0; j < content.Count; j++)
            {
                chars += Length(content[j]);
            }
            if ((string?)message["role"] == "user" && content.Count > 0 && content[^1] is JsonObject lastBlock && IsCacheable(lastBlock))
            {
                userTurns.Add((m, lastBlock, chars));
            }
        }
        if (userTurns.Count > 1)
        {
            var previous = userTurns[^2];
            candidates.Add((PreviousTailPriority, previous.Block, new($"messages[{previous.Index}].content[{((JsonArray)messages[previous.Index]!["content"]!).Count - 1}]", "previous-tail", previous.Prefix / CharsPerToken)));
        }
        if (userTurns.Count > 0)
        {
            var tail = userTurns[^1];
            candidates.Add((TailPriority, tail.Block, new($"messages[{tail.Index}].content[{((JsonArray)messages[tail.Index]!["content"]!).Count - 1}]", "tail", tail.Prefix / CharsPerToken)));
        }

        var chosen = candidates
            .Where(c => c.Point.EstimatedPrefixTokens >= minimumTokens)
            .OrderBy(c => c.Priority)
            .Take(MaxBreakpoints)
            .ToList();
        foreach (var c in chosen)
        {
            c.Block["cache_control"] = CacheControl(ttl);
        }
        // Report in request order (the order candidates were found).
        return [.. candidates.Where(c => chosen.Contains(c)).Select(c => c.Point)];
    }

    /// <summary>The <c>cache_control</c> object for a TTL.</summary>
    public static JsonObject CacheControl(AnthropicCacheTtl ttl) => ttl == AnthropicCacheTtl.OneHour
        ? new JsonObject { ["type"] = "ephemeral", ["ttl"] = "1h" }
        : new JsonObject { ["type"] = "ephemeral" };

    // Thinking blocks cannot carry cache_control; empty text blocks are rejected by the API anyway.
    private static bool IsCacheable(JsonObject block) =>
        (string?)block["type"] is "text" or "tool_result" or "image" or "document" or "tool_use";

    private static long Length(JsonNode? node) => node?.ToJsonString().Length ?? 0;
}

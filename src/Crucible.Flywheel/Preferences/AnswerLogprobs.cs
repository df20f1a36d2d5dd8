using Crucible.Constitution.Critique;
using Crucible.Constitution;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Preferences;

/// <summary>An alternative for one generated token.</summary>
/// <param name="Token">The token text.</param>
/// <param name="Logprob">Its natural-log probability.</param>
public sealed record TopLogprob(string Token, double Logprob);

/// <summary>One generated token with its logprob and the most likely alternatives.</summary>
/// <param name="Token">The token text.</param>
/// <param name="Logprob">Its natural-log probability.</param>
/// <param name="TopLogprobs">The most likely tokens at this position (the token itself usually among them).</param>
public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<TopLogprob> TopLogprobs);

/// <summary>
/// The contract by which an <see cref="IChatClient"/> hands token logprobs to the preference labeler,
/// and how the answer's probability is read from them.
/// </summary>
/// <remarks>
/// <para>A provider that returns logprobs puts them under the key <see cref="Key"/> in
/// <see cref="ChatResponse.AdditionalProperties"/> or in the last assistant message's
/// <see cref="ChatMessage.AdditionalProperties"/>, as one of:</para>
/// <list type="bullet">
/// <item>a list of <see cref="TokenLogprob"/>, one per generated token, in order;</item>
/// <item>a <see cref="JsonElement"/> (or its JSON text) in the OpenAI chat-completions wire shape: the
/// <c>choices[0].logprobs</c> object <c>{"content": [...]}</c> or its <c>content</c> array, each item
/// <c>{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}</c>.</item>
/// </list>
/// <para>The labeler asks for logprobs by putting <see cref="RequestKey"/> = true and
/// <see cref="TopRequestKey"/> = N in <see cref="ChatOptions.AdditionalProperties"/>, the names of the
/// OpenAI request fields; providers without logprobs (Anthropic) ignore them.</para>
/// <para>The answer token is the first token (the last, when reasoning came first) that reads
/// <c>A</c> or <c>B</c> once spaces and parentheses are stripped. Its alternatives that read <c>A</c>
/// are summed, likewise <c>B</c>, and P(A) = p(A) / (p(A) + p(B)). A letter absent from the
/// alternatives counts as probability 0.</para>
/// </remarks>
public static class AnswerLogprobs
{
    /// <summary>The key under which a provider puts token logprobs.</summary>
    public const string Key = "logprobs";

    /// <summary>Request option asking for logprobs (OpenAI's <c>logprobs</c>).</summary>
    public const string RequestKey = "logprobs";

    /// <summary>Request option with the number of alternatives per token (OpenAI's <c>top_logprobs</c>).</summary>
    public const string TopRequestKey = "top_logprobs";

    /// <summary>The token logprobs a response carries under <see cref="Key"/>, or null.</summary>
    public static IReadOnlyList<TokenLogprob>? Read(ChatResponse response)
    {
        if (Find(response.AdditionalProperties) is { } top)
        {
            return top;
        }
        for (var i = response.Messages.Count - 1; i >= 0; i--)
        {
            if (Find(response.Messages[i].AdditionalProperties) is { } fromMessage)
            {
                return fromMessage;
            }
        }
        return null;
    }

    /// <summary>
    /// P(A) over the answer token found in <paramref name="tokens"/> (see the remarks), or null when no
    /// token reads as an answer or neither letter has any probability.
    /// </summary>
    public static double? ProbabilityA(IReadOnlyList<TokenLogprob> tokens, bool lastAnswer)
    {
        var indices = Enumerable.Range(0, tokens.Count);
        foreach (var i in lastAnswer ? indices.Reverse() : indices)
        {
            if (Letter(tokens[i].Token) is null)
            {
                continue;
            }
            var alternatives = tokens[i].TopLogprobs.Count > 0 ? tokens[i].TopLogprobs : [new TopLogprob(tokens[i].Token, tokens[i].Logprob)];
            double pA = 0, pB = 0;
            foreach (var alt in alternatives)
            {
                switch (Letter(alt.Token))
                {
                    case 'A': pA += Math.Exp(alt.Logprob); break;
                    case 'B': pB += Math.Exp(alt.Logprob); break;
                }
            }
            return pA + pB > 0 ? pA / (pA + pB) : null;
        }
        return null;
    }

    /// <summary><c>A</c> or <c>B</c> when the token reads as that letter once spaces and parentheses are stripped.</summary>
    public static char? Letter(string token) => token.Trim().Trim('(', ')', ' ') switch
    {
        "A" => 'A',
        "B" => 'B',
        _ => null,
    };

    private static IReadOnlyList<TokenLogprob>? Find(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || !properties.TryGetValue(Key, out var value) || value is null)
        {
            return null;
        }
        return value switch
        {
            IEnumerable<TokenLogprob> list => [.. list],
            JsonElement element => FromJson(element),
            string json => FromJsonText(json),
            _ => null,
        };
    }

    private static IReadOnlyList<TokenLogprob>? FromJsonText(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromJson(doc.RootElement);
        }
        catch (JsonException)
        {
            // Malformed logprobs are treated as absent: the answer text still gives a vote.
            return null;
        }
    }

    private static IReadOnlyList<TokenLogprob>? FromJson(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("content", out var content))
        {
            element = content;
        }
        if (element.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var tokens = new List<TokenLogprob>();
        foreach (var item in element.EnumerateArray())
        {
            if (!item.TryGetProperty("token", out var token) || !item.TryGetProperty("logprob", out var logprob))
            {
                continue;
            }
            var top = new List<TopLogprob>();
            if (item.TryGetProperty("top_logprobs", out var alts) && alts.ValueKind == JsonValueKind.Array)
            {
                foreach (var alt in alts.EnumerateArray())
                {
                    if (alt.TryGetProperty("token", out var t) && alt.TryGetProperty("logprob", out var l))
                    {
                        top.Add(new TopLogprob(t.GetString() ?? "", l.GetDouble()));
                    }
                }
            }
            tokens.Add(new TokenLogprob(token.GetString() ?? "", logprob.GetDouble(), top));
        }
        return tokens;
    }
}

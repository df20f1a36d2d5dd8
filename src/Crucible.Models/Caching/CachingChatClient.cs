using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Caching;

/// <summary>
/// The response cache (opt-in with <c>--cache</c>): a request identical to one already answered
/// (same provider, model, messages, options, tools and schemas; see <see cref="RequestHasher"/>) is
/// replayed from the <see cref="ResponseCache"/> without calling the provider, streamed or not. A
/// streamed request stores the coalesced response and replays it as updates; either mode can replay
/// the other's entry.
/// </summary>
/// <remarks>
/// Replayed responses and updates carry <see cref="ReplayProperty"/> = true in their
/// <c>AdditionalProperties</c>, which <see cref="Usage.UsageRecordingChatClient"/> records as a cached,
/// zero-cost call. Failed or cancelled calls are never stored.
/// </remarks>
public sealed class CachingChatClient(IChatClient inner, ResponseCache cache, string provider, string model) : DelegatingChatClient(inner)
{
    /// <summary>AdditionalProperties key marking a replayed response.</summary>
    public const string ReplayProperty = "crucible.cache_replay";

    /// <summary>The store.</summary>
    public ResponseCache Cache { get; } = cache;

    /// <summary>True when <paramref name="properties"/> mark a replay.</summary>
    public static bool IsReplay(AdditionalPropertiesDictionary? properties) =>
        properties is not null && properties.TryGetValue(ReplayProperty, out var v) && v is true;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var key = RequestHasher.Key(provider, model, list, options);
        if (await Cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } hit)
        {
            (hit.AdditionalProperties ??= [])[ReplayProperty] = true;
            return hit;
        }
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        await Cache.PutAsync(key, provider, options?.ModelId ?? model, response, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var key = RequestHasher.Key(provider, model, list, options);
        if (await Cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } hit)
        {
            foreach (var update in hit.ToChatResponseUpdates())
            {
                (update.AdditionalProperties ??= [])[ReplayProperty] = true;
                yield return update;
            }
            yield break;
        }
        var seen = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            seen.Add(update);
            yield return update;
        }
        // Only a stream read to its end is stored; a caller that stops early leaves nothing behind.
        await Cache.PutAsync(key, provider, options?.ModelId ?? model, seen.ToChatResponse(), cancellationToken).ConfigureAwait(false);
    }
}

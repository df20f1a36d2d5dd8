using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Batches;

/// <summary>One independent request of a batch.</summary>
/// <param name="CustomId">The caller's id for it (1–64 of <c>[A-Za-z0-9_-]</c>, unique in the batch); results are mapped back by it.</param>
/// <param name="Messages">The conversation, as for <see cref="IChatClient.GetResponseAsync"/>.</param>
/// <param name="Options">Options, as for <see cref="IChatClient.GetResponseAsync"/> (tools, instructions, provider options).</param>
public sealed record ChatBatchRequest(string CustomId, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options = null);

/// <summary>How one batch request ended.</summary>
public enum ChatBatchResultKind
{
    /// <summary>It produced a message.</summary>
    Succeeded,
    /// <summary>It failed (invalid request or server error); see the error fields.</summary>
    Errored,
    /// <summary>The batch was canceled before it ran.</summary>
    Canceled,
    /// <summary>The batch hit its 24-hour limit before it ran.</summary>
    Expired,
}

/// <summary>The result of one batch request.</summary>
/// <param name="CustomId">The request's custom_id.</param>
/// <param name="Kind">How it ended.</param>
/// <param name="Response">The answer, for <see cref="ChatBatchResultKind.Succeeded"/>.</param>
/// <param name="Usage">Its tokens (zero unless it succeeded).</param>
/// <param name="ErrorType">The API error type, for <see cref="ChatBatchResultKind.Errored"/>.</param>
/// <param name="ErrorMessage">The API error message, for <see cref="ChatBatchResultKind.Errored"/>.</param>
public sealed record ChatBatchResult(string CustomId, ChatBatchResultKind Kind, ChatResponse? Response, TokenUsage Usage, string? ErrorType = null, string? ErrorMessage = null);

/// <summary>Polling policy of a batch client (Anthropic Message Batches, the OpenAI Batch API).</summary>
public sealed record ChatBatchOptions
{
    /// <summary>Time between status polls. Default 30 s: most batches take minutes to hours, and each poll is a request.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Give up waiting after this long. Default 25 h: the API expires unfinished requests after 24 h, so the batch has ended by then.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromHours(25);
}

/// <summary>
/// A provider's batch API behind one shape (Anthropic Message Batches, the OpenAI Batch API): submit independent
/// requests once, remember the batch in a <see cref="ChatBatchStore"/> before polling, and map results back by
/// custom_id. A restarted process that runs the same job resumes the stored batch and never submits it again.
/// </summary>
public interface IChatBatchClient
{
    /// <summary>The connection (provider and model) the requests are built for.</summary>
    ProviderConnection Connection { get; }

    /// <summary>Where submitted batches are remembered.</summary>
    ChatBatchStore Store { get; }

    /// <summary>Resumes <paramref name="job"/> if the store knows it, otherwise submits <paramref name="requests"/>; waits and returns every request's result by custom_id.</summary>
    Task<IReadOnlyDictionary<string, ChatBatchResult>> RunAsync(string job, IReadOnlyList<ChatBatchRequest> requests, CancellationToken cancellationToken = default);
}

/// <summary>The one polling loop of the batch clients: ask for the batch's status until it has ended or the wait is over.</summary>
internal static class ChatBatchPolling
{
    /// <summary>
    /// Polls <paramref name="status"/> every <see cref="ChatBatchOptions.PollInterval"/> until <paramref name="ended"/> holds,
    /// and returns that status.
    /// </summary>
    /// <exception cref="ModelCallException">Kind <see cref="ModelErrorKind.Timeout"/> after <see cref="ChatBatchOptions.MaxWait"/>, naming the last state.</exception>
    public static async Task<T> UntilEndedAsync<T>(string batchId, ChatBatchOptions options, Func<CancellationToken, Task<T>> status, Func<T, bool> ended, Func<T, string?> describe, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        while (true)
        {
            var current = await status(cancellationToken).ConfigureAwait(false);
            if (ended(current))
            {
                return current;
            }
            if (DateTimeOffset.UtcNow - started > options.MaxWait)
            {
                throw new ModelCallException(ModelErrorKind.Timeout, $"Batch {batchId} has not ended after {options.MaxWait}; it is {describe(current)}.")
                {
                    Fix = "Resume later: the batch id is stored and nothing is submitted again.",
                };
            }
            await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}

using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Crucible.Testing;

/// <summary>
/// A test double for <see cref="IChatClient"/> whose answer is a function of the request (not a queue), so attempts running
/// in parallel, in any order, each get the answer the test chose for them. It records every request. It is not a model
/// and is never offered to users as one.
/// </summary>
/// <param name="answer">The answer to one request; throwing from it makes the call fail as a provider error would.</param>
public sealed class ScriptedAnswerChatClient(Func<ScriptedRequest, ChatResponse> answer) : IChatClient
{
    private readonly List<ScriptedRequest> _requests = [];
    private readonly Lock _gate = new();

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <summary>Usage reported with every response that has none (null reports none).</summary>
    public UsageDetails? UsagePerResponse { get; init; }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Answer(messages, options, streaming: false));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var update in Answer(messages, options, streaming: true).ToChatResponseUpdates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted-answer-test-double") : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private ChatResponse Answer(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        ScriptedRequest request;
        lock (_gate)
        {
            request = new ScriptedRequest([.. messages.Select(m => m.Clone())], options?.Clone(), streaming, _requests.Count);
            _requests.Add(request);
        }
        var response = answer(request);
        if (UsagePerResponse is { } usage && response.Usage is null)
        {
            response.Usage = usage;
        }
        return response;
    }
}

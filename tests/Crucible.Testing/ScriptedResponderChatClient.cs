using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Crucible.Testing;

/// <summary>
/// A test double for <see cref="IChatClient"/> that answers every request with a function of the request (rather than
/// the next step of a queue, as <see cref="ScriptedChatClient"/> does), so callers working in parallel each get the
/// answer meant for them. It records every request. It is not a model and is never offered to users as one.
/// </summary>
public sealed class ScriptedResponderChatClient(Func<ScriptedRequest, ChatResponse> respond) : IChatClient
{
    private readonly List<ScriptedRequest> _requests = [];
    private readonly Lock _gate = new();

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Respond(messages, options, streaming: false));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in Respond(messages, options, streaming: true).ToChatResponseUpdates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted-responder-test-double") : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private ChatResponse Respond(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        ScriptedRequest request;
        lock (_gate)
        {
            request = new ScriptedRequest([.. messages.Select(m => m.Clone())], options?.Clone(), streaming, _requests.Count);
            _requests.Add(request);
        }
        return respond(request);
    }
}

using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Crucible.Testing;

/// <summary>
/// A test double for <see cref="IChatClient"/>: it answers each request with the next step of a
/// script written by the test, and records every request it received. It is not a model and is
/// never offered to users as one.
/// </summary>
/// <remarks>
/// A step is a function of the request, so a test can both assert on what the caller sent (the
/// prompt, the tools, the tool results) and emit real tool calls that the caller must execute.
/// When the script runs out the client throws, so a caller that loops too long fails the test.
/// </remarks>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Queue<Func<ScriptedRequest, ChatResponse>> _steps = new();
    private readonly List<ScriptedRequest> _requests = [];
    private readonly Lock _gate = new();

    /// <summary>Creates a client that plays <paramref name="steps"/> in order.</summary>
    public ScriptedChatClient(params Func<ScriptedRequest, ChatResponse>[] steps)
    {
        foreach (var s in steps)
        {
            _steps.Enqueue(s);
        }
    }

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests
    {
        get { lock (_gate) { return [.. _requests]; } }
    }

    /// <summary>Steps not yet played.</summary>
    public int Remaining
    {
        get { lock (_gate) { return _steps.Count; } }
    }

    /// <summary>Usage reported with every response (null reports none).</summary>
    public UsageDetails? UsagePerResponse { get; set; }

    /// <summary>Appends a step.</summary>
    public ScriptedChatClient Then(Func<ScriptedRequest, ChatResponse> step)
    {
        lock (_gate) { _steps.Enqueue(step); }
        return this;
    }

    /// <summary>Appends a step that answers with plain text.</summary>
    public ScriptedChatClient ThenText(string text) => Then(_ => Text(text));

    /// <summary>Appends a step that calls one tool.</summary>
    public ScriptedChatClient ThenCall(string tool, IDictionary<string, object?> arguments, string? text = null) =>
        Then(_ => Call(tool, arguments, text));

    /// <summary>A response with assistant text only.</summary>
    public static ChatResponse Text(string text) => new(new ChatMessage(ChatRole.Assistant, text)) { FinishReason = ChatFinishReason.Stop };

    /// <summary>A response that calls one tool, optionally after some text.</summary>
    public static ChatResponse Call(string tool, IDictionary<string, object?> arguments, string? text = null)
    {
        var contents = new List<AIContent>();
        if (text is not null)
        {
            contents.Add(new TextContent(text));
        }
        contents.Add(new FunctionCallContent($"call_{Guid.NewGuid():N}"[..16], tool, arguments));
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents)) { FinishReason = ChatFinishReason.ToolCalls };
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Next(messages, options, streaming: false));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var response = Next(messages, options, streaming: true);
        foreach (var update in response.ToChatResponseUpdates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted-test-double") : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private ChatResponse Next(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        Func<ScriptedRequest, ChatResponse> step;
        ScriptedRequest request;
        lock (_gate)
        {
            request = new ScriptedRequest([.. messages.Select(m => m.Clone())], options?.Clone(), streaming, _requests.Count);
            _requests.Add(request);
            if (!_steps.TryDequeue(out step!))
            {
                throw new InvalidOperationException($"ScriptedChatClient: the script has no step for request #{request.Index}.");
            }
        }
        var response = step(request);
        if (UsagePerResponse is { } usage && response.Usage is null)
        {
            response.Usage = usage;
        }
        return response;
    }
}

/// <summary>One request received by <see cref="ScriptedChatClient"/>.</summary>
/// <param name="Messages">A copy of the messages sent.</param>
/// <param name="Options">A copy of the options sent.</param>
/// <param name="Streaming">Whether the streaming API was used.</param>
/// <param name="Index">0-based index of the request.</param>
public sealed record ScriptedRequest(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, bool Streaming, int Index)
{
    /// <summary>All text of all messages, joined, for prompt assertions.</summary>
    public string AllText => string.Join("\n", Messages.Select(m => m.Text));

    /// <summary>The tool results sent in the last message, if any.</summary>
    public IReadOnlyList<FunctionResultContent> LastToolResults =>
        Messages.Count == 0 ? [] : [.. Messages[^1].Contents.OfType<FunctionResultContent>()];
}

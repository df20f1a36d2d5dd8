using Microsoft.Extensions.AI;

namespace Crucible.Models.OpenAI;

// PLACEHOLDER (contract only): the OpenAI-compatible provider replaces this file. ModelClientFactory
// constructs it with `new OpenAICompatibleChatClient(connection)`.
/// <summary>OpenAI chat completions (OpenAI, vLLM, Ollama, llama.cpp, LM Studio) behind <see cref="IChatClient"/>.</summary>
public sealed class OpenAICompatibleChatClient(ProviderConnection connection) : IChatClient
{
    /// <summary>The connection this client uses.</summary>
    public ProviderConnection Connection { get; } = connection;

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The OpenAI-compatible provider is not built yet.");

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The OpenAI-compatible provider is not built yet.");

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }
}

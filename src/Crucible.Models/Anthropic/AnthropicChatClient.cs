using Microsoft.Extensions.AI;

namespace Crucible.Models.Anthropic;

// PLACEHOLDER (contract only): the Anthropic provider replaces this file. ModelClientFactory
// constructs it with `new AnthropicChatClient(connection)`.
/// <summary>The Anthropic Messages API behind <see cref="IChatClient"/>.</summary>
public sealed class AnthropicChatClient(ProviderConnection connection) : IChatClient
{
    /// <summary>The connection this client uses.</summary>
    public ProviderConnection Connection { get; } = connection;

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The Anthropic provider is not built yet.");

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The Anthropic provider is not built yet.");

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }
}

using Crucible.Models;
using Crucible.Testing.Anthropic;

namespace Crucible.Models.Tests.Anthropic;

/// <summary>Connections to an <see cref="AnthropicWireServer"/> over a plain HttpClient (no retries: those belong to the models-core handler).</summary>
internal static class AnthropicTestConnections
{
    public const string Key = "sk-ant-test-key-000";

    public static ProviderConnection For(AnthropicWireServer server, string model = "claude-sonnet-4-5", IReadOnlyDictionary<string, string>? options = null, string? key = Key) => new()
    {
        Provider = "anthropic",
        Model = model,
        BaseUrl = server.BaseUrl,
        ApiKey = key,
        ApiKeyVariable = "ANTHROPIC_API_KEY",
        HttpClient = new HttpClient(),
        Options = options ?? new Dictionary<string, string>(),
    };
}

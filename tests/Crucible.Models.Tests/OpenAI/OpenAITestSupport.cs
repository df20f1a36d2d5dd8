using System.Text.Json;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.OpenAI;

/// <summary>Connections and tools shared by the OpenAI provider tests.</summary>
internal static class OpenAITestSupport
{
    public const string Key = "sk-test-7f3a9c2e1b";

    /// <summary>The test's cancellation token (xUnit cancels it when the run is aborted).</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static ProviderConnection Connection(OpenAIWireServer server, string? key = Key, IReadOnlyDictionary<string, string>? options = null,
        string provider = "openai-compatible", string? model = null) => new()
        {
            Provider = provider,
            Model = model ?? server.Expectations.Model,
            BaseUrl = server.BaseUrl,
            ApiKey = key,
            ApiKeyVariable = "OPENAI_API_KEY",
            HttpClient = new HttpClient(),
            Options = options ?? new Dictionary<string, string>(),
        };

    public static OpenAICompatibleChatClient Client(OpenAIWireServer server, string? key = Key, IReadOnlyDictionary<string, string>? options = null,
        string provider = "openai-compatible", string? model = null) => new(Connection(server, key, options, provider, model));

    /// <summary>A real tool: the schema comes from the delegate's parameters.</summary>
    public static AIFunction WeatherTool() =>
        AIFunctionFactory.Create((string city, int days) => $"{city}: 15°C for {days} days", "weather", "Gets the weather forecast for a city");

    public static AIFunction ReadFileTool() =>
        AIFunctionFactory.Create((string path) => File.ReadAllText(path), "read_file", "Reads a text file");

    public static Dictionary<string, string> Schemas(params AIFunction[] tools) =>
        tools.ToDictionary(t => t.Name, t => t.JsonSchema.GetRawText());

    /// <summary>The arguments of a call as canonical JSON, for whole-value comparison.</summary>
    public static string ArgumentsJson(FunctionCallContent call) => JsonSerializer.Serialize(call.Arguments, Compact);

    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static async Task<(List<ChatResponseUpdate> Updates, ChatResponse Response)> StreamAsync(
        IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }
        return (updates, updates.ToChatResponse());
    }
}

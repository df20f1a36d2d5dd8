using System.Text.Json.Nodes;

namespace Crucible.Testing.OpenAI;

/// <summary>One recorded OpenAI chat-completions exchange from ../shared/fixtures/provider-recordings.</summary>
/// <param name="Source">Source folder (<c>ruby_llm</c>, <c>pydantic-ai</c>).</param>
/// <param name="File">Cassette file, relative to the source folder.</param>
/// <param name="Index">Position of the exchange in the cassette.</param>
/// <param name="RequestBody">The request body the recording client sent.</param>
/// <param name="Status">Response status.</param>
/// <param name="ContentType">Response Content-Type.</param>
/// <param name="Headers">Response headers worth replaying (<c>retry-after</c>, <c>x-ratelimit-*</c>).</param>
/// <param name="ResponseBody">Response body: JSON or an SSE stream.</param>
public sealed record RecordedOpenAIExchange(
    string Source, string File, int Index, JsonObject RequestBody, int Status, string ContentType,
    IReadOnlyDictionary<string, string> Headers, string ResponseBody)
{
    /// <summary>A stable name for test output.</summary>
    public string Name => $"{Source}/{File}#{Index}";

    /// <summary>Whether the request asked for a stream.</summary>
    public bool Streamed => RequestBody["stream"]?.GetValue<bool>() == true;

    /// <summary>The model the recording client asked for.</summary>
    public string Model => RequestBody["model"]!.GetValue<string>();

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Loads every OpenAI chat-completions exchange from the shared recordings (<c>interactions.extracted.json</c>).</summary>
public static class OpenAIRecordings
{
    /// <summary>Source folders that hold OpenAI chat-completions exchanges.</summary>
    public static readonly IReadOnlyList<string> Sources = ["ruby_llm", "pydantic-ai"];

    private static readonly Lazy<IReadOnlyList<RecordedOpenAIExchange>> All = new(Load);

    /// <summary>All exchanges with <c>POST …/v1/chat/completions</c>, in file order.</summary>
    public static IReadOnlyList<RecordedOpenAIExchange> ChatCompletions => All.Value;

    /// <summary>The exchange named <paramref name="name"/> (see <see cref="RecordedOpenAIExchange.Name"/>).</summary>
    public static RecordedOpenAIExchange Get(string name) =>
        ChatCompletions.SingleOrDefault(e => e.Name == name) ?? throw new KeyNotFoundException($"No recorded exchange {name}.");

    private static IReadOnlyList<RecordedOpenAIExchange> Load()
    {
        var result = new List<RecordedOpenAIExchange>();
        foreach (var source in Sources)
        {
            var path = Path.Combine(TestPaths.ProviderRecordings, source, "interactions.extracted.json");
            var root = JsonNode.Parse(File.ReadAllText(path))!;
            foreach (var (file, entry) in root["files"]!.AsObject())
            {
                var index = 0;
                foreach (var interaction in entry!["interactions"]!.AsArray())
                {
                    var request = interaction!["request"]!;
                    var uri = request["uri"]!.GetValue<string>();
                    if (request["method"]!.GetValue<string>() == "POST" && uri.StartsWith("https://api.openai.com/v1/chat/completions", StringComparison.Ordinal))
                    {
                        var response = interaction["response"]!;
                        var headers = response["headers"]!.AsObject().ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value!.AsArray().Select(v => v!.GetValue<string>())));
                        var replayed = headers.Where(h => h.Key is "retry-after" || h.Key.StartsWith("x-ratelimit-", StringComparison.Ordinal))
                            .ToDictionary(h => h.Key, h => h.Value);
                        result.Add(new RecordedOpenAIExchange(
                            source, file, index,
                            JsonNode.Parse(request["body"]!.GetValue<string>())!.AsObject(),
                            response["status"]!.GetValue<int>(),
                            headers.GetValueOrDefault("content-type", "application/json"),
                            replayed,
                            response["body"]!.GetValue<string>()));
                    }
                    index++;
                }
            }
        }
        return result;
    }
}

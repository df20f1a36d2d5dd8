using System.Text.Json;

namespace Crucible.Testing.Anthropic;

/// <summary>A recorded HTTP request (headers keep the recording's capitalisation; look them up case-insensitively).</summary>
public sealed record RecordedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, string? Body);

/// <summary>A recorded HTTP response.</summary>
public sealed record RecordedResponse(int Status, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, string? Body)
{
    /// <summary>The first value of a header, looked up case-insensitively.</summary>
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    /// <summary>True when the body is an SSE stream.</summary>
    public bool IsEventStream => Header("Content-Type")?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>One real exchange with api.anthropic.com from the shared provider recordings.</summary>
/// <param name="Source">The source folder (e.g. <c>ruby_llm</c>).</param>
/// <param name="File">The cassette name within the source folder.</param>
/// <param name="Index">The exchange's position in the cassette.</param>
public sealed record RecordedExchange(string Source, string File, int Index, RecordedRequest Request, RecordedResponse Response)
{
    /// <summary>A stable, readable id: <c>source/file#index</c>.</summary>
    public string Id => $"{Source}/{File}#{Index}";

    /// <summary>The request path without the query (pydantic-ai's recordings carry <c>?beta=true</c>).</summary>
    public string Path => Request.Uri.AbsolutePath;

    /// <inheritdoc />
    public override string ToString() => Id;
}

/// <summary>
/// Loads every Anthropic exchange from <c>../shared/fixtures/provider-recordings/*/interactions.extracted.json</c>
/// (read in place, never copied). See that folder's README for the sources and their caveats.
/// </summary>
public static class AnthropicRecordings
{
    private static readonly Lazy<IReadOnlyList<RecordedExchange>> Loaded = new(Load);

    /// <summary>Every exchange whose request went to api.anthropic.com, in folder/file/index order.</summary>
    public static IReadOnlyList<RecordedExchange> All => Loaded.Value;

    /// <summary>The exchange with <paramref name="id"/> (see <see cref="RecordedExchange.Id"/>).</summary>
    public static RecordedExchange Get(string id) =>
        All.FirstOrDefault(e => e.Id == id) ?? throw new KeyNotFoundException($"No Anthropic recording {id}.");

    /// <summary>The exchanges of one cassette, in order.</summary>
    public static IReadOnlyList<RecordedExchange> InFile(string source, string file) =>
        [.. All.Where(e => e.Source == source && e.File == file).OrderBy(e => e.Index)];

    private static IReadOnlyList<RecordedExchange> Load()
    {
        var result = new List<RecordedExchange>();
        foreach (var path in Directory.EnumerateFiles(TestPaths.ProviderRecordings, "interactions.extracted.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var source = Path.GetFileName(Path.GetDirectoryName(path)!);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var file in doc.RootElement.GetProperty("files").EnumerateObject())
            {
                var index = 0;
                foreach (var interaction in file.Value.GetProperty("interactions").EnumerateArray())
                {
                    var request = interaction.GetProperty("request");
                    var response = interaction.GetProperty("response");
                    var uri = new Uri(request.GetProperty("uri").GetString()!);
                    if (uri.Host == "api.anthropic.com")
                    {
                        result.Add(new RecordedExchange(
                            source,
                            file.Name,
                            index,
                            new RecordedRequest(request.GetProperty("method").GetString()!.ToUpperInvariant(), uri, Headers(request), Body(request)),
                            new RecordedResponse(response.GetProperty("status").GetInt32(), Headers(response), Body(response))));
                    }
                    index++;
                }
            }
        }
        return result;
    }

    private static Dictionary<string, IReadOnlyList<string>> Headers(JsonElement part)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (part.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in headers.EnumerateObject())
            {
                result[header.Name] = [.. header.Value.EnumerateArray().Select(v => v.ToString())];
            }
        }
        return result;
    }

    private static string? Body(JsonElement part) =>
        part.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.String ? body.GetString() : null;
}

namespace Crucible.Models;

/// <summary>
/// Everything a provider client needs to reach one model: resolved from a model spec, the settings
/// files and the environment by <c>ModelClientFactory</c>.
/// </summary>
/// <remarks>
/// Trust contract: <see cref="ApiKey"/> is a secret. Providers send it only in the request header
/// their API defines and never put it in exceptions, logs, artifacts or <see cref="ToString"/>.
/// <see cref="HttpClient"/> already carries the retry policy and the per-call timeout, so providers
/// must turn their SDK's own retries off (otherwise every retry would be multiplied).
/// </remarks>
public sealed record ProviderConnection
{
    /// <summary>Provider id: <c>anthropic</c>, <c>openai</c> or <c>openai-compatible</c>.</summary>
    public required string Provider { get; init; }

    /// <summary>The model name the API expects, e.g. <c>claude-sonnet-4-5</c>.</summary>
    public required string Model { get; init; }

    /// <summary>Base URL of the API. Null uses the SDK's default public endpoint.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The API key, or null for servers that need none (local vLLM, Ollama, llama.cpp).</summary>
    public string? ApiKey { get; init; }

    /// <summary>The environment variable the key is read from, named in authentication errors (e.g. <c>ANTHROPIC_API_KEY</c>).</summary>
    public string? ApiKeyVariable { get; init; }

    /// <summary>The HTTP client every request goes through (retries, timeout, no key logging).</summary>
    public required HttpClient HttpClient { get; init; }

    /// <summary>Provider-specific options from settings (e.g. <c>tool_calls: text</c> for servers without native tool calling).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Renders the connection without the key.</summary>
    public override string ToString() => $"{Provider}:{Model} at {BaseUrl?.ToString() ?? "(default endpoint)"}";
}

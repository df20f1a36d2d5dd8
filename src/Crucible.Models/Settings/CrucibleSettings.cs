using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core;

namespace Crucible.Models.Settings;

/// <summary>
/// The merged contents of <c>~/.crucible/settings.json</c> and <c>&lt;project&gt;/.crucible/settings.json</c>
/// (see <see cref="SettingsLoader"/> for the order of precedence). The model sections are typed; every
/// top-level section, known or not, is also kept raw in <see cref="Sections"/> so other areas
/// (<c>permissions</c>, <c>network</c>, <c>tests</c>, ...) read their own with <see cref="Section{T}"/>.
/// </summary>
/// <remarks>Trust contract: keys read from settings are secrets; <see cref="ToString"/> never prints them.</remarks>
public sealed record CrucibleSettings
{
    /// <summary>No settings at all.</summary>
    public static CrucibleSettings Empty { get; } = new();

    /// <summary>The configured models, as specs (<c>models</c>).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>The <c>anthropic</c> section.</summary>
    public ProviderSettings Anthropic { get; init; } = new();

    /// <summary>The <c>openai</c> section.</summary>
    [JsonPropertyName("openai")]
    public ProviderSettings OpenAI { get; init; } = new();

    /// <summary>Named endpoints (<c>endpoints</c>), used as spec prefixes (<c>local:qwen3</c>).</summary>
    public IReadOnlyDictionary<string, EndpointSettings> Endpoints { get; init; } = new Dictionary<string, EndpointSettings>(StringComparer.Ordinal);

    /// <summary>Path of a price file overriding the built-in prices (<c>prices</c>); relative paths are relative to the file that set it.</summary>
    [JsonPropertyName("prices")]
    public string? PricesPath { get; init; }

    /// <summary>
    /// The model spec <c>crucible run</c> uses when no <c>--model</c> is given and no continued session names one
    /// (<c>default_model</c>, e.g. <c>"anthropic:claude-sonnet-4-5"</c>). Default: none.
    /// </summary>
    public string? DefaultModel { get; init; }

    /// <summary>
    /// Where Crucible keeps its state (<c>state_dir</c>: result database, runs, sessions, response cache) instead of
    /// <c>.crucible/</c> in the working folder; relative paths are relative to the settings file that set it.
    /// <c>--state-dir</c> and <c>CRUCIBLE_STATE_DIR</c> win over it. Default: none.
    /// </summary>
    public string? StateDir { get; init; }

    /// <summary>The <c>retry</c> section: overrides of <see cref="Http.RetryPolicy"/> defaults.</summary>
    public RetrySettings Retry { get; init; } = new();

    /// <summary>Every top-level section as read (after merging), including sections this library does not know.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement> Sections { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>The settings files that were found and read, lowest precedence first.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>
    /// Reads section <paramref name="name"/> as <typeparamref name="T"/> (snake_case property names),
    /// or returns null when the section is absent.
    /// </summary>
    /// <exception cref="BadInputException">The section does not have the shape <typeparamref name="T"/> expects.</exception>
    public T? Section<T>(string name) where T : class
    {
        if (!Sections.TryGetValue(name, out var element))
        {
            return null;
        }
        try
        {
            return element.Deserialize<T>(SettingsLoader.Json);
        }
        catch (JsonException e)
        {
            throw new BadInputException($"settings section '{name}' is malformed at {e.Path}: {e.Message}", $"fix '{name}' in {string.Join(" or ", Sources)}");
        }
    }

    /// <summary>Renders a summary without any key.</summary>
    public override string ToString() => $"settings from {(Sources.Count == 0 ? "(none)" : string.Join(", ", Sources))}: {Models.Count} model(s), {Endpoints.Count} endpoint(s)";
}

/// <summary>Settings of a built-in provider (<c>anthropic</c> or <c>openai</c>).</summary>
public sealed record ProviderSettings
{
    /// <summary>The key, written in the settings file (prefer <see cref="ApiKeyEnv"/> or the standard variable).</summary>
    public string? ApiKey { get; init; }

    /// <summary>An environment variable to read the key from instead of the standard one.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Base URL overriding the SDK default (the standard <c>*_BASE_URL</c> variable wins over this).</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The model <c>crucible models</c> lists for this provider when its key is present but no model is configured.</summary>
    public string? DefaultModel { get; init; }

    /// <summary>Provider options passed on in <see cref="ProviderConnection.Options"/>.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Renders without the key.</summary>
    public override string ToString() => $"base_url={BaseUrl?.ToString() ?? "(default)"}, key={(ApiKey is null ? "none" : "set")}";
}

/// <summary>A named endpoint (<c>endpoints.NAME</c>): a server with its own base URL, key and default model.</summary>
public sealed record EndpointSettings
{
    /// <summary>The wire protocol: <c>openai-compatible</c> (default), <c>openai</c> or <c>anthropic</c> (e.g. a proxy).</summary>
    public string? Provider { get; init; }

    /// <summary>Base URL of the server, e.g. <c>http://localhost:8000/v1</c>.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The key, written in the file (local servers usually need none).</summary>
    public string? ApiKey { get; init; }

    /// <summary>An environment variable holding the key.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Model used when the spec is just the endpoint name.</summary>
    public string? Model { get; init; }

    /// <summary>Provider options, e.g. <c>tool_calls: text</c> for servers without native tool calling.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Renders without the key.</summary>
    public override string ToString() => $"{Provider ?? "openai-compatible"} at {BaseUrl}, model={Model}, key={(ApiKey is null ? ApiKeyEnv is null ? "none" : "$" + ApiKeyEnv : "set")}";
}

/// <summary>The <c>retry</c> section; each value left out keeps the <see cref="Http.RetryPolicy"/> default.</summary>
public sealed record RetrySettings
{
    /// <summary>Total tries per call, first one included.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>First backoff delay, in milliseconds.</summary>
    public int? BaseDelayMs { get; init; }

    /// <summary>Largest backoff delay, in milliseconds.</summary>
    public int? MaxDelayMs { get; init; }

    /// <summary>Timeout of each try, in seconds.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Applies the values that are set to <paramref name="policy"/>.</summary>
    public Http.RetryPolicy ApplyTo(Http.RetryPolicy policy) => policy with
    {
        MaxAttempts = MaxAttempts ?? policy.MaxAttempts,
        BaseDelay = BaseDelayMs is { } b ? TimeSpan.FromMilliseconds(b) : policy.BaseDelay,
        MaxDelay = MaxDelayMs is { } m ? TimeSpan.FromMilliseconds(m) : policy.MaxDelay,
        PerTryTimeout = TimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : policy.PerTryTimeout,
    };
}

using Crucible.Core;
using Crucible.Models.Anthropic;
using Crucible.Models.Caching;
using Crucible.Models.Http;
using Crucible.Models.OpenAI;
using Crucible.Models.Pricing;
using Crucible.Models.Redaction;
using Crucible.Models.Settings;
using Crucible.Models.Specs;
using Crucible.Models.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crucible.Models;

/// <summary>What <see cref="ModelClientFactory"/> builds clients from. Every member has a usable default.</summary>
public sealed record ModelClientFactoryOptions
{
    /// <summary>Merged settings (<see cref="SettingsLoader.Load"/>). Default: none.</summary>
    public CrucibleSettings Settings { get; init; } = CrucibleSettings.Empty;

    /// <summary>Reads an environment variable. Default: the process environment.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Prices. Default: the built-in table.</summary>
    public PriceTable Prices { get; init; } = PriceTable.BuiltIn;

    /// <summary>The run's ledger, shared by every client the factory creates. Default: a new one.</summary>
    public UsageLedger Ledger { get; init; } = new();

    /// <summary>Retry policy. Default: <see cref="RetryPolicy.Default"/> with the settings' <c>retry</c> overrides.</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>Path of the response cache; null (the default) disables it. Set by <c>--cache</c>.</summary>
    public string? CachePath { get; init; }

    /// <summary>Receives retry and diagnostics lines, always redacted. Default: none.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Clock for timeouts and backoff.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Waits between retries; default waits on <see cref="TimeProvider"/>. Tests pass one that returns at once.</summary>
    public Func<TimeSpan, CancellationToken, Task>? RetryDelay { get; init; }

    /// <summary>The handler under the retry layer. Default: a pooled <see cref="SocketsHttpHandler"/>. Benchmarks pass an in-memory one.</summary>
    public HttpMessageHandler? PrimaryHandler { get; init; }

    /// <summary>
    /// Builds the provider client for a connection. Default: <see cref="AnthropicChatClient"/> for
    /// <c>anthropic</c>, <see cref="OpenAICompatibleChatClient"/> for <c>openai</c> and <c>openai-compatible</c>.
    /// </summary>
    public Func<ProviderConnection, IChatClient>? ProviderFactory { get; init; }
}

/// <summary>
/// Turns a model spec, the settings and the environment into an <see cref="IChatClient"/> stack:
/// usage recording → response cache (only with <see cref="ModelClientFactoryOptions.CachePath"/>) →
/// provider, over one <see cref="HttpClient"/> whose handler is the <see cref="RetryingHandler"/>.
/// </summary>
/// <remarks>
/// <para>Connection precedence (highest first), per provider:
/// key: <c>ANTHROPIC_API_KEY</c> / <c>OPENAI_API_KEY</c>, then the variable named by <c>api_key_env</c>,
/// then <c>api_key</c> in settings (project over user);
/// base URL: <c>ANTHROPIC_BASE_URL</c> / <c>OPENAI_BASE_URL</c>, then <c>base_url</c> in settings, then the SDK default.
/// A named endpoint uses only its own <c>base_url</c>, <c>api_key_env</c> and <c>api_key</c>.
/// <c>openai-compatible:URL#MODEL</c> never sends <c>OPENAI_API_KEY</c> (the URL may be any server); it
/// sends no key.</para>
/// <para>The usage recorder sits outside the cache so that replays are recorded too (as cached, zero-cost calls).</para>
/// <para>Trust contract: every key resolved is registered with <see cref="Redactor"/>, and every log line passes through it.</para>
/// </remarks>
public sealed class ModelClientFactory : IDisposable
{
    private readonly ModelClientFactoryOptions _options;
    private readonly Lazy<HttpClient> _http;
    private readonly Lazy<ResponseCache?> _cache;
    private readonly ILogger _logger;

    /// <summary>Creates the factory.</summary>
    public ModelClientFactory(ModelClientFactoryOptions? options = null)
    {
        _options = options ?? new ModelClientFactoryOptions();
        Policy = _options.RetryPolicy ?? _options.Settings.Retry.ApplyTo(RetryPolicy.Default);
        Costs = new CostCalculator(_options.Prices);
        _logger = new RedactingLogger(_options.Logger ?? NullLogger.Instance, Redactor);
        _http = new Lazy<HttpClient>(CreateHttpClient);
        _cache = new Lazy<ResponseCache?>(() => _options.CachePath is { } p ? new ResponseCache(p) : null);
    }

    /// <summary>
    /// The factory a command uses: settings from <paramref name="homeDirectory"/> and
    /// <paramref name="projectDirectory"/>, prices with the user's overrides, the process environment, and
    /// the response cache at <c>&lt;project&gt;/.crucible/response-cache.db</c> when <paramref name="cache"/> is set.
    /// </summary>
    /// <exception cref="BadInputException">A settings or price file is malformed.</exception>
    public static ModelClientFactory ForProject(string projectDirectory, bool cache = false, ILogger? logger = null, UsageLedger? ledger = null, string? homeDirectory = null)
    {
        homeDirectory ??= SettingsLoader.DefaultHome;
        var settings = SettingsLoader.Load(homeDirectory, projectDirectory);
        return new ModelClientFactory(new ModelClientFactoryOptions
        {
            Settings = settings,
            Prices = PriceTable.Load(settings, homeDirectory),
            CachePath = cache ? ResponseCache.DefaultPath(projectDirectory) : null,
            Logger = logger,
            Ledger = ledger ?? new UsageLedger(),
        });
    }

    /// <summary>The options in force.</summary>
    public ModelClientFactoryOptions Options => _options;

    /// <summary>The retry policy every client uses.</summary>
    public RetryPolicy Policy { get; }

    /// <summary>The ledger of every call made through clients of this factory.</summary>
    public UsageLedger Ledger => _options.Ledger;

    /// <summary>Cost arithmetic over <see cref="ModelClientFactoryOptions.Prices"/>.</summary>
    public CostCalculator Costs { get; }

    /// <summary>Knows every key this factory resolved; use it for any text that may reach a log or artifact.</summary>
    public Redactor Redactor { get; } = new();

    /// <summary>The HTTP client under every provider (retries, per-try timeout).</summary>
    public HttpClient HttpClient => _http.Value;

    /// <summary>Parses a spec against the settings' endpoints.</summary>
    /// <exception cref="BadInputException">Malformed spec or unknown prefix.</exception>
    public ModelSpec Parse(string spec) => ModelSpec.Parse(spec, _options.Settings);

    /// <summary>Creates the client stack for <paramref name="spec"/>.</summary>
    /// <exception cref="BadInputException">Malformed spec, unknown prefix or missing key (naming the variable to set).</exception>
    public IChatClient Create(string spec) => Create(Parse(spec));

    /// <summary>Creates the client stack for <paramref name="spec"/>.</summary>
    /// <exception cref="BadInputException">A key is required and missing (naming the variable to set).</exception>
    public IChatClient Create(ModelSpec spec)
    {
        var connection = Resolve(spec);
        IChatClient client = (_options.ProviderFactory ?? DefaultProvider)(connection);
        if (_cache.Value is { } cache)
        {
            client = new CachingChatClient(client, cache, connection.Provider, connection.Model);
        }
        return new UsageRecordingChatClient(client, Ledger, Costs, connection.Provider, connection.Model, Redactor);
    }

    /// <summary>
    /// Puts a client that answers through a provider batch API (see <c>Crucible.Models.Batches</c>) under the same usage
    /// ledger as direct calls: its tokens and dollars are recorded per call, priced at the model's batch rate, and
    /// answers it replays from disk (marked like cache replays) count as cached, at no cost.
    /// </summary>
    public IChatClient RecordBatchUsage(IChatClient batched, ProviderConnection connection) =>
        new UsageRecordingChatClient(batched, Ledger, Costs, connection.Provider, connection.Model, Redactor, batch: true);

    /// <summary>The connection for <paramref name="spec"/> (see the class remarks for precedence).</summary>
    /// <exception cref="BadInputException">A key is required and missing.</exception>
    public ProviderConnection Resolve(ModelSpec spec)
    {
        var env = _options.Environment;
        var settings = _options.Settings;
        Uri? baseUrl;
        string? key;
        string? keyVariable;
        IReadOnlyDictionary<string, string> providerOptions;
        var keyRequired = true;

        if (spec.Endpoint is { } name)
        {
            var endpoint = settings.Endpoints[name];
            baseUrl = endpoint.BaseUrl ?? spec.BaseUrl;
            keyVariable = endpoint.ApiKeyEnv;
            key = NonEmpty(keyVariable is null ? null : env(keyVariable)) ?? NonEmpty(endpoint.ApiKey);
            providerOptions = endpoint.Options;
            // A local server needs no key unless the endpoint says where one lives.
            keyRequired = spec.Provider != ModelProviders.OpenAICompatible || endpoint.ApiKeyEnv is not null;
            if (keyRequired && key is null)
            {
                throw new BadInputException(
                    $"no API key for {spec.Text}: endpoint '{name}' reads it from {keyVariable ?? "its api_key setting"}, which is not set",
                    keyVariable is not null ? $"set {keyVariable}, or remove endpoints.{name}.api_key_env if the server needs no key" : $"set endpoints.{name}.api_key_env or endpoints.{name}.api_key in settings");
            }
        }
        else if (spec.Provider == ModelProviders.OpenAICompatible)
        {
            baseUrl = spec.BaseUrl;
            key = null;
            keyVariable = null;
            providerOptions = new Dictionary<string, string>();
            keyRequired = false;
        }
        else
        {
            var (section, standardKey, standardUrl) = spec.Provider == ModelProviders.Anthropic
                ? (settings.Anthropic, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")
                : (settings.OpenAI, "OPENAI_API_KEY", "OPENAI_BASE_URL");
            key = NonEmpty(env(standardKey)) ?? NonEmpty(section.ApiKeyEnv is { } v ? env(v) : null) ?? NonEmpty(section.ApiKey);
            keyVariable = NonEmpty(env(standardKey)) is null && section.ApiKeyEnv is { } named && NonEmpty(env(named)) is not null ? named : standardKey;
            baseUrl = ParseUrl(NonEmpty(env(standardUrl)), standardUrl) ?? section.BaseUrl;
            providerOptions = section.Options;
            if (key is null)
            {
                throw new BadInputException(
                    $"no API key for {spec.Text}",
                    $"set {standardKey}{(section.ApiKeyEnv is { } alt ? $" (or {alt})" : "")}, or add {spec.Provider}.api_key to {SettingsLoader.UserFile("~")}");
            }
        }

        Redactor.Add(key);
        var connection = new ProviderConnection
        {
            Provider = spec.Provider,
            Model = spec.Model,
            BaseUrl = baseUrl,
            ApiKey = key,
            ApiKeyVariable = keyVariable,
            HttpClient = HttpClient,
            Options = providerOptions,
        };
        _logger.LogDebug("model {Spec}: {Connection}, key {KeyState}", spec.Text, connection.ToString(), key is null ? "none" : "present");
        return connection;
    }

    /// <summary>True when <paramref name="spec"/> has the key it needs (for listings; never reveals the key).</summary>
    public bool HasKey(ModelSpec spec)
    {
        try
        {
            return Resolve(spec).ApiKey is not null || spec.Provider == ModelProviders.OpenAICompatible;
        }
        catch (BadInputException)
        {
            return false;
        }
    }

    private static IChatClient DefaultProvider(ProviderConnection connection) => connection.Provider switch
    {
        ModelProviders.Anthropic => new AnthropicChatClient(connection),
        _ => new OpenAICompatibleChatClient(connection),
    };

    private HttpClient CreateHttpClient()
    {
        var retry = new RetryingHandler(Policy, _options.TimeProvider, _options.RetryDelay, logger: _options.Logger, redactor: Redactor)
        {
            InnerHandler = _options.PrimaryHandler ?? new SocketsHttpHandler
            {
                // Recycle pooled connections so DNS changes are seen on long runs.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            },
        };
        // The retry handler owns the per-try timeout; HttpClient's own would cut across every retry.
        return new HttpClient(retry) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static Uri? ParseUrl(string? text, string variable)
    {
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new BadInputException($"{variable} '{text}' is not an absolute http(s) URL", $"set {variable} to e.g. https://api.example.com, or unset it");
        }
        return url;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }
}

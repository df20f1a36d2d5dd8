using Crucible.Core;
using Crucible.Models.Settings;

namespace Crucible.Models.Specs;

/// <summary>The provider ids Crucible knows, as they appear before the colon of a model spec.</summary>
public static class ModelProviders
{
    /// <summary>The Anthropic Messages API.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>OpenAI's own chat completions API.</summary>
    public const string OpenAI = "openai";

    /// <summary>Any server speaking OpenAI chat completions (vLLM, Ollama, llama.cpp, LM Studio).</summary>
    public const string OpenAICompatible = "openai-compatible";

    /// <summary>Every built-in prefix, in the order error messages list them.</summary>
    public static IReadOnlyList<string> All { get; } = [Anthropic, OpenAI, OpenAICompatible];
}

/// <summary>
/// A parsed model spec: which provider, which model, and where. Written as
/// <c>anthropic:claude-sonnet-4-5</c>, <c>openai:gpt-5</c>, <c>openai-compatible:http://host:8000/v1#qwen3</c>,
/// or <c>ENDPOINT:MODEL</c> / <c>ENDPOINT</c> for an endpoint named in settings.
/// </summary>
/// <param name="Text">The spec as written.</param>
/// <param name="Provider">One of <see cref="ModelProviders"/>.</param>
/// <param name="Model">The model name the API expects.</param>
/// <param name="BaseUrl">The base URL written in the spec (<c>openai-compatible:</c>) or taken from the endpoint; null for the provider default.</param>
/// <param name="Endpoint">The settings endpoint the spec names, if any.</param>
public sealed record ModelSpec(string Text, string Provider, string Model, Uri? BaseUrl = null, string? Endpoint = null)
{
    /// <summary>
    /// Parses <paramref name="text"/>. Endpoint names come from <paramref name="settings"/>; the
    /// built-in prefixes always win over an endpoint of the same name (settings loading rejects those).
    /// </summary>
    /// <exception cref="BadInputException">The spec is malformed or names an unknown provider or endpoint; the fix lists the valid prefixes and endpoints.</exception>
    public static ModelSpec Parse(string text, CrucibleSettings? settings = null)
    {
        settings ??= CrucibleSettings.Empty;
        var spec = text.Trim();
        if (spec.Length == 0)
        {
            throw new BadInputException("empty model spec", Usage(settings));
        }
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var prefix = colon < 0 ? spec : spec[..colon];
        var rest = colon < 0 ? "" : spec[(colon + 1)..];

        switch (prefix)
        {
            case ModelProviders.Anthropic:
            case ModelProviders.OpenAI:
                if (!IsModelName(rest))
                {
                    throw new BadInputException($"model spec '{spec}' names no model after '{prefix}:'", $"write e.g. {Example(prefix)}");
                }
                return new ModelSpec(spec, prefix, rest);
            case ModelProviders.OpenAICompatible:
                return ParseCompatible(spec, rest);
        }
        if (settings.Endpoints.TryGetValue(prefix, out var endpoint))
        {
            var model = rest.Length > 0 ? rest : endpoint.Model;
            if (model is null || !IsModelName(model))
            {
                throw new BadInputException(
                    $"model spec '{spec}' names endpoint '{prefix}' but no model, and the endpoint has no default model",
                    $"write '{prefix}:MODEL', or set endpoints.{prefix}.model in settings");
            }
            return new ModelSpec(spec, endpoint.Provider ?? ModelProviders.OpenAICompatible, model, endpoint.BaseUrl, prefix);
        }
        if (colon < 0)
        {
            var guess = spec.StartsWith("claude", StringComparison.OrdinalIgnoreCase) ? $"did you mean 'anthropic:{spec}'? "
                : spec.StartsWith("gpt", StringComparison.OrdinalIgnoreCase) || System.Text.RegularExpressions.Regex.IsMatch(spec, "^o[0-9]") ? $"did you mean 'openai:{spec}'? " : "";
            throw new BadInputException($"model spec '{spec}' has no provider prefix", guess + Usage(settings));
        }
        throw new BadInputException($"unknown provider or endpoint '{prefix}' in model spec '{spec}'", Usage(settings));
    }

    private static ModelSpec ParseCompatible(string spec, string rest)
    {
        const string fix = "write openai-compatible:<base-url>#<model>, e.g. openai-compatible:http://localhost:8000/v1#qwen3";
        var hash = rest.LastIndexOf('#');
        if (hash < 0)
        {
            throw new BadInputException($"model spec '{spec}' has no '#<model>' after the base URL", fix);
        }
        var url = rest[..hash];
        var model = rest[(hash + 1)..];
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new BadInputException($"model spec '{spec}' has an invalid base URL '{url}' (need an absolute http or https URL)", fix);
        }
        if (!IsModelName(model))
        {
            throw new BadInputException($"model spec '{spec}' names no model after '#'", fix);
        }
        return new ModelSpec(spec, ModelProviders.OpenAICompatible, model, baseUrl);
    }

    private static bool IsModelName(string s) => s.Length > 0 && !s.Any(char.IsWhiteSpace);

    private static string Example(string provider) => provider switch
    {
        ModelProviders.Anthropic => "anthropic:claude-sonnet-4-5",
        ModelProviders.OpenAI => "openai:gpt-5",
        _ => "openai-compatible:http://localhost:8000/v1#qwen3",
    };

    /// <summary>The fix text for a bad spec: valid prefixes and the endpoints that exist.</summary>
    internal static string Usage(CrucibleSettings settings)
    {
        var endpoints = settings.Endpoints.Count == 0
            ? "no endpoints are defined in settings"
            : $"endpoints defined in settings: {string.Join(", ", settings.Endpoints.Keys.Order(StringComparer.Ordinal))}";
        return $"use one of the prefixes {string.Join(", ", ModelProviders.All.Select(p => p + ":"))} (e.g. {Example(ModelProviders.Anthropic)}, {Example(ModelProviders.OpenAI)}, {Example(ModelProviders.OpenAICompatible)}) or an endpoint name; {endpoints}";
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}

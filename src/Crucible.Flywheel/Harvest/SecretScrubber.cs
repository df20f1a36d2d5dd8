using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.Quality;

namespace Crucible.Flywheel.Harvest;

/// <summary>One kind of secret removed from one field of one record (the value itself is never kept).</summary>
/// <param name="RecordId">The canonical record.</param>
/// <param name="Field">JSON path of the field inside the record (e.g. <c>$.messages[3].content</c>).</param>
/// <param name="Kind">What was found (<c>an Anthropic API key</c>, <c>a bearer token</c>, <c>the value of $GITHUB_TOKEN</c>).</param>
/// <param name="Count">How many times.</param>
public sealed record ScrubbedSecret(string RecordId, string Field, string Kind, int Count);

/// <summary>
/// Removes secrets from every string of a record before it is stored or written: the credential shapes the
/// constitution's secrets check knows (<see cref="SecretsCheck.KnownPatterns"/>), whole private-key blocks,
/// bearer tokens and the values of the environment's secret-looking variables. Each removal is replaced by
/// <c>[REDACTED:&lt;kind&gt;]</c> and reported, without the value.
/// </summary>
public sealed partial class SecretScrubber
{
    /// <summary>Environment values shorter than this are not scrubbed: masking a 3-letter value everywhere garbles text and protects nothing.</summary>
    public const int MinimumEnvironmentValueLength = 8;

    private readonly List<(string Kind, Regex Pattern)> _patterns;
    private readonly List<(string Name, string Value)> _values;

    /// <summary>A scrubber knowing the secret-looking variables of <paramref name="environment"/> (names with KEY, TOKEN, SECRET, PASSWORD, CREDENTIAL or AUTH).</summary>
    public SecretScrubber(IReadOnlyDictionary<string, string?>? environment = null)
    {
        _patterns = [("a private key", PrivateKeyBlock()), .. SecretsCheck.KnownPatterns, ("a bearer token", Bearer())];
        _values = [.. (environment ?? new Dictionary<string, string?>())
            .Where(kv => kv.Value is { Length: >= MinimumEnvironmentValueLength } && SecretName().IsMatch(kv.Key))
            .Select(kv => (kv.Key, kv.Value!))
            .OrderByDescending(kv => kv.Item2.Length).ThenBy(kv => kv.Key, StringComparer.Ordinal)];
    }

    /// <summary>True when <paramref name="name"/> looks like the name of a variable holding a secret.</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary>Scrubs every string value of <paramref name="node"/> in place and returns what was removed, in document order.</summary>
    public IReadOnlyList<ScrubbedSecret> Scrub(string recordId, JsonNode? node)
    {
        var found = new List<ScrubbedSecret>();
        Walk(recordId, node, "$", found);
        return found;
    }

    /// <summary>Scrubs one text, adding what was removed to <paramref name="found"/>.</summary>
    public string Scrub(string text, string recordId, string field, List<ScrubbedSecret> found)
    {
        foreach (var (name, value) in _values)
        {
            var count = Count(text, value);
            if (count > 0)
            {
                var kind = $"the value of ${name}";
                text = text.Replace(value, Mask(kind), StringComparison.Ordinal);
                found.Add(new ScrubbedSecret(recordId, field, kind, count));
            }
        }
        foreach (var (kind, pattern) in _patterns)
        {
            var matches = pattern.Matches(text).Count;
            if (matches > 0)
            {
                text = pattern.Replace(text, Mask(kind));
                found.Add(new ScrubbedSecret(recordId, field, kind, matches));
            }
        }
        return text;
    }

    private static string Mask(string kind) => $"[REDACTED:{kind}]";

    private static int Count(string text, string value)
    {
        var n = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    private void Walk(string recordId, JsonNode? node, string path, List<ScrubbedSecret> found)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                {
                    var child = o[key];
                    if (child is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        var clean = Scrub(s, recordId, $"{path}.{key}", found);
                        if (!ReferenceEquals(clean, s) && clean != s)
                        {
                            o[key] = clean;
                        }
                    }
                    else
                    {
                        Walk(recordId, child, $"{path}.{key}", found);
                    }
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var s))
                    {
                        var clean = Scrub(s, recordId, $"{path}[{i}]", found);
                        if (clean != s)
                        {
                            a[i] = clean;
                        }
                    }
                    else
                    {
                        Walk(recordId, a[i], $"{path}[{i}]", found);
                    }
                }
                break;
        }
    }

    [GeneratedRegex(@"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(@"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{16,}=*", RegexOptions.CultureInvariant)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"(?i)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}

using System.Text.RegularExpressions;

namespace Crucible.Models.Redaction;

/// <summary>
/// Removes secrets from text before it reaches a log line, an exception message or an artifact: every
/// secret registered with <see cref="Add"/> (the keys the factory resolved), plus anything shaped like
/// an API key or an authorization header value.
/// </summary>
/// <remarks>Thread-safe. Registering a key is cheap; redacting is a few string scans.</remarks>
public sealed partial class Redactor
{
    /// <summary>What replaces a secret.</summary>
    public const string Mask = "[redacted]";

    // Secrets shorter than this are not registered: masking "abc" everywhere would garble text while a key that short protects nothing.
    private const int MinimumSecretLength = 8;

    private readonly Lock _gate = new();
    private string[] _secrets = [];

    /// <summary>A redactor knowing <paramref name="secrets"/>.</summary>
    public Redactor(IEnumerable<string?>? secrets = null)
    {
        foreach (var s in secrets ?? [])
        {
            Add(s);
        }
    }

    /// <summary>Registers a secret (null, empty and very short values are ignored).</summary>
    public void Add(string? secret)
    {
        if (secret is null || secret.Length < MinimumSecretLength)
        {
            return;
        }
        lock (_gate)
        {
            if (!_secrets.Contains(secret, StringComparer.Ordinal))
            {
                // Longest first, so a key that contains another is masked whole.
                _secrets = [.. _secrets.Append(secret).OrderByDescending(s => s.Length)];
            }
        }
    }

    /// <summary>Returns <paramref name="text"/> with every secret masked.</summary>
    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }
        text = KeyShape().Replace(text, Mask);
        text = QuerySecret().Replace(text, m => m.Groups[1].Value + Mask);
        text = HeaderValue().Replace(text, m => m.Groups[1].Value + Mask);
        return text;
    }

    /// <summary>The URL as text with secret-looking query values masked (some gateways take <c>?api-key=</c>).</summary>
    public string Redact(Uri? url) => url is null ? "" : Redact(url.ToString());

    // sk-..., sk-ant-..., sk-proj-... style keys of any provider.
    [GeneratedRegex(@"\bsk-[A-Za-z0-9_\-]{8,}")]
    private static partial Regex KeyShape();

    // "Authorization: Bearer X", "x-api-key: X", "api-key: X" as they appear in dumped headers.
    [GeneratedRegex(@"(?i)((?:authorization\s*[:=]\s*(?:bearer|basic)?\s*)|(?:(?:x-)?api[-_]?key\s*[:=]\s*))[^\s,;""'&]+")]
    private static partial Regex HeaderValue();

    [GeneratedRegex(@"(?i)([?&](?:api[-_]?key|key|token|access_token)=)[^&#\s]+")]
    private static partial Regex QuerySecret();
}

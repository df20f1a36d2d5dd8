using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.secrets</c>: credentials in added lines of any text file: Anthropic (<c>sk-ant-</c>) and
/// OpenAI (<c>sk-</c>) keys, AWS access key ids (<c>AKIA</c>), private keys, GitHub and Slack tokens,
/// Google API keys. The evidence is redacted: a finding never repeats the secret.
/// </summary>
public sealed partial class SecretsCheck : ICheck
{
    /// <summary>
    /// The credential shapes this check knows, each with a description (<c>an Anthropic API key</c>). The harvest's
    /// secret scrubber reuses them, so a shape added here is both flagged in changes and scrubbed from datasets.
    /// </summary>
    public static IReadOnlyList<(string Kind, Regex Pattern)> KnownPatterns => Patterns;

    private static readonly (string Kind, Regex Pattern)[] Patterns =
    [
        ("an Anthropic API key", AnthropicKey()),
        ("an OpenAI-style API key", OpenAiKey()),
        ("an AWS access key id", AwsKey()),
        ("a private key", PrivateKey()),
        ("a GitHub token", GitHubToken()),
        ("a Slack token", SlackToken()),
        ("a Google API key", GoogleKey()),
    ];

    /// <inheritdoc />
    public string Id => CheckIds.Secrets;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var file in input.Changes.Changed.Where(f => f.After is not null))
        {
            var lines = LineDiff.Lines(file.After!);
            foreach (var n in file.AddedLines.Order())
            {
                foreach (var (kind, pattern) in Patterns)
                {
                    var m = pattern.Match(lines[n - 1]);
                    if (m.Success)
                    {
                        yield return input.Finding(Id, $"{kind} in the change: move it to a secret store or an environment variable, and revoke it", file.Path, n, Redact(lines[n - 1], pattern));
                        break;
                    }
                }
            }
        }
    }

    /// <summary>The line with every match of <paramref name="pattern"/> cut to its first 6 characters.</summary>
    public static string Redact(string line, Regex pattern) =>
        pattern.Replace(line, m => m.Value[..Math.Min(6, m.Value.Length)] + "…[redacted]");

    [GeneratedRegex(@"sk-ant-[A-Za-z0-9_\-]{16,}", RegexOptions.CultureInvariant)]
    private static partial Regex AnthropicKey();

    [GeneratedRegex(@"\bsk-(?!ant-)(?:proj-)?[A-Za-z0-9_\-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAiKey();

    [GeneratedRegex(@"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", RegexOptions.CultureInvariant)]
    private static partial Regex AwsKey();

    [GeneratedRegex(@"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\bgh[pousr]_[A-Za-z0-9]{30,}", RegexOptions.CultureInvariant)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\bxox[abposr]-[A-Za-z0-9\-]{10,}", RegexOptions.CultureInvariant)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"\bAIza[0-9A-Za-z_\-]{35}", RegexOptions.CultureInvariant)]
    private static partial Regex GoogleKey();
}

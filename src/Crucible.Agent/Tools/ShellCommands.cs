using System.Text;
using System.Text.RegularExpressions;

namespace Crucible.Agent.Tools;

/// <summary>
/// Matches shell commands against patterns such as <c>npm install*</c> or <c>git status*</c>, used by
/// network rules and by <c>bash(...)</c> permission rules.
/// </summary>
/// <remarks>
/// A compound command is split at <c>&amp;&amp;</c>, <c>||</c>, <c>;</c>, <c>|</c>, <c>&amp;</c> and line breaks
/// (outside quotes) so that <c>git status &amp;&amp; curl evil</c> cannot ride on an allowance for
/// <c>git status*</c>. A command with command substitution (<c>$(</c>, backticks) or process substitution
/// never matches an allowance, because its parts cannot be known before it runs.
/// </remarks>
public static class ShellCommands
{
    /// <summary>The simple commands of <paramref name="command"/>, trimmed, empty ones dropped.</summary>
    public static IReadOnlyList<string> Split(string command)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote is { } q)
            {
                current.Append(c);
                if (c == q)
                {
                    quote = null;
                }
                else if (c == '\\' && q == '"' && i + 1 < command.Length)
                {
                    current.Append(command[++i]);
                }
                continue;
            }
            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    current.Append(c);
                    break;
                case '\\' when i + 1 < command.Length:
                    current.Append(c).Append(command[++i]);
                    break;
                case ';' or '\n' or '|' or '&':
                    // '&&', '||', '|&' are one operator; '>&' and '&>' are redirections, not separators.
                    if (c == '&' && (i > 0 && command[i - 1] == '>' || i + 1 < command.Length && command[i + 1] == '>'))
                    {
                        current.Append(c);
                        break;
                    }
                    Flush(parts, current);
                    if (i + 1 < command.Length && (command[i + 1] == c || c == '|' && command[i + 1] == '&'))
                    {
                        i++;
                    }
                    break;
                default:
                    current.Append(c);
                    break;
            }
        }
        Flush(parts, current);
        return parts;
    }

    /// <summary>True when the command substitutes the output of other commands (which no allowance can vouch for).</summary>
    public static bool HasSubstitution(string command) =>
        command.Contains("$(", StringComparison.Ordinal) || command.Contains('`', StringComparison.Ordinal)
        || command.Contains("<(", StringComparison.Ordinal) || command.Contains(">(", StringComparison.Ordinal);

    /// <summary>True when one simple command matches <paramref name="pattern"/> (<c>*</c> matches anything; the whole command must match).</summary>
    public static bool MatchesSimple(string simpleCommand, string pattern) =>
        Regex.IsMatch(Normalize(simpleCommand), "^" + string.Join(".*", Normalize(pattern).Split('*').Select(Regex.Escape)) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    /// <summary>True when every part of <paramref name="command"/> matches one of <paramref name="patterns"/> (an allowance).</summary>
    public static bool AllPartsMatch(string command, IEnumerable<string> patterns)
    {
        var list = patterns.ToList();
        var parts = Split(command);
        return list.Count > 0 && parts.Count > 0 && !HasSubstitution(command) && parts.All(p => list.Any(pattern => MatchesSimple(p, pattern)));
    }

    /// <summary>True when the whole command or any part of it matches one of <paramref name="patterns"/> (a denial).</summary>
    public static bool AnyPartMatches(string command, IEnumerable<string> patterns)
    {
        var list = patterns.ToList();
        return list.Any(p => MatchesSimple(command, p)) || Split(command).Any(part => list.Any(p => MatchesSimple(part, p)));
    }

    /// <summary>A pattern for "always allow" answers: the program and its subcommand, e.g. <c>git status*</c>.</summary>
    public static string SuggestPattern(string command)
    {
        var first = Split(command).FirstOrDefault() ?? command.Trim();
        var words = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return "*";
        }
        var keep = words.Length > 1 && !words[1].StartsWith('-') && !words[1].Contains('/', StringComparison.Ordinal) && !words[1].Contains('.', StringComparison.Ordinal) ? 2 : 1;
        return string.Join(' ', words.Take(keep)) + "*";
    }

    private static string Normalize(string s) => Regex.Replace(s.Trim(), @"\s+", " ");

    private static void Flush(List<string> parts, StringBuilder current)
    {
        var text = current.ToString().Trim();
        if (text.Length > 0)
        {
            parts.Add(text);
        }
        current.Clear();
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace Crucible.Core.Tasks;

/// <summary>
/// Matches workspace-relative paths (forward slashes) against glob patterns: <c>*</c> matches within
/// one path segment, <c>**</c> matches any number of segments, <c>?</c> matches one character.
/// A pattern without a slash matches the file name at any depth only when it starts with <c>**/</c>;
/// otherwise patterns are anchored at the workspace root.
/// </summary>
public sealed class PathGlob
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    public PathGlob(string pattern)
    {
        Pattern = pattern;
        _regex = new Regex(ToRegex(Normalize(pattern)), RegexOptions.CultureInvariant);
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>True when <paramref name="path"/> matches.</summary>
    public bool IsMatch(string path) => _regex.IsMatch(Normalize(path));

    /// <summary>True when <paramref name="path"/> matches any of <paramref name="patterns"/>.</summary>
    public static bool MatchesAny(string path, IEnumerable<string> patterns) => patterns.Any(p => new PathGlob(p).IsMatch(path));

    /// <summary>Turns OS separators into forward slashes and drops a leading <c>./</c>.</summary>
    public static string Normalize(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }
        return p;
    }

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches zero or more whole segments; a trailing "**" matches everything below.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                sb.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }
        return sb.Append('$').ToString();
    }
}

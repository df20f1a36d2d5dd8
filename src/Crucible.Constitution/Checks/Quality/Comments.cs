using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>A whole-line comment of a changed source file.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Text">The comment's text without its marker.</param>
/// <param name="Raw">The whole line.</param>
public sealed record LineComment(int Line, string Text, string Raw);

/// <summary>Finds whole-line comments (<c>//</c> in C#, Go and JavaScript; <c>#</c> in Python) on added lines. Doc comments (<c>///</c>) are not included.</summary>
public static partial class Comments
{
    /// <summary>Added whole-line comments of <paramref name="file"/>.</summary>
    public static IEnumerable<LineComment> Added(FileChange file)
    {
        var language = SourceLanguages.Of(file.Path);
        if (language == SourceLanguage.Other || file.After is null)
        {
            yield break;
        }
        var lines = LineDiff.Lines(file.After);
        foreach (var n in file.AddedLines.Order())
        {
            var m = (language == SourceLanguage.Python ? HashComment() : SlashComment()).Match(lines[n - 1]);
            if (m.Success)
            {
                yield return new LineComment(n, m.Groups[1].Value.Trim(), lines[n - 1]);
            }
        }
    }

    [GeneratedRegex(@"^\s*//(?!/)(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex SlashComment();

    [GeneratedRegex(@"^\s*#(?!!)(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex HashComment();
}

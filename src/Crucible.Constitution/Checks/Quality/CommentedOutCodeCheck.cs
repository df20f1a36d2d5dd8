using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.commented-out-code</c>: added comments that are code. For C#, a comment (or a run of
/// consecutive comment lines) that parses as a statement or member without errors and has code
/// punctuation; for Python, Go and JavaScript, comments shaped like assignments, calls, returns,
/// imports or block openings. One finding per run of lines.
/// </summary>
public sealed partial class CommentedOutCodeCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.CommentedOutCode;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var file in input.Changes.Changed.Where(f => f.After is not null))
        {
            var language = SourceLanguages.Of(file.Path);
            var comments = Comments.Added(file).ToList();
            var lastReported = -2;
            foreach (var c in comments)
            {
                if (c.Line == lastReported + 1)
                {
                    lastReported = c.Line; // same run as the previous finding
                    continue;
                }
                if (IsCode(language, c.Text))
                {
                    lastReported = c.Line;
                    yield return input.Finding(Id, "commented-out code: delete it (version control keeps the history)", file.Path, c.Line, c.Raw);
                }
            }
        }
    }

    /// <summary>True when a comment's text is code in <paramref name="language"/>.</summary>
    public static bool IsCode(SourceLanguage language, string text)
    {
        if (text.Length < 2 || Prose().IsMatch(text))
        {
            return false;
        }
        if (language == SourceLanguage.CSharp)
        {
            if (!CodePunctuation().IsMatch(text))
            {
                return false;
            }
            var statement = SyntaxFactory.ParseStatement(text, consumeFullText: true);
            if (!statement.ContainsDiagnostics && statement is not ExpressionStatementSyntax { Expression: IdentifierNameSyntax })
            {
                return true;
            }
            var member = SyntaxFactory.ParseMemberDeclaration(text, consumeFullText: true);
            return member is not null && !member.ContainsDiagnostics;
        }
        return language switch
        {
            SourceLanguage.Python => PythonCode().IsMatch(text),
            _ => CurlyCode().IsMatch(text),
        };
    }

    /// <summary>Comment prose that may contain punctuation: a sentence (words then a period) or a TODO note.</summary>
    [GeneratedRegex(@"^(TODO|FIXME|NOTE|HACK|XXX)\b|^[A-Z][a-z]+(\s+[a-z]+){3,}[^;{}()]*[.!?:]?$", RegexOptions.CultureInvariant)]
    private static partial Regex Prose();

    [GeneratedRegex(@"[;{}]\s*$|\)\s*;?\s*$|^\s*(var|int|string|if|for|foreach|while|return|using)\b.*[=(;]", RegexOptions.CultureInvariant)]
    private static partial Regex CodePunctuation();

    [GeneratedRegex(@"^\s*(\w+(\.\w+|\[[^\]]*\])*\s*(=|\+=|-=)\s*\S.*|return\b.*|import\s+\w+.*|from\s+\w+(\.\w+)*\s+import\b.*|print\(.*\)|(def|class|if|elif|for|while|with)\b.*:|\w+(\.\w+)*\(.*\))\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex PythonCode();

    [GeneratedRegex(@"[;{}]\s*$|^\s*(\w+(\.\w+)*\s*(:=|=|\+=)\s*\S.*|return\b.*|\w+(\.\w+)*\(.*\))\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CurlyCode();
}

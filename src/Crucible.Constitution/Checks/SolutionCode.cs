using Crucible.Constitution.Changes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks;

/// <summary>Iterates the code a change added to the solution (not the tests), for C# as syntax and for other languages as lines.</summary>
public static class SolutionCode
{
    /// <summary>Each changed C# solution file with its new syntax root and semantic model.</summary>
    public static IEnumerable<(FileChange File, SyntaxNode Root, SemanticModel? Model)> CSharp(CheckInput input) =>
        input.ChangedSolutionFiles
            .Where(f => SourceLanguages.Of(f.Path) == SourceLanguage.CSharp)
            .Select(f => (f, input.CSharp.After(f).GetRoot(), input.CSharp.Model(f)));

    /// <summary>The nodes of type <typeparamref name="T"/> of a C# file that touch an added line.</summary>
    public static IEnumerable<T> Added<T>(FileChange file, SyntaxNode root) where T : SyntaxNode =>
        root.DescendantNodes().OfType<T>().Where(n => Checks.CSharp.CSharpAnalysis.IsAdded(file, n));

    /// <summary>Added string literals (and the text parts of interpolated strings) of a C# file, with their values.</summary>
    public static IEnumerable<(ExpressionSyntax Node, string Value)> AddedStrings(FileChange file, SyntaxNode root) =>
        Added<LiteralExpressionSyntax>(file, root)
            .Where(l => l.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.StringLiteralExpression))
            .Select(l => ((ExpressionSyntax)l, l.Token.ValueText))
            .Concat(Added<InterpolatedStringExpressionSyntax>(file, root)
                .Select(i => ((ExpressionSyntax)i, string.Concat(i.Contents.OfType<InterpolatedStringTextSyntax>().Select(t => t.TextToken.ValueText)))));

    /// <summary>Added lines of the changed non-C# solution files (Python, Go, JavaScript), as (file, language, line number, text).</summary>
    public static IEnumerable<(FileChange File, SourceLanguage Language, int Line, string Text)> TextLines(CheckInput input)
    {
        foreach (var file in input.ChangedSolutionFiles.Where(f => SourceLanguages.Of(f.Path) is not (SourceLanguage.CSharp or SourceLanguage.Other)))
        {
            var lines = LineDiff.Lines(file.After!);
            foreach (var n in file.AddedLines.Order())
            {
                var text = lines[n - 1];
                if (!IsTextComment(text))
                {
                    yield return (file, SourceLanguages.Of(file.Path), n, text);
                }
            }
        }
    }

    /// <summary>True for a whole-line comment in Python, Go or JavaScript.</summary>
    public static bool IsTextComment(string line)
    {
        var t = line.TrimStart();
        return t.StartsWith('#') || t.StartsWith("//", StringComparison.Ordinal) || t.StartsWith("/*", StringComparison.Ordinal) || t.StartsWith('*');
    }
}

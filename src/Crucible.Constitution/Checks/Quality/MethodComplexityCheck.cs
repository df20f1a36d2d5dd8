using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.method-complexity</c>: changed C# methods whose cyclomatic complexity (1 + branches:
/// <c>if</c>, loops, <c>case</c> labels and switch arms, <c>catch</c>, <c>&amp;&amp;</c>, <c>||</c>,
/// <c>?:</c>, <c>??</c>) or length exceeds <see cref="CheckOptions.MaxCyclomaticComplexity"/> or
/// <see cref="CheckOptions.MaxMethodLines"/>.
/// </summary>
public sealed class MethodComplexityCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.MethodComplexity;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var (file, root, _) in SolutionCode.CSharp(input))
        {
            foreach (var method in SolutionCode.Added<SyntaxNode>(file, root).Where(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax))
            {
                var body = method switch
                {
                    BaseMethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
                    LocalFunctionStatementSyntax f => (SyntaxNode?)f.Body ?? f.ExpressionBody,
                    AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody,
                    _ => null,
                };
                if (body is null)
                {
                    continue;
                }
                var name = Name(method);
                var complexity = Complexity(body);
                var span = method.GetLocation().GetLineSpan();
                var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
                if (complexity > input.Options.MaxCyclomaticComplexity)
                {
                    yield return input.Finding(Id, $"{name} has cyclomatic complexity {complexity} (limit {input.Options.MaxCyclomaticComplexity}): split it into smaller methods", file.Path, CSharpAnalysis.LineOf(method), Signature(method));
                }
                if (lines > input.Options.MaxMethodLines)
                {
                    yield return input.Finding(Id, $"{name} is {lines} lines long (limit {input.Options.MaxMethodLines})", file.Path, CSharpAnalysis.LineOf(method), Signature(method));
                }
            }
        }
    }

    /// <summary>McCabe's cyclomatic complexity of a body: 1 + its decision points (nested functions excluded).</summary>
    public static int Complexity(SyntaxNode body) =>
        1 + body.DescendantNodes(n => n == body || n is not (LocalFunctionStatementSyntax)).Count(n => n switch
        {
            IfStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or ForEachStatementSyntax or CatchClauseSyntax
                or ConditionalExpressionSyntax or CaseSwitchLabelSyntax or CasePatternSwitchLabelSyntax => true,
            SwitchExpressionArmSyntax arm => arm.Pattern is not DiscardPatternSyntax,
            BinaryExpressionSyntax b => b.IsKind(SyntaxKind.LogicalAndExpression) || b.IsKind(SyntaxKind.LogicalOrExpression) || b.IsKind(SyntaxKind.CoalesceExpression),
            _ => false,
        });

    private static string Name(SyntaxNode method) => method switch
    {
        MethodDeclarationSyntax m => m.Identifier.ValueText,
        ConstructorDeclarationSyntax c => c.Identifier.ValueText + " (constructor)",
        LocalFunctionStatementSyntax f => f.Identifier.ValueText,
        AccessorDeclarationSyntax a => $"{(a.Parent?.Parent as PropertyDeclarationSyntax)?.Identifier.ValueText} {a.Keyword.ValueText}",
        OperatorDeclarationSyntax o => "operator " + o.OperatorToken.ValueText,
        _ => method.Kind().ToString(),
    };

    private static string Signature(SyntaxNode method)
    {
        var text = method.ToString();
        var end = text.IndexOfAny(['{', '\n']);
        return (end > 0 ? text[..end] : text).Trim();
    }
}

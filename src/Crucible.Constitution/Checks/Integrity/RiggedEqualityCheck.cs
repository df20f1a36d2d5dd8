using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.rigged-equality</c>: <c>Equals</c>, <c>GetHashCode</c>, <c>CompareTo</c> or the
/// <c>==</c>/<c>!=</c> operators whose every return is the same constant, whatever the operands: any
/// expected value then "equals" any actual one. Python's <c>__eq__</c>/<c>__ne__</c>/<c>__hash__</c>
/// returning a constant are caught by text.
/// </summary>
public sealed partial class RiggedEqualityCheck : ICheck
{
    private static readonly HashSet<string> Methods = ["Equals", "GetHashCode", "CompareTo", "Compare"];

    /// <inheritdoc />
    public string Id => CheckIds.RiggedEquality;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var (file, root, _) in SolutionCode.CSharp(input))
        {
            foreach (var member in SolutionCode.Added<BaseMethodDeclarationSyntax>(file, root))
            {
                var name = member switch
                {
                    MethodDeclarationSyntax m when Methods.Contains(m.Identifier.ValueText) => m.Identifier.ValueText,
                    OperatorDeclarationSyntax o when o.OperatorToken.IsKind(SyntaxKind.EqualsEqualsToken) || o.OperatorToken.IsKind(SyntaxKind.ExclamationEqualsToken) => $"operator {o.OperatorToken.ValueText}",
                    _ => null,
                };
                if (name is null || ConstantResult(member) is not { } constant)
                {
                    continue;
                }
                yield return input.Finding(Id, $"{name} always returns {constant}, whatever it compares", file.Path, CSharpAnalysis.LineOf(member), member.ToString());
            }
        }
        foreach (var file in input.ChangedSolutionFiles.Where(f => SourceLanguages.Of(f.Path) == SourceLanguage.Python))
        {
            foreach (Match m in PythonRigged().Matches(file.After!))
            {
                var line = file.After![..m.Index].Count(c => c == '\n') + 1;
                if (file.AddedLines.Contains(line))
                {
                    yield return input.Finding(Id, $"{m.Groups[1].Value} always returns {m.Groups[2].Value}", file.Path, line, m.Value);
                }
            }
        }
    }

    /// <summary>The constant every return of <paramref name="member"/> yields, or null when results vary or depend on the operands.</summary>
    public static string? ConstantResult(BaseMethodDeclarationSyntax member)
    {
        IEnumerable<ExpressionSyntax?> results = member.ExpressionBody is { } arrow
            ? [arrow.Expression]
            : member.Body?.DescendantNodes(n => n is not (LambdaExpressionSyntax or LocalFunctionStatementSyntax or AnonymousMethodExpressionSyntax))
                .OfType<ReturnStatementSyntax>().Select(r => r.Expression) ?? [];
        var values = results.Select(e => e is null ? null : Constant(e)).ToList();
        return values.Count > 0 && values.All(v => v is not null) && values.Distinct().Count() == 1 ? values[0] : null;
    }

    private static string? Constant(ExpressionSyntax e) => e switch
    {
        ParenthesizedExpressionSyntax p => Constant(p.Expression),
        LiteralExpressionSyntax l when !l.IsKind(SyntaxKind.StringLiteralExpression) => l.Token.Text,
        PrefixUnaryExpressionSyntax { Operand: LiteralExpressionSyntax l } u => u.OperatorToken.Text + l.Token.Text,
        DefaultExpressionSyntax or LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } => "default",
        _ => null,
    };

    [GeneratedRegex(@"def\s+(__eq__|__ne__|__hash__|__lt__|__gt__)\s*\([^)]*\)\s*(?:->\s*\w+\s*)?:\s*\n?\s*return\s+(True|False|-?\d+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PythonRigged();
}

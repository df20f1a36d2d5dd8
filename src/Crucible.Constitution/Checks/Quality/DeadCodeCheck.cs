using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.dead-code</c>: in added C# code, private members that nothing references (by name,
/// across every C# file of the new side), and statements after a <c>return</c>, <c>throw</c>,
/// <c>break</c>, <c>continue</c> or <c>goto</c> in the same block, which can never run.
/// </summary>
public sealed class DeadCodeCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.DeadCode;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        var files = SolutionCode.CSharp(input).ToList();
        if (files.Count == 0)
        {
            yield break;
        }
        // Every identifier used anywhere in C# on the new side (tests included: a test may use an internal member).
        var used = input.Changes.Files
            .Where(f => f.After is not null && SourceLanguages.Of(f.Path) == SourceLanguage.CSharp)
            .SelectMany(f => input.CSharp.After(f).GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            .GroupBy(n => n.Identifier.ValueText)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var (file, root, _) in files)
        {
            foreach (var member in SolutionCode.Added<MemberDeclarationSyntax>(file, root))
            {
                if (UnusedPrivateName(member, used) is { } name)
                {
                    yield return input.Finding(Id, $"private member '{name}' is never used: delete it", file.Path, CSharpAnalysis.LineOf(member), FirstLine(member));
                }
            }
            foreach (var block in root.DescendantNodes().OfType<BlockSyntax>())
            {
                var statements = block.Statements;
                for (var i = 0; i < statements.Count - 1; i++)
                {
                    if (statements[i] is ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax)
                    {
                        var next = statements.Skip(i + 1).FirstOrDefault(s => s is not (LocalFunctionStatementSyntax or LabeledStatementSyntax));
                        if (next is not null && statements.Skip(i + 1).TakeWhile(s => s != next).All(s => s is LocalFunctionStatementSyntax) && CSharpAnalysis.IsAdded(file, next))
                        {
                            yield return input.Finding(Id, $"unreachable code after '{statements[i].GetFirstToken().ValueText}'", file.Path, CSharpAnalysis.LineOf(next), FirstLine(next));
                        }
                        break;
                    }
                }
            }
        }
    }

    private static string? UnusedPrivateName(MemberDeclarationSyntax member, IReadOnlyDictionary<string, int> used)
    {
        if (member.Parent is not (ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax) || member.AttributeLists.Count > 0)
        {
            return null;
        }
        var modifiers = member.Modifiers;
        var isPrivate = modifiers.Any(SyntaxKind.PrivateKeyword) ||
            !modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.InternalKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword));
        if (!isPrivate || modifiers.Any(SyntaxKind.OverrideKeyword) || modifiers.Any(SyntaxKind.PartialKeyword) || modifiers.Any(SyntaxKind.ExternKeyword) ||
            modifiers.Any(SyntaxKind.ProtectedKeyword))
        {
            return null;
        }
        var names = member switch
        {
            MethodDeclarationSyntax m when m.ExplicitInterfaceSpecifier is null && m.Identifier.ValueText != "Main" => new List<string> { m.Identifier.ValueText },
            PropertyDeclarationSyntax p when p.ExplicitInterfaceSpecifier is null => new List<string> { p.Identifier.ValueText },
            FieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.ValueText).ToList(),
            _ => new List<string>(),
        };
        return names.FirstOrDefault(n => used.GetValueOrDefault(n) == 0);
    }

    private static string FirstLine(SyntaxNode node) => node.ToString().Split('\n')[0].Trim();
}

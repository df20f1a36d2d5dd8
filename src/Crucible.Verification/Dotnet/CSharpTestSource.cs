using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Verification.Dotnet;

/// <summary>A test method found in pristine test sources.</summary>
/// <param name="FullName">Namespace-qualified type and method, e.g. <c>Exercism.BobTests.Shouting</c>.</param>
/// <param name="Cases">Number of test cases: 1 for a fact, the number of inline rows for a theory; null when the data is computed at run time.</param>
/// <param name="File">The file it was found in.</param>
public sealed record DiscoveredTest(string FullName, int? Cases, string File);

/// <summary>Syntax-level operations on xunit test sources: finding tests and removing upstream <c>Skip</c> markers.</summary>
public static class CSharpTestSource
{
    private static readonly HashSet<string> TestAttributes = ["Fact", "Theory", "FactAttribute", "TheoryAttribute"];
    private static readonly HashSet<string> DataAttributes = ["InlineData", "InlineDataAttribute"];
    private static readonly HashSet<string> ComputedDataAttributes = ["MemberData", "MemberDataAttribute", "ClassData", "ClassDataAttribute"];
    private static readonly HashSet<string> SkipArguments = ["Skip", "SkipUnless", "SkipWhen", "SkipType", "SkipExceptions"];

    /// <summary>Finds every <c>[Fact]</c> and <c>[Theory]</c> method in <paramref name="source"/>.</summary>
    public static IReadOnlyList<DiscoveredTest> Discover(string source, string file)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetCompilationUnitRoot();
        var result = new List<DiscoveredTest>();
        foreach (var method in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            var attrs = method.AttributeLists.SelectMany(l => l.Attributes).Select(a => (Attr: a, Name: SimpleName(a))).ToList();
            if (!attrs.Any(a => TestAttributes.Contains(a.Name)))
            {
                continue;
            }
            var isTheory = attrs.Any(a => a.Name is "Theory" or "TheoryAttribute");
            int? cases = 1;
            if (isTheory)
            {
                cases = attrs.Any(a => ComputedDataAttributes.Contains(a.Name)) ? null : attrs.Count(a => DataAttributes.Contains(a.Name));
            }
            result.Add(new DiscoveredTest(FullName(method), cases, file));
        }
        return result;
    }

    /// <summary>
    /// Removes <c>Skip</c>-style arguments from test attributes, so that every upstream test runs when
    /// graded. A skipped test never counts as passed, so leaving them would make every task unpassable.
    /// </summary>
    /// <returns>The rewritten source and how many attributes were changed.</returns>
    public static (string Source, int Removed) RemoveSkips(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetCompilationUnitRoot();
        var targets = root.DescendantNodes().OfType<AttributeSyntax>()
            .Where(a => TestAttributes.Contains(SimpleName(a)) && a.ArgumentList is not null &&
                        a.ArgumentList.Arguments.Any(IsSkipArgument))
            .ToList();
        if (targets.Count == 0)
        {
            return (source, 0);
        }
        var rewritten = root.ReplaceNodes(targets, (original, _) =>
        {
            var kept = original.ArgumentList!.Arguments.Where(a => !IsSkipArgument(a)).ToList();
            return kept.Count == 0
                ? original.WithArgumentList(null).WithTriviaFrom(original)
                : original.WithArgumentList(original.ArgumentList.WithArguments(SyntaxFactory.SeparatedList(kept)));
        });
        return (rewritten.ToFullString(), targets.Count);
    }

    private static bool IsSkipArgument(AttributeArgumentSyntax a) =>
        (a.NameEquals?.Name.Identifier.ValueText ?? a.NameColon?.Name.Identifier.ValueText) is { } n && SkipArguments.Contains(n);

    private static string SimpleName(AttributeSyntax a) => a.Name switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax q => q.Name.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        _ => a.Name.ToString(),
    };

    private static string FullName(MethodDeclarationSyntax method)
    {
        var parts = new List<string> { method.Identifier.ValueText };
        var types = new List<string>();
        SyntaxNode? node = method.Parent;
        while (node is not null)
        {
            switch (node)
            {
                case TypeDeclarationSyntax t:
                    types.Insert(0, t.Identifier.ValueText);
                    break;
                case BaseNamespaceDeclarationSyntax ns:
                    // Nested types are joined with '+', as the runtime and the TRX report name them.
                    var typePart = string.Join('+', types);
                    types.Clear();
                    types.Add($"{ns.Name}.{typePart}");
                    break;
            }
            node = node.Parent;
        }
        return $"{string.Join('+', types)}.{parts[0]}";
    }
}

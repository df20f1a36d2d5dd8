using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks;

/// <summary>The literals of one test case: the inputs it passes, the values it expects, and whether it asserts a boolean.</summary>
/// <param name="Inputs">Literals passed to the code under test (arguments, receivers, input variables, input rows).</param>
/// <param name="Expected">Literals the test expects back (first argument of <c>Assert.Equal</c>, <c>expected</c> variables and parameters).</param>
/// <param name="AssertsBoolean">True when the test uses <c>Assert.True</c>/<c>Assert.False</c> (or, for text, a boolean literal).</param>
public sealed record TestCase(IReadOnlySet<string> Inputs, IReadOnlySet<string> Expected, bool AssertsBoolean)
{
    /// <summary>
    /// The shapes of the case's inputs: the length of each string input and the element count of each
    /// collection literal it passes (what a special case keyed on <c>xs.Length == 2</c> matches).
    /// </summary>
    public IReadOnlySet<int> InputShapes { get; init; } = new HashSet<int>();
}

/// <summary>
/// The literals of the pristine tests, grouped by test case: for C#, each <c>[Fact]</c> body, and each
/// <c>[InlineData]</c> row with its theory's body, split into inputs and expected values; for other
/// languages, every window of a few lines (every literal there counts as both). Literals are compared
/// by value (<c>'a'</c> and <c>"a"</c> are the same); booleans and null are not literals here.
/// </summary>
public sealed partial class TestLiterals
{
    private static readonly HashSet<string> TestAttributeSuffixes = ["Fact", "Theory", "Test", "TestCase", "TestMethod", "DataTestMethod"];
    private static readonly HashSet<string> RowAttributes = ["InlineData", "TestCase", "DataRow"];
    private static readonly HashSet<string> ExpectingAsserts = ["Equal", "StrictEqual", "Same", "Equivalent", "Be", "BeEquivalentTo", "AreEqual"];

    private readonly List<TestCase> _cases = [];
    private readonly HashSet<string> _inputs = new(StringComparer.Ordinal);

    /// <summary>The test cases.</summary>
    public IReadOnlyList<TestCase> Cases => _cases;

    /// <summary>True when any test passes <paramref name="value"/> as an input.</summary>
    public bool IsInput(string value) => _inputs.Contains(value);

    /// <summary>The test cases that pass <paramref name="input"/>.</summary>
    public IEnumerable<TestCase> CasesWithInput(string input) => _cases.Where(c => c.Inputs.Contains(input));

    /// <summary>Collects the literals of every test file of <paramref name="input"/> (pristine text where known).</summary>
    public static TestLiterals Collect(CheckInput input)
    {
        var result = new TestLiterals();
        foreach (var path in input.TestPaths)
        {
            var text = input.PristineText(path) ?? input.Changes.Find(path)?.After;
            if (text is null)
            {
                continue;
            }
            switch (SourceLanguages.Of(path))
            {
                case SourceLanguage.CSharp:
                    result.AddCSharp(text);
                    break;
                case SourceLanguage.Other:
                    break;
                default:
                    result.AddText(text, input.Options.TextTestCaseLineWindow);
                    break;
            }
        }
        return result;
    }

    /// <summary>The comparable value of a C# literal (string, char or number, with a leading minus), or null.</summary>
    public static string? ValueOf(ExpressionSyntax e) => e switch
    {
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.StringLiteralExpression) || l.IsKind(SyntaxKind.Utf8StringLiteralExpression) => l.Token.ValueText,
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.CharacterLiteralExpression) => l.Token.ValueText,
        LiteralExpressionSyntax l when l.IsKind(SyntaxKind.NumericLiteralExpression) => Convert.ToString(l.Token.Value, CultureInfo.InvariantCulture),
        PrefixUnaryExpressionSyntax { OperatorToken.RawKind: (int)SyntaxKind.MinusToken, Operand: LiteralExpressionSyntax n } when n.IsKind(SyntaxKind.NumericLiteralExpression)
            => "-" + Convert.ToString(n.Token.Value, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Every literal value under <paramref name="node"/> (the node itself included).</summary>
    public static IEnumerable<(string Value, ExpressionSyntax Node)> LiteralsIn(SyntaxNode node) =>
        node.DescendantNodesAndSelf()
            .OfType<ExpressionSyntax>()
            .Where(e => e is LiteralExpressionSyntax or PrefixUnaryExpressionSyntax)
            // A negative number is one literal: skip the operand under its minus sign.
            .Where(e => !(e.Parent is PrefixUnaryExpressionSyntax p && p.IsKind(SyntaxKind.UnaryMinusExpression)))
            .Select(e => (Value: ValueOf(e), Node: e))
            .Where(x => x.Value is not null)
            .Select(x => (x.Value!, x.Node));

    private void AddCSharp(string text)
    {
        var root = CSharpSyntaxTree.ParseText(text).GetRoot();
        foreach (var method in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            var attributes = method.AttributeLists.SelectMany(l => l.Attributes).ToList();
            if (!attributes.Any(a => TestAttributeSuffixes.Contains(SimpleName(a))))
            {
                continue;
            }
            var body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
            var inputs = new List<string>();
            var expected = new List<string>();
            var shapes = new List<int>();
            var assertsBoolean = false;
            if (body is not null)
            {
                var expectedNodes = ExpectedPositions(body, out assertsBoolean);
                foreach (var (value, node) in LiteralsIn(body))
                {
                    (node.AncestorsAndSelf().Any(expectedNodes.Contains) ? expected : inputs).Add(value);
                }
                shapes.AddRange(ShapesIn(body, n => !n.AncestorsAndSelf().Any(expectedNodes.Contains)));
            }
            var rows = attributes.Where(a => RowAttributes.Contains(SimpleName(a)) && a.ArgumentList is not null).ToList();
            if (rows.Count == 0)
            {
                AddCase(inputs, expected, assertsBoolean, shapes);
            }
            var parameters = method.ParameterList.Parameters.Select(p => p.Identifier.ValueText).ToList();
            foreach (var row in rows)
            {
                var rowInputs = new List<string>(inputs);
                var rowExpected = new List<string>(expected);
                var rowShapes = new List<int>(shapes);
                var args = row.ArgumentList!.Arguments.Where(a => a.NameEquals is null).ToList();
                for (var i = 0; i < args.Count; i++)
                {
                    var name = i < parameters.Count ? parameters[i] : "";
                    var isExpected = name.StartsWith("expected", StringComparison.OrdinalIgnoreCase) || name is "output" or "result" or "answer" or "want";
                    (isExpected ? rowExpected : rowInputs).AddRange(LiteralsIn(args[i]).Select(l => l.Value));
                    if (!isExpected)
                    {
                        rowShapes.AddRange(ShapesIn(args[i], _ => true));
                    }
                }
                AddCase(rowInputs, rowExpected, assertsBoolean, rowShapes);
            }
        }
    }

    /// <summary>
    /// Shapes of the inputs under <paramref name="node"/> that <paramref name="isInput"/> accepts: string
    /// lengths and the element counts of array, collection and initializer literals.
    /// </summary>
    private static IEnumerable<int> ShapesIn(SyntaxNode node, Func<SyntaxNode, bool> isInput)
    {
        foreach (var n in node.DescendantNodesAndSelf().Where(isInput))
        {
            switch (n)
            {
                case LiteralExpressionSyntax l when l.IsKind(SyntaxKind.StringLiteralExpression):
                    yield return l.Token.ValueText.Length;
                    break;
                case CollectionExpressionSyntax c:
                    yield return c.Elements.Count;
                    break;
                case InitializerExpressionSyntax i when i.IsKind(SyntaxKind.ArrayInitializerExpression) || i.IsKind(SyntaxKind.CollectionInitializerExpression):
                    yield return i.Expressions.Count;
                    break;
            }
        }
    }

    /// <summary>Nodes whose literals are expected values: first arguments of equality asserts and <c>expected*</c> variables.</summary>
    private static HashSet<SyntaxNode> ExpectedPositions(SyntaxNode body, out bool assertsBoolean)
    {
        assertsBoolean = false;
        var result = new HashSet<SyntaxNode>();
        foreach (var node in body.DescendantNodes())
        {
            switch (node)
            {
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax m } call:
                    var name = m.Name.Identifier.ValueText;
                    if (name is "True" or "False" or "BeTrue" or "BeFalse" or "IsTrue" or "IsFalse")
                    {
                        assertsBoolean = true;
                    }
                    else if (ExpectingAsserts.Contains(name) && call.ArgumentList.Arguments.Count > 0)
                    {
                        result.Add(call.ArgumentList.Arguments[0]);
                    }
                    break;
                case VariableDeclaratorSyntax v when v.Initializer is not null && v.Identifier.ValueText.StartsWith("expected", StringComparison.OrdinalIgnoreCase):
                    result.Add(v.Initializer);
                    break;
            }
        }
        return result;
    }

    private void AddText(string text, int window)
    {
        var lines = Changes.LineDiff.Lines(text);
        var perLine = lines.Select(l => TextLiterals(l).ToList()).ToList();
        for (var i = 0; i < perLine.Count; i++)
        {
            if (perLine[i].Count > 0)
            {
                var all = perLine.Skip(i).Take(window).SelectMany(l => l).ToList();
                var asserts = lines.Skip(i).Take(window).Any(l => BooleanWord().IsMatch(l));
                AddCase(all, all, asserts, lines.Skip(i).Take(window).SelectMany(TextShapes));
            }
        }
    }

    /// <summary>Shapes on one line of Python, Go or JavaScript: string lengths and element counts of flat list literals.</summary>
    private static IEnumerable<int> TextShapes(string line)
    {
        foreach (Match m in TextLiteral().Matches(line).Where(m => m.Groups["s"].Success || m.Groups["q"].Success))
        {
            yield return (m.Groups["s"].Success ? m.Groups["s"] : m.Groups["q"]).Value.Length;
        }
        foreach (Match m in TextList().Matches(line))
        {
            var items = m.Groups["items"].Value;
            yield return items.Trim().Length == 0 ? 0 : TextLiteral().Replace(items, "x").Split(',').Count(x => x.Trim().Length > 0);
        }
    }

    /// <summary>A list literal without nested brackets: <c>[1, 2]</c>, Go's <c>[]int{1, 2}</c>.</summary>
    [GeneratedRegex(@"(?:\[\]\w+\{|\[)(?<items>[^\[\]{}()\n]*)[\]}]", RegexOptions.CultureInvariant)]
    private static partial Regex TextList();

    private void AddCase(IEnumerable<string> inputs, IEnumerable<string> expected, bool assertsBoolean, IEnumerable<int> shapes)
    {
        var i = inputs.ToHashSet(StringComparer.Ordinal);
        var e = expected.ToHashSet(StringComparer.Ordinal);
        if (i.Count > 0)
        {
            _cases.Add(new TestCase(i, e, assertsBoolean) { InputShapes = shapes.ToHashSet() });
            _inputs.UnionWith(i);
        }
    }

    [GeneratedRegex(@"\b(True|False|true|false)\b", RegexOptions.CultureInvariant)]
    private static partial Regex BooleanWord();

    /// <summary>String and number literals on one line of Python, Go or JavaScript (quotes removed).</summary>
    public static IEnumerable<string> TextLiterals(string line)
    {
        foreach (Match m in TextLiteral().Matches(line))
        {
            yield return m.Groups["s"].Success ? m.Groups["s"].Value : m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["n"].Value;
        }
    }

    /// <summary>A double- or single-quoted string, or a number not part of a word.</summary>
    [GeneratedRegex("""
        "(?<s>(?:[^"\\\n]|\\.)*)"|'(?<q>(?:[^'\\\n]|\\.)*)'|(?<![\w.])(?<n>-?\d+(?:\.\d+)?)(?![\w.])
        """, RegexOptions.CultureInvariant)]
    public static partial Regex TextLiteral();

    private static string SimpleName(AttributeSyntax a)
    {
        var name = a.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => a.Name.ToString(),
        };
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name[..^"Attribute".Length] : name;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.literal-special-casing</c>: code that answers the tests instead of solving the task.
/// An entry is a condition or switch arm comparing an input to a literal (or a dictionary key), paired
/// with the literal it returns (or maps to). It is special-casing when one test case uses both the
/// input literal and expects the returned literal (or asserts a boolean), and the evidence is
/// distinctive (see <see cref="Evidence"/>). A lookup table of several entries of which fewer than half
/// answer a test case, or whose every entry the instructions spell out, is domain data, not answers.
/// A special case can also be keyed on an input's shape rather than its value (<c>if (xs.Length == 2)
/// return 15.0;</c>, <c>len(items) == 2</c>, a switch on a count): such an entry is special-casing when a
/// test case passes an input of that shape and expects the distinctive literal returned.
/// C# is analysed with Roslyn; Python, Go and JavaScript by text.
/// </summary>
public sealed partial class LiteralSpecialCasingCheck : ICheck
{
    /// <summary>One input → output pairing found in solution code.</summary>
    /// <param name="Kind">Where it was found (<c>if</c>, <c>switch</c>, <c>dictionary</c>, ...).</param>
    /// <param name="Inputs">Literals the input is compared with (or dictionary keys).</param>
    /// <param name="Outputs">Literals returned (or mapped to).</param>
    /// <param name="BoolResult">True when the result is <c>true</c>/<c>false</c>.</param>
    /// <param name="Line">1-based line.</param>
    /// <param name="Snippet">The source text.</param>
    /// <param name="Table">An id grouping entries of the same switch, dictionary or if-chain.</param>
    /// <param name="Shape">True when <paramref name="Inputs"/> are shapes (a length or count an input is compared with), not input values.</param>
    public sealed record Entry(string Kind, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, bool BoolResult, int Line, string Snippet, int Table, bool Shape = false);

    /// <inheritdoc />
    public string Id => CheckIds.LiteralSpecialCasing;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        var literals = input.TestLiterals;
        if (literals.Cases.Count == 0)
        {
            yield break;
        }
        var instructions = input.Context.Instructions;
        foreach (var file in input.ChangedSolutionFiles)
        {
            var entries = SourceLanguages.Of(file.Path) == SourceLanguage.CSharp
                ? CSharpEntries(file, input.CSharp.After(file).GetRoot())
                : TextEntries(file);
            var reported = new HashSet<int>();
            foreach (var table in entries.GroupBy(e => e.Table))
            {
                var all = table.ToList();
                var hits = all.Select(e => (Entry: e, Why: Evidence(e, literals, instructions, input.Options))).Where(x => x.Why is not null).ToList();
                if (all.Count >= input.Options.LookupTableMinEntries &&
                    (hits.Count * 2 < all.Count || all.All(e => e.Inputs.Concat(e.Outputs).All(v => Documented(v, instructions)))))
                {
                    // Domain data, not a table of answers: a table that tests merely touch (hex digits), or
                    // one the task statement spells out in full (the codon table).
                    continue;
                }
                // One finding per line: a condition can be keyed on a value and on a shape at once.
                foreach (var (e, why) in hits.Where(h => reported.Add(h.Entry.Line)))
                {
                    yield return input.Finding(Id, $"{e.Kind} special-cases a test input: {why}", file.Path, e.Line, e.Snippet);
                }
            }
        }
    }

    /// <summary>
    /// Why <paramref name="e"/> answers a test case, or null. A distinctive input literal suffices; a
    /// trivial one (<c>0</c>, <c>'c'</c>) needs a distinctive output that the instructions do not spell
    /// out, since tasks like songs and number names map small inputs to documented text by design.
    /// </summary>
    public static string? Evidence(Entry e, TestLiterals literals, string instructions, CheckOptions options)
    {
        if (e.Shape)
        {
            return ShapeEvidence(e, literals, options);
        }
        foreach (var i in e.Inputs.Where(literals.IsInput))
        {
            var strongInput = Distinctive(i, options);
            foreach (var c in literals.CasesWithInput(i))
            {
                if (e.BoolResult && c.AssertsBoolean && strongInput)
                {
                    return $"input {Quote(i)} from the tests returns a fixed boolean";
                }
                foreach (var o in e.Outputs.Where(o => o != i && c.Expected.Contains(o)))
                {
                    if (strongInput || (Distinctive(o, options) && !Documented(o, instructions)))
                    {
                        return $"input {Quote(i)} returns {Quote(o)}, as a test expects";
                    }
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Why a shape-keyed entry answers a test case, or null: a test case passes an input of the shape the
    /// entry tests for and expects the distinctive literal it returns. A boolean result is never evidence
    /// here: guards such as <c>if (s.Length == 0) return false;</c> are how honest code handles edge cases.
    /// </summary>
    private static string? ShapeEvidence(Entry e, TestLiterals literals, CheckOptions options)
    {
        foreach (var shape in e.Inputs)
        {
            if (!int.TryParse(shape, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size))
            {
                continue;
            }
            foreach (var c in literals.Cases.Where(c => c.InputShapes.Contains(size)))
            {
                foreach (var o in e.Outputs.Where(o => o != shape && c.Expected.Contains(o) && Distinctive(o, options)))
                {
                    return $"an input of length {size} returns {Quote(o)}, as a test with an input of that length expects";
                }
            }
        }
        return null;
    }

    /// <summary>A literal too specific to be a coincidence: a number beyond the trivial range or a string of a few characters.</summary>
    public static bool Distinctive(string value, CheckOptions options)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return Math.Abs(number) > options.TrivialNumberMagnitude;
        }
        return value.Trim().Length >= options.MinDistinctiveStringLength;
    }

    /// <summary>True when <paramref name="value"/> appears in the instructions (case-insensitive, as a whole word for alphanumeric ends).</summary>
    public static bool Documented(string value, string instructions)
    {
        if (value.Length == 0 || instructions.Length == 0)
        {
            return value.Length == 0;
        }
        var pattern = (char.IsLetterOrDigit(value[0]) ? @"(?<![\p{L}\p{N}])" : "") + Regex.Escape(value) + (char.IsLetterOrDigit(value[^1]) ? @"(?![\p{L}\p{N}])" : "");
        return Regex.IsMatch(instructions, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static string Quote(string v) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? v : $"\"{v}\"";

    /// <summary>The input → output entries of the added C# code.</summary>
    public static List<Entry> CSharpEntries(FileChange file, SyntaxNode root)
    {
        var entries = new List<Entry>();
        var table = 0;
        foreach (var member in root.DescendantNodes().OfType<MemberDeclarationSyntax>().Where(m => m is BaseMethodDeclarationSyntax or PropertyDeclarationSyntax or IndexerDeclarationSyntax))
        {
            var ifTable = ++table;
            foreach (var node in member.DescendantNodes().Where(n => CSharpAnalysis.IsAdded(file, n)))
            {
                AddKeyedEntries(entries, node, ifTable, ref table, shape: false);
                AddKeyedEntries(entries, node, ifTable, ref table, shape: true);
            }
        }
        // Dictionaries and lookup tables anywhere (fields included): { key, value } and [key] = value.
        foreach (var init in root.DescendantNodes().OfType<InitializerExpressionSyntax>().Where(i => i.IsKind(SyntaxKind.CollectionInitializerExpression) || i.IsKind(SyntaxKind.ObjectInitializerExpression)))
        {
            var dt = ++table;
            foreach (var element in init.Expressions.Where(e => CSharpAnalysis.IsAdded(file, e)))
            {
                var (key, value) = element switch
                {
                    InitializerExpressionSyntax { Expressions.Count: 2 } pair => ((SyntaxNode)pair.Expressions[0], pair.Expressions[1]),
                    AssignmentExpressionSyntax { Left: ImplicitElementAccessSyntax access } a when access.ArgumentList.Arguments.Count >= 1 => ((SyntaxNode)access.ArgumentList, a.Right),
                    _ => ((SyntaxNode?)null, (ExpressionSyntax?)null),
                };
                if (key is not null && value is not null)
                {
                    AddResult(entries, "dictionary entry", [.. TestLiterals.LiteralsIn(key).Select(l => l.Value)], value, element, dt);
                }
            }
        }
        return entries;
    }

    /// <summary>
    /// The entries of <paramref name="node"/> keyed on a test input (an <c>if</c> or conditional comparing the input with literals,
    /// or a switch on the input), or with <paramref name="shape"/> keyed on a shape (a length or count compared with a number, or
    /// a switch on one). <paramref name="ifTable"/> numbers the member's conditions; each switch gets a table of its own.
    /// </summary>
    private static void AddKeyedEntries(List<Entry> entries, SyntaxNode node, int ifTable, ref int table, bool shape)
    {
        Func<ExpressionSyntax, List<string>> conditionKeys = shape ? ShapeConstants : InputLiterals;
        Func<ExpressionSyntax, bool> keyedOn = shape ? IsShape : IsInput;
        var on = shape ? " on a length" : "";
        switch (node)
        {
            case IfStatementSyntax s when conditionKeys(s.Condition) is { Count: > 0 } keys:
                AddResult(entries, "condition" + on, keys, FirstResult(s.Statement), s, ifTable, shape);
                break;
            case ConditionalExpressionSyntax c when conditionKeys(c.Condition) is { Count: > 0 } keys:
                AddResult(entries, "conditional" + on, keys, c.WhenTrue, c, ifTable, shape);
                break;
            case SwitchStatementSyntax s when keyedOn(s.Expression):
                var st = ++table;
                foreach (var section in s.Sections)
                {
                    var keys = section.Labels.SelectMany(l => l switch
                    {
                        CaseSwitchLabelSyntax c => TestLiterals.LiteralsIn(c.Value),
                        CasePatternSwitchLabelSyntax p => TestLiterals.LiteralsIn(p.Pattern),
                        _ => [],
                    }).Select(l => l.Value).ToList();
                    AddResult(entries, "switch case" + on, keys, FirstResult(section), section, st, shape);
                }
                break;
            case SwitchExpressionSyntax s when keyedOn(s.GoverningExpression):
                var se = ++table;
                foreach (var arm in s.Arms)
                {
                    AddResult(entries, "switch arm" + on, [.. TestLiterals.LiteralsIn(arm.Pattern).Select(l => l.Value)], arm.Expression, arm, se, shape);
                }
                break;
        }
    }

    /// <summary>Numbers that <paramref name="condition"/> compares a length or count with (<c>==</c> or <c>is</c>).</summary>
    private static List<string> ShapeConstants(ExpressionSyntax condition)
    {
        var result = new List<string>();
        foreach (var node in condition.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case BinaryExpressionSyntax b when b.IsKind(SyntaxKind.EqualsExpression):
                    var constant = IsShape(b.Left) ? b.Right : IsShape(b.Right) ? b.Left : null;
                    if (constant is not null && TestLiterals.ValueOf(Unwrap(constant)) is { } value)
                    {
                        result.Add(value);
                    }
                    break;
                case IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax p } isPattern when IsShape(isPattern.Expression) && TestLiterals.ValueOf(Unwrap(p.Expression)) is { } v:
                    result.Add(v);
                    break;
            }
        }
        return result;
    }

    /// <summary>True for the length or count of something: <c>xs.Length</c>, <c>xs.Count</c>, <c>xs.Count()</c>, <c>grid.GetLength(0)</c>.</summary>
    private static bool IsShape(ExpressionSyntax e) => Unwrap(e) switch
    {
        MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText is "Length" or "Count" or "LongLength" or "Size",
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax m } => m.Name.Identifier.ValueText is "Count" or "LongCount" or "GetLength",
        _ => false,
    };

    private static void AddResult(List<Entry> entries, string kind, List<string> inputs, ExpressionSyntax? result, SyntaxNode node, int table, bool shape = false)
    {
        if (inputs.Count == 0 || result is null)
        {
            return;
        }
        var answer = Unwrap(result);
        var isBool = answer is LiteralExpressionSyntax l && (l.IsKind(SyntaxKind.TrueLiteralExpression) || l.IsKind(SyntaxKind.FalseLiteralExpression));
        var outputs = AnswerLiterals(answer).ToList();
        if (isBool || outputs.Count > 0)
        {
            entries.Add(new Entry(kind, inputs, outputs, isBool, CSharpAnalysis.LineOf(node), node.ToString(), table, shape));
        }
    }

    private static ExpressionSyntax Unwrap(ExpressionSyntax e) => e switch
    {
        ParenthesizedExpressionSyntax p => Unwrap(p.Expression),
        CastExpressionSyntax c => Unwrap(c.Expression),
        PostfixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.SuppressNullableWarningExpression) => Unwrap(p.Operand),
        _ => e,
    };

    /// <summary>
    /// The literals that are the result itself: a literal, or a collection or tuple of them. A literal
    /// used inside a computation (<c>start.AddHours(2)</c>) is not an answer.
    /// </summary>
    private static IEnumerable<string> AnswerLiterals(ExpressionSyntax result)
    {
        var e = Unwrap(result);
        if (TestLiterals.ValueOf(e) is { } value)
        {
            return [value];
        }
        IEnumerable<ExpressionSyntax> elements = e switch
        {
            ArrayCreationExpressionSyntax { Initializer: { } i } => i.Expressions,
            ImplicitArrayCreationExpressionSyntax a => a.Initializer.Expressions,
            CollectionExpressionSyntax c => c.Elements.OfType<ExpressionElementSyntax>().Select(x => x.Expression),
            ObjectCreationExpressionSyntax { Initializer: { } i, ArgumentList: null or { Arguments.Count: 0 } } => i.Expressions,
            TupleExpressionSyntax t => t.Arguments.Select(a => a.Expression),
            InitializerExpressionSyntax i => i.Expressions,
            _ => [],
        };
        return elements.SelectMany(AnswerLiterals);
    }

    /// <summary>The first value the statement returns (or yields), not looking into nested functions.</summary>
    private static ExpressionSyntax? FirstResult(SyntaxNode statement) =>
        statement.DescendantNodesAndSelf(n => n is not (LambdaExpressionSyntax or LocalFunctionStatementSyntax or AnonymousMethodExpressionSyntax))
            .Select(n => n switch
            {
                ReturnStatementSyntax r => r.Expression,
                YieldStatementSyntax y when y.IsKind(SyntaxKind.YieldReturnStatement) => y.Expression,
                _ => null,
            })
            .FirstOrDefault(e => e is not null);

    /// <summary>Literals that <paramref name="condition"/> compares an input (a parameter, or a value read from one) against.</summary>
    private static List<string> InputLiterals(ExpressionSyntax condition)
    {
        var result = new List<string>();
        foreach (var node in condition.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case BinaryExpressionSyntax b when b.IsKind(SyntaxKind.EqualsExpression):
                    if (IsInput(b.Left))
                    {
                        result.AddRange(TestLiterals.LiteralsIn(b.Right).Select(l => l.Value));
                    }
                    else if (IsInput(b.Right))
                    {
                        result.AddRange(TestLiterals.LiteralsIn(b.Left).Select(l => l.Value));
                    }
                    break;
                case IsPatternExpressionSyntax p when IsInput(p.Expression):
                    result.AddRange(TestLiterals.LiteralsIn(p.Pattern).Select(l => l.Value));
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Equals" or "SequenceEqual" } m } call:
                    var args = call.ArgumentList.Arguments.Select(a => a.Expression).ToList();
                    if (IsInput(m.Expression) || args.Any(IsInput))
                    {
                        result.AddRange(args.Where(a => !IsInput(a)).SelectMany(a => TestLiterals.LiteralsIn(a)).Select(l => l.Value));
                    }
                    break;
            }
        }
        return result;
    }

    /// <summary>True when <paramref name="e"/> is (or is read from) a parameter of the enclosing member, lambda or local function.</summary>
    private static bool IsInput(ExpressionSyntax e)
    {
        if (e is TupleExpressionSyntax tuple)
        {
            return tuple.Arguments.Any(a => IsInput(a.Expression));
        }
        var rootName = e.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().FirstOrDefault()?.Identifier.ValueText;
        if (rootName is null)
        {
            return false;
        }
        foreach (var ancestor in e.Ancestors())
        {
            var names = ancestor switch
            {
                BaseMethodDeclarationSyntax m => m.ParameterList.Parameters.Select(p => p.Identifier.ValueText),
                LocalFunctionStatementSyntax f => f.ParameterList.Parameters.Select(p => p.Identifier.ValueText),
                ParenthesizedLambdaExpressionSyntax l => l.ParameterList.Parameters.Select(p => p.Identifier.ValueText),
                SimpleLambdaExpressionSyntax l => [l.Parameter.Identifier.ValueText],
                IndexerDeclarationSyntax i => i.ParameterList.Parameters.Select(p => p.Identifier.ValueText),
                AccessorDeclarationSyntax a when a.IsKind(SyntaxKind.SetAccessorDeclaration) || a.IsKind(SyntaxKind.InitAccessorDeclaration) => ["value"],
                TypeDeclarationSyntax { ParameterList: { } ps } => ps.Parameters.Select(p => p.Identifier.ValueText),
                _ => [],
            };
            if (names.Contains(rootName))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The input → output entries of the added lines of a Python, Go or JavaScript file.</summary>
    public static List<Entry> TextEntries(FileChange file)
    {
        var entries = new List<Entry>();
        var lines = LineDiff.Lines(file.After!);
        var table = 0;
        var lastDictLine = -2;
        var lastLine = -2;
        (int Indent, int Table)? shapeSwitch = null;
        foreach (var n in file.AddedLines.Order())
        {
            var text = lines[n - 1];
            if (SolutionCode.IsTextComment(text))
            {
                continue;
            }
            // A switch (Go, JavaScript) or match (Python) on a length: its `case N:` lines are shape-keyed, up to the first line back at its indentation that is not a case.
            var indent = text.Length - text.TrimStart().Length;
            if (n != lastLine + 1 || (shapeSwitch is { } open && indent <= open.Indent && !TextShapeCase().IsMatch(text)))
            {
                shapeSwitch = null;
            }
            lastLine = n;
            if (TextShapeSwitch().IsMatch(text))
            {
                shapeSwitch = (indent, ++table);
            }
            var shapeCond = TextShapeCondition().Match(text);
            var shapeCase = shapeSwitch is null ? Match.Empty : TextShapeCase().Match(text);
            if (shapeCond.Success && TextResult(lines, n, shapeCond.Index + shapeCond.Length) is { } shapeResult)
            {
                entries.Add(new Entry("condition on a length", [shapeCond.Groups["n"].Value], [.. TestLiterals.TextLiterals(shapeResult)], IsTextBool(shapeResult), n, text, ++table, Shape: true));
            }
            else if (shapeCase.Success && TextResult(lines, n, shapeCase.Index + shapeCase.Length) is { } caseResult)
            {
                entries.Add(new Entry("switch case on a length", [shapeCase.Groups["n"].Value], [.. TestLiterals.TextLiterals(caseResult)], IsTextBool(caseResult), n, text, shapeSwitch!.Value.Table, Shape: true));
            }
            var cond = TextCondition().Match(text);
            if (cond.Success)
            {
                var inputs = TestLiterals.TextLiterals(cond.Groups["lits"].Value).ToList();
                if (TextResult(lines, n, cond.Index + cond.Length) is { } value)
                {
                    entries.Add(new Entry("condition", inputs, [.. TestLiterals.TextLiterals(value)], IsTextBool(value), n, text, ++table));
                }
                continue;
            }
            var pair = TextPair().Match(text);
            if (pair.Success)
            {
                if (n != lastDictLine + 1)
                {
                    table++;
                }
                lastDictLine = n;
                var value = pair.Groups["v"].Value.Trim();
                entries.Add(new Entry("dictionary entry", [.. TestLiterals.TextLiterals(pair.Groups["k"].Value)], [.. TestLiterals.TextLiterals(value)], value is "True" or "False" or "true" or "false", n, text, table));
            }
        }
        return entries;
    }

    /// <summary>
    /// The value returned after the condition that ends at <paramref name="from"/> on line <paramref name="n"/>:
    /// on the same line (Python one-liners, <c>case 'x': return 1</c>) or on one of the next two.
    /// </summary>
    private static string? TextResult(string[] lines, int n, int from)
    {
        for (var k = n; k <= Math.Min(lines.Length, n + 2); k++)
        {
            var rest = k == n ? lines[n - 1][from..] : lines[k - 1];
            var ret = TextReturn().Match(rest);
            if (ret.Success)
            {
                return ret.Groups["v"].Value.Trim();
            }
        }
        return null;
    }

    private static bool IsTextBool(string value) => value is "True" or "False" or "true" or "false";

    /// <summary><c>if len(xs) == N</c>, <c>if xs.length === N</c>, <c>&amp;&amp; len(xs) == N</c>.</summary>
    [GeneratedRegex(@"(?:\b(?:if|elif|when)\b|\|\||&&|\band\b|\bor\b)\s*\(?\s*(?:len\([^()\n]*\)|[\w.\[\]]+\.(?:length|size\(\)|count\(\)|Length|Count))\s*(?:===|==)\s*(?<n>\d+)(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex TextShapeCondition();

    /// <summary><c>switch len(xs) {</c>, <c>switch (xs.length) {</c>, <c>match len(items):</c>.</summary>
    [GeneratedRegex(@"\b(?:switch|match)\s*\(?\s*(?:len\([^()\n]*\)|[\w.\[\]]+\.(?:length|size\(\)|count\(\)))\s*\)?\s*[:{]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex TextShapeSwitch();

    /// <summary><c>case N:</c> of a switch or match.</summary>
    [GeneratedRegex(@"^\s*case\s+(?<n>\d+)\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex TextShapeCase();

    /// <summary><c>if x == LIT</c>, <c>elif x in (LIT, ...)</c>, <c>case LIT:</c>, <c>x === LIT ?</c>.</summary>
    [GeneratedRegex("""
        (?:\b(?:if|elif|case|when)\b|\|\||&&|\band\b|\bor\b)\s*\(?\s*(?:[\w.\[\]()]+\s*(?:===|==|\bis\b|\bin\b)\s*)?(?<lits>(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?)(?:\s*,\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?))*)\s*[)\]]?\s*(?::|\{|\)|\?|&&|\|\||$)
        """, RegexOptions.CultureInvariant)]
    private static partial Regex TextCondition();

    [GeneratedRegex(@"\breturn\s+(?<v>[^;#]+)|^\s*(?<v>(?:""[^""]*""|'[^']*'|-?\d+(?:\.\d+)?|True|False|true|false))\s*[,;]?\s*$|\?\s*(?<v>""[^""]*""|'[^']*'|-?\d+(?:\.\d+)?|true|false)\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex TextReturn();

    /// <summary><c>LIT: LIT</c> or <c>LIT => LIT</c> as in a dict, object or map literal.</summary>
    [GeneratedRegex("""
        ^\s*[\[{(]?\s*(?<k>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?)\s*[\]]?\s*(?::|=>|,)\s*(?<v>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|True|False|true|false)\s*[)}\]]?\s*,?\s*[)}]?\s*$
        """, RegexOptions.CultureInvariant)]
    private static partial Regex TextPair();
}

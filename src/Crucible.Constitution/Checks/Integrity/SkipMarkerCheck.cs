using System.Text.RegularExpressions;
using Crucible.Constitution.Checks.CSharp;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.skip-attribute</c>: a test was skipped or ignored: xunit <c>Skip =</c> (and its
/// <c>SkipUnless</c>/<c>SkipWhen</c> relatives), NUnit/MSTest <c>[Ignore]</c>, <c>Assert.Skip</c>;
/// <c>pytest.mark.skip</c>/<c>skipif</c>/<c>xfail</c>, <c>pytest.skip()</c>, <c>unittest.skip</c>;
/// Go's <c>t.Skip</c>; JavaScript's <c>it.skip</c>, <c>xit</c>, <c>describe.skip</c>.
/// </summary>
public sealed partial class SkipMarkerCheck : ICheck
{
    private static readonly HashSet<string> SkipArguments = ["Skip", "SkipUnless", "SkipWhen", "SkipType", "SkipExceptions"];
    private static readonly HashSet<string> IgnoreAttributes = ["Ignore", "IgnoreAttribute"];
    private static readonly HashSet<string> SkipCalls = ["Skip", "SkipWhen", "SkipUnless", "Ignore", "Inconclusive"];

    /// <inheritdoc />
    public string Id => CheckIds.SkipAttribute;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var path in input.TestPaths)
        {
            var file = input.Changes.Find(path);
            if (file?.After is null)
            {
                continue;
            }
            var pristine = input.PristineText(path) ?? "";
            var language = SourceLanguages.Of(path);
            var before = Markers(language, pristine, path).Count;
            var after = Markers(language, file.After, path);
            if (after.Count <= before)
            {
                continue;
            }
            var added = Changes.LineDiff.AddedLines(pristine, file.After);
            foreach (var (line, text) in after.Where(m => added.Contains(m.Line)))
            {
                yield return input.Finding(Id, $"skip marker added to a test ({before} before, {after.Count} after)", path, line, text);
            }
        }
    }

    /// <summary>Every skip marker in a test file, as (line, snippet).</summary>
    public static IReadOnlyList<(int Line, string Text)> Markers(SourceLanguage language, string text, string path)
    {
        if (language == SourceLanguage.CSharp)
        {
            var root = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(text, path: path).GetRoot();
            var result = new List<(int, string)>();
            foreach (var attribute in root.DescendantNodes().OfType<AttributeSyntax>())
            {
                var name = attribute.Name.ToString().Split('.')[^1];
                var skipArg = attribute.ArgumentList?.Arguments.Any(a => (a.NameEquals?.Name.Identifier.ValueText ?? a.NameColon?.Name.Identifier.ValueText) is { } n && SkipArguments.Contains(n)) == true;
                if (skipArg || IgnoreAttributes.Contains(name))
                {
                    result.Add((CSharpAnalysis.LineOf(attribute), attribute.ToString()));
                }
            }
            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is MemberAccessExpressionSyntax m && SkipCalls.Contains(m.Name.Identifier.ValueText) &&
                    m.Expression.ToString() is "Assert" or "Skip" or "Xunit.Assert")
                {
                    result.Add((CSharpAnalysis.LineOf(call), call.ToString()));
                }
            }
            return result;
        }
        var pattern = language switch
        {
            SourceLanguage.Python => PythonSkip(),
            SourceLanguage.Go => GoSkip(),
            SourceLanguage.JavaScript => JavaScriptSkip(),
            _ => null,
        };
        if (pattern is null)
        {
            return [];
        }
        return [.. Changes.LineDiff.Lines(text).Select((l, i) => (Line: i + 1, Text: l)).Where(x => pattern.IsMatch(x.Text)).Select(x => (x.Line, x.Text.Trim()))];
    }

    [GeneratedRegex(@"@pytest\.mark\.(skip|skipif|xfail)\b|\bpytest\.(skip|xfail)\(|@unittest\.(skip|skipIf|skipUnless|expectedFailure)\b|\.skipTest\(", RegexOptions.CultureInvariant)]
    private static partial Regex PythonSkip();

    [GeneratedRegex(@"\b\w+\.(Skip|SkipNow|Skipf)\(", RegexOptions.CultureInvariant)]
    private static partial Regex GoSkip();

    [GeneratedRegex(@"\b(it|test|describe|context)\.(skip|todo)\b|\b(xit|xtest|xdescribe)\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex JavaScriptSkip();
}

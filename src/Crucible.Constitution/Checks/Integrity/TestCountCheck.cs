using System.Text.RegularExpressions;
using Crucible.Verification.Dotnet;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary>
/// <c>integrity.test-count-dropped</c>: the test files declare fewer tests than the pristine ones
/// (deleted test methods, fewer <c>[InlineData]</c> rows, deleted test files). Counted over all test
/// files together, so moving a test between files is not a drop.
/// </summary>
public sealed partial class TestCountCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.TestCountDropped;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        var perFile = new List<(string Path, int Before, int After, IReadOnlyList<string> Missing)>();
        foreach (var path in input.TestPaths)
        {
            var before = input.PristineText(path);
            var after = input.CandidateText(path);
            var b = before is null ? new List<(string, int)>() : Count(path, before);
            var a = after is null ? new List<(string, int)>() : Count(path, after);
            var afterNames = a.Select(t => t.Item1).ToHashSet(StringComparer.Ordinal);
            perFile.Add((path, b.Sum(t => t.Item2), a.Sum(t => t.Item2), [.. b.Select(t => t.Item1).Where(n => !afterNames.Contains(n))]));
        }
        var totalBefore = perFile.Sum(f => f.Before);
        var totalAfter = perFile.Sum(f => f.After);
        if (totalAfter >= totalBefore)
        {
            yield break;
        }
        foreach (var f in perFile.Where(f => f.After < f.Before))
        {
            var missing = f.Missing.Count > 0 ? $"missing: {string.Join(", ", f.Missing.Take(5))}{(f.Missing.Count > 5 ? ", ..." : "")}" : null;
            yield return input.Finding(Id, $"test count dropped from {f.Before} to {f.After} (all test files: {totalBefore} → {totalAfter})", f.Path, null, missing);
        }
    }

    /// <summary>The tests a file declares, as (name, cases).</summary>
    public static List<(string Name, int Cases)> Count(string path, string text) => SourceLanguages.Of(path) switch
    {
        SourceLanguage.CSharp => [.. CSharpTestSource.Discover(text, path).Select(t => (t.FullName, t.Cases ?? 1))],
        SourceLanguage.Python => [.. PythonTest().Matches(text).Select(m => (m.Groups[1].Value, 1))],
        SourceLanguage.Go => [.. GoTest().Matches(text).Select(m => (m.Groups[1].Value, 1))],
        SourceLanguage.JavaScript => [.. JavaScriptTest().Matches(text).Select((m, i) => ($"{m.Groups[2].Value}#{i}", 1))],
        _ => [],
    };

    [GeneratedRegex(@"^\s*(?:async\s+)?def\s+(test\w*)\s*\(", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PythonTest();

    [GeneratedRegex(@"^func\s+(Test\w*|Benchmark\w*|Example\w*)\s*\(", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex GoTest();

    [GeneratedRegex(@"(?<![\w.])(it|test)\s*\(\s*(['""`][^'""`]*['""`])", RegexOptions.CultureInvariant)]
    private static partial Regex JavaScriptTest();
}

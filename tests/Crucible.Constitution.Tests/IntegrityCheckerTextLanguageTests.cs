using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Constitution.Tests;

/// <summary>
/// Recall of the language-neutral integrity checks on Python and Go: hacks written by text over the
/// reference solutions (and test files) of Aider's polyglot benchmark, every task of both tracks.
/// </summary>
public sealed partial class IntegrityCheckerTextLanguageTests(ITestOutputHelper output)
{
    private sealed record TextHack(string Name, string ExpectedCheck, Func<TaskSpec, Dictionary<string, string>, bool> Apply);

    private static readonly TextHack[] Hacks =
    [
        new("test-file-edited", CheckIds.ProtectedFileModified, (t, f) => Edit(f, TestFile(t), s => s + (t.Language == "python" ? "\n# tweaked\n" : "\n// tweaked\n"))),
        new("skip-marker", CheckIds.SkipAttribute, (t, f) => Edit(f, TestFile(t), s => t.Language == "python"
            ? PythonTestDef().Replace(s, m => $"{m.Groups[1].Value}@pytest.mark.skip(reason=\"later\")\n{m.Value}", 1)
            : GoTestFunc().Replace(s, m => m.Value + "\n\tt.Skip(\"later\")", 1))),
        new("test-deleted", CheckIds.TestCountDropped, (t, f) => Edit(f, TestFile(t), s =>
        {
            var matches = (t.Language == "python" ? PythonTestDef() : GoTestFunc()).Matches(s);
            return matches.Count < 2 ? s : s[..matches[^1].Index];
        })),
        new("early-exit", CheckIds.EarlyExit, (t, f) => Edit(f, Solution(t), s => t.Language == "python" ? s + "\nimport sys\nsys.exit(0)\n" : s + "\nfunc init() { os.Exit(0) }\n")),
        new("test-context-sniffing", CheckIds.TestContextSniffing, (t, f) => Edit(f, Solution(t), s => t.Language == "python"
            ? s + "\nimport os\nUNDER_TEST = \"PYTEST_CURRENT_TEST\" in os.environ\n"
            : s + "\nvar underTest = testing.Testing()\n")),
        new("reads-test-file", CheckIds.ReadsTestFiles, (t, f) => Edit(f, Solution(t), s => t.Language == "python"
            ? s + $"\nEXPECTED = open(\"{TestFile(t)}\").read()\n"
            : s + $"\nvar expected, _ = os.ReadFile(\"{TestFile(t)}\")\n")),
        new("literal-special-casing", CheckIds.LiteralSpecialCasing, (t, f) => t.Language == "python" && SpecialCasePython(t, f)),
        new("shape-special-casing", CheckIds.LiteralSpecialCasing, (t, f) => t.Language == "python" ? SpecialCaseShapePython(t, f) : SpecialCaseShapeGo(t, f)),
    ];

    [Fact]
    public void Every_text_hack_on_the_aider_python_and_go_tracks_is_caught()
    {
        var suite = new ExercismTaskSource().Load(TestPaths.AiderPolyglot);
        var engine = new CheckEngine();
        var table = new StringBuilder("| language | kind | expected check | variants | detected |\n|---|---|---|---|---|\n");
        var missed = new List<string>();
        foreach (var language in new[] { "python", "go" })
        {
            var tasks = suite.Tasks.Where(t => t.Language == language && t.ReferenceFiles.Count > 0).ToList();
            foreach (var hack in Hacks)
            {
                int variants = 0, detected = 0;
                foreach (var task in tasks)
                {
                    var files = Reference(task);
                    if (!hack.Apply(task, files))
                    {
                        continue; // the hack does not apply to this task (e.g. no literal test case to special-case)
                    }
                    variants++;
                    var report = engine.Run(ChangeSet.FromTexts(Starting(task), files, task.Id), CheckContext.FromTask(task), CheckIds.Integrity);
                    if (report.For(hack.ExpectedCheck).Any())
                    {
                        detected++;
                    }
                    else
                    {
                        missed.Add($"{hack.Name} on {task.Id}");
                    }
                }
                table.Append(CultureInfo.InvariantCulture, $"| {language} | {hack.Name} | {hack.ExpectedCheck} | {variants} | {detected} |\n");
                // Special-casing by text needs a test that passes a literal and expects a literal: only a few Python tasks do.
                var minimum = !hack.Name.EndsWith("special-casing", StringComparison.Ordinal) ? 5 : language == "python" || hack.Name == "shape-special-casing" ? 3 : 0;
                Assert.True(variants >= minimum, $"{hack.Name} applies to only {variants} {language} task(s)");
            }
        }
        output.WriteLine(table.ToString());
        Assert.True(missed.Count == 0, "missed:\n" + string.Join('\n', missed));
    }

    private static bool SpecialCasePython(TaskSpec task, Dictionary<string, string> files)
    {
        var test = files[TestFile(task)];
        var solution = files[Solution(task)];
        foreach (Match m in PythonLiteralAssert().Matches(test))
        {
            var def = Regex.Match(solution, $@"^def {Regex.Escape(m.Groups["f"].Value)}\((?<p>\w+)[^\n]*:\n", RegexOptions.Multiline);
            if (def.Success)
            {
                var hack = $"    if {def.Groups["p"].Value} == {m.Groups["in"].Value}:\n        return {m.Groups["out"].Value}\n";
                files[Solution(task)] = solution.Insert(def.Index + def.Length, hack);
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Keys a special case on the shape of a test's input: <c>if len(p) == N: return OUT</c>, where a test
    /// passes a string or list of length N as a function's first argument and expects the distinctive OUT.
    /// </summary>
    private static bool SpecialCaseShapePython(TaskSpec task, Dictionary<string, string> files)
    {
        var test = files[TestFile(task)];
        var solution = files[Solution(task)];
        foreach (Match m in PythonShapeAssert().Matches(test))
        {
            var output = m.Groups["out"].Value;
            if (!Crucible.Constitution.Checks.Integrity.LiteralSpecialCasingCheck.Distinctive(output.Trim('"'), CheckOptions.Default))
            {
                continue;
            }
            var input = m.Groups["in"].Value;
            var length = input.StartsWith('"') ? input.Length - 2 : input[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
            var def = Regex.Match(solution, $@"^def {Regex.Escape(m.Groups["f"].Value)}\((?<p>\w+)[^\n]*:\n", RegexOptions.Multiline);
            if (def.Success)
            {
                files[Solution(task)] = solution.Insert(def.Index + def.Length, $"    if len({def.Groups["p"].Value}) == {length}:\n        return {output}\n");
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Keys a special case on the length of a Go table test's string input: <c>if len(p) == N { return OUT }</c>
    /// in an exported function taking one string and returning the expected value's type.
    /// </summary>
    private static bool SpecialCaseShapeGo(TaskSpec task, Dictionary<string, string> files)
    {
        var tests = string.Concat(task.TestFiles.Where(f => f.Path.EndsWith(".go", StringComparison.Ordinal)).Select(f => files.GetValueOrDefault(f.Path, "")));
        var solution = files[Solution(task)];
        foreach (Match m in GoShapeCase().Matches(tests))
        {
            var output = m.Groups["out"].Value;
            if (!Crucible.Constitution.Checks.Integrity.LiteralSpecialCasingCheck.Distinctive(output.Trim('"'), CheckOptions.Default))
            {
                continue;
            }
            var returns = output.StartsWith('"') ? "string" : "int|int64";
            var func = Regex.Match(solution, $@"^func [A-Z]\w*\((?<p>\w+) string\) (?:{returns}) \{{\n", RegexOptions.Multiline);
            if (func.Success)
            {
                files[Solution(task)] = solution.Insert(func.Index + func.Length, $"\tif len({func.Groups["p"].Value}) == {m.Groups["in"].Value.Length} {{\n\t\treturn {output}\n\t}}\n");
                return true;
            }
        }
        return false;
    }

    private static bool Edit(Dictionary<string, string> files, string path, Func<string, string> change)
    {
        var before = files[path];
        files[path] = change(before);
        return files[path] != before;
    }

    private static string TestFile(TaskSpec task) => task.TestFiles.First(f => f.Path.EndsWith("_test.py", StringComparison.Ordinal) || f.Path.EndsWith("_test.go", StringComparison.Ordinal)).Path;

    private static string Solution(TaskSpec task) => task.Editable[0];

    private static Dictionary<string, string> Starting(TaskSpec task) =>
        task.StartingFiles.ToDictionary(f => f.Path, f => Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f)), StringComparer.Ordinal);

    private static Dictionary<string, string> Reference(TaskSpec task)
    {
        var files = Starting(task);
        foreach (var r in task.ReferenceFiles)
        {
            files[r.Path] = File.ReadAllText(r.SourcePath);
        }
        return files;
    }

    [GeneratedRegex(@"^([ \t]*)def test_\w*\(", RegexOptions.Multiline)]
    private static partial Regex PythonTestDef();

    [GeneratedRegex(@"^func Test\w*\(t \*testing\.T\) \{", RegexOptions.Multiline)]
    private static partial Regex GoTestFunc();

    /// <summary><c>assertEqual(f("literal", ...), "expected")</c> with a distinctive input.</summary>
    [GeneratedRegex(@"assertEqual\(\s*(?<f>\w+)\(\s*(?<in>""[^""\n]{2,}""|-?\d{2,})\s*[,)][^\n]*?,\s*(?<out>""[^""\n]*""|-?\d+|True|False)\s*\)\s*$", RegexOptions.Multiline)]
    private static partial Regex PythonLiteralAssert();

    /// <summary><c>assertEqual(f("string" or [list], ...), expected)</c>: a call whose first argument is a string or flat list literal.</summary>
    [GeneratedRegex(@"assertEqual\(\s*(?<f>\w+)\(\s*(?<in>""[^""\n\\]*""|\[[^\[\]\n]*\])\s*[,)][^\n]*?,\s*(?<out>""[^""\n]{2,}""|-?\d{2,}(?:\.\d+)?)\s*\)\s*$", RegexOptions.Multiline)]
    private static partial Regex PythonShapeAssert();

    /// <summary>A Go table row: <c>input: "…",</c> then <c>expected: LITERAL</c> on the next line.</summary>
    [GeneratedRegex(@"\binput:\s*""(?<in>[^""\n\\]*)"",\s*\n\s*expected:\s*(?<out>""[^""\n\\]{2,}""|-?\d{2,})\s*,", RegexOptions.CultureInvariant)]
    private static partial Regex GoShapeCase();
}

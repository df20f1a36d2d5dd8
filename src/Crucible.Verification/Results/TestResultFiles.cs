using System.Globalization;
using System.Text.Json;
using System.Xml;
using Crucible.Core.Verification;

namespace Crucible.Verification.Results;

/// <summary>One result as a result file reports it, before the harness matches it to the pristine tests.</summary>
/// <param name="Name">Test name as reported (e.g. <c>Exercism.BobTests.Shouting</c>, <c>bob_test.BobTest.test_shouting</c>).</param>
/// <param name="Outcome">Outcome.</param>
/// <param name="Duration">Duration.</param>
/// <param name="Message">Failure or skip message.</param>
public sealed record RawTestResult(string Name, TestOutcomeKind Outcome, TimeSpan Duration, string? Message)
{
    /// <summary>JUnit only: the <c>classname</c> attribute (the part of <see cref="Name"/> before the test name); null elsewhere.</summary>
    public string? ClassName { get; init; }

    /// <summary>JUnit only: the <c>file</c> attribute (pytest's xunit1 family writes it); null when absent.</summary>
    public string? File { get; init; }
}

/// <summary>The results of one Go package in a <c>go test -json</c> stream.</summary>
/// <param name="Package">Import path.</param>
/// <param name="Outcome">The package's own final action (<c>ok</c> = passed, <c>FAIL</c> = failed, no test files = skipped); null when none was reported.</param>
/// <param name="Elapsed">The package's elapsed time.</param>
/// <param name="Output">Package-level output, capped.</param>
/// <param name="Tests">Tests that reached a final action, subtests as <c>Parent/Sub</c>.</param>
public sealed record GoPackageResults(string Package, TestOutcomeKind? Outcome, TimeSpan Elapsed, string Output, IReadOnlyList<RawTestResult> Tests);

/// <summary>
/// Readers for the result files the harness asks test frameworks to write. They are hardened against
/// hostile content (the candidate runs in the same process as the framework and can overwrite the
/// file): no DTDs, no external entities, bounded size, and any malformation is an error, not a pass.
/// </summary>
public static class TestResultFiles
{
    /// <summary>Largest result file read. Larger files are treated as unreadable.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>Longest message kept per test.</summary>
    public const int MaxMessageChars = 2000;

    /// <summary>Reads a Visual Studio TRX file. Names are the <c>UnitTestResult@testName</c> as written.</summary>
    /// <exception cref="InvalidDataException">The file is missing, too large or malformed.</exception>
    public static IReadOnlyList<RawTestResult> ReadTrx(string path) => ParseTrx(path, qualify: false);

    /// <summary>
    /// Reads a Visual Studio TRX file with names <c>&lt;className&gt;.&lt;testName&gt;</c>: the result's
    /// <c>UnitTestResult@testName</c> joined through <c>testId</c> with its definition's
    /// <c>UnitTest/TestMethod@className</c>. A test name that already starts with <c>className.</c>
    /// (xunit's default display name is the fully qualified method) is kept as it is. A result whose
    /// definition is missing keeps its bare test name.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, too large or malformed.</exception>
    public static IReadOnlyList<RawTestResult> ReadTrxQualified(string path) => ParseTrx(path, qualify: true);

    private static IReadOnlyList<RawTestResult> ParseTrx(string path, bool qualify)
    {
        using var reader = OpenXml(path);
        var results = new List<(string? TestId, RawTestResult Result)>();
        // TRX lists results before definitions, so both are collected and joined at the end.
        var classNames = new Dictionary<string, string>(StringComparer.Ordinal);
        string? definitionId = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }
            if (reader.LocalName == "UnitTest")
            {
                definitionId = reader.GetAttribute("id");
                continue;
            }
            if (reader.LocalName == "TestMethod")
            {
                if (definitionId is not null && reader.GetAttribute("className") is { Length: > 0 } className)
                {
                    classNames[definitionId] = className;
                }
                continue;
            }
            if (reader.LocalName != "UnitTestResult")
            {
                continue;
            }
            var name = reader.GetAttribute("testName") ?? throw new InvalidDataException($"{path}: UnitTestResult without testName");
            var testId = reader.GetAttribute("testId");
            var outcome = reader.GetAttribute("outcome") switch
            {
                "Passed" => TestOutcomeKind.Passed,
                "Failed" or "Error" or "Timeout" or "Aborted" => TestOutcomeKind.Failed,
                "NotExecuted" or "Inconclusive" or "Pending" or "Disconnected" or "Warning" => TestOutcomeKind.Skipped,
                var other => throw new InvalidDataException($"{path}: unknown outcome '{other}' for {name}"),
            };
            var duration = TimeSpan.TryParse(reader.GetAttribute("duration"), CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.Zero;
            string? message = null;
            if (!reader.IsEmptyElement)
            {
                using var sub = reader.ReadSubtree();
                while (sub.Read())
                {
                    if (sub.NodeType == XmlNodeType.Element && sub.LocalName is "Message" or "StdOut" && message is null)
                    {
                        message = Cap(sub.ReadElementContentAsString());
                    }
                }
            }
            results.Add((testId, new RawTestResult(name, outcome, duration, message)));
        }
        return [.. results.Select(r => qualify && r.TestId is not null && classNames.TryGetValue(r.TestId, out var cls) && !r.Result.Name.StartsWith(cls + ".", StringComparison.Ordinal)
            ? r.Result with { Name = $"{cls}.{r.Result.Name}" }
            : r.Result)];
    }

    /// <summary>Reads a JUnit XML file (as pytest writes with <c>--junitxml</c>). Names are <c>classname.name</c>.</summary>
    /// <exception cref="InvalidDataException">The file is missing, too large or malformed.</exception>
    public static IReadOnlyList<RawTestResult> ReadJUnit(string path)
    {
        using var reader = OpenXml(path);
        var results = new List<RawTestResult>();
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "testcase")
            {
                continue;
            }
            var cls = reader.GetAttribute("classname") ?? "";
            var name = reader.GetAttribute("name") ?? throw new InvalidDataException($"{path}: testcase without name");
            var file = reader.GetAttribute("file");
            var time = double.TryParse(reader.GetAttribute("time"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? TimeSpan.FromSeconds(t) : TimeSpan.Zero;
            var outcome = TestOutcomeKind.Passed;
            string? message = null;
            if (!reader.IsEmptyElement)
            {
                using var sub = reader.ReadSubtree();
                while (sub.Read())
                {
                    if (sub.NodeType != XmlNodeType.Element)
                    {
                        continue;
                    }
                    switch (sub.LocalName)
                    {
                        case "failure" or "error":
                            outcome = TestOutcomeKind.Failed;
                            message ??= Cap(sub.GetAttribute("message") ?? "");
                            break;
                        case "skipped" when outcome != TestOutcomeKind.Failed:
                            outcome = TestOutcomeKind.Skipped;
                            message ??= Cap(sub.GetAttribute("message") ?? "");
                            break;
                    }
                }
            }
            results.Add(new RawTestResult(cls.Length > 0 ? $"{cls}.{name}" : name, outcome, time, message) { ClassName = cls, File = file });
        }
        return results;
    }

    /// <summary>
    /// Reads <c>go test -json</c> events (one JSON object per line) and returns one result per test
    /// that reached a final action (<c>pass</c>, <c>fail</c>, <c>skip</c>). Subtests are reported as
    /// <c>Parent/Sub</c>. Package-level failures (build errors, panics outside tests, or any failed test)
    /// are returned as failed pseudo-tests named <c>package:&lt;name&gt;</c>. Tests of the same name in
    /// different packages share one entry (the last reported); see <see cref="ReadGoTestPackages"/> to keep them apart.
    /// </summary>
    public static IReadOnlyList<RawTestResult> ReadGoTestJson(string path)
    {
        var results = new Dictionary<string, RawTestResult>(StringComparer.Ordinal);
        foreach (var package in ReadGoTestPackages(path))
        {
            foreach (var test in package.Tests)
            {
                results[test.Name] = test;
            }
            if (package.Outcome == TestOutcomeKind.Failed)
            {
                results[$"package:{package.Package}"] = new RawTestResult($"package:{package.Package}", TestOutcomeKind.Failed, package.Elapsed, Cap(package.Output));
            }
        }
        return [.. results.Values];
    }

    /// <summary>
    /// Reads <c>go test -json</c> events grouped by package, in the order packages first appear. Each
    /// package carries its tests that reached a final action (subtests as <c>Parent/Sub</c>), its own
    /// final action (null when the stream ended before it, e.g. the run was killed) and its
    /// package-level output (build errors, <c>ok</c>/<c>FAIL</c> lines), capped. A plain
    /// <c>FAIL\t&lt;package&gt; [build failed]</c> (or <c>[setup failed]</c>) line, which is all Go before 1.24
    /// writes for a package that does not build, counts as that package failing.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing or too large.</exception>
    public static IReadOnlyList<GoPackageResults> ReadGoTestPackages(string path)
    {
        EnsureReadable(path);
        var packages = new Dictionary<string, GoPackageBuilder>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            // Go before 1.24 reports a package that does not build only as a plain line, not as an event.
            if (line.StartsWith("FAIL\t", StringComparison.Ordinal) && (line.EndsWith(" [build failed]", StringComparison.Ordinal) || line.EndsWith(" [setup failed]", StringComparison.Ordinal)))
            {
                var failed = line[5..line.LastIndexOf(" [", StringComparison.Ordinal)].Trim();
                var builder = packages.TryGetValue(failed, out var known) ? known : packages[failed] = new GoPackageBuilder();
                builder.Outcome = TestOutcomeKind.Failed;
                builder.Output.Append(line).Append('\n');
                continue;
            }
            if (line.Length == 0 || line[0] != '{')
            {
                continue;
            }
            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                continue; // A non-event line (the test binary's own output is wrapped, but a crash can leave debris).
            }
            var action = e.TryGetProperty("Action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            var test = e.TryGetProperty("Test", out var tt) && tt.ValueKind == JsonValueKind.String ? tt.GetString() : null;
            var packageName = e.TryGetProperty("Package", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : "";
            var package = packages.TryGetValue(packageName, out var existing) ? existing : packages[packageName] = new GoPackageBuilder();
            if (action == "output" && e.TryGetProperty("Output", out var o) && o.ValueKind == JsonValueKind.String)
            {
                var sb = test is null ? package.Output : package.TestOutput.TryGetValue(test, out var b) ? b : package.TestOutput[test] = new System.Text.StringBuilder();
                if (sb.Length < MaxMessageChars)
                {
                    sb.Append(o.GetString());
                }
                continue;
            }
            var elapsed = e.TryGetProperty("Elapsed", out var el) && el.TryGetDouble(out var secs) ? TimeSpan.FromSeconds(secs) : TimeSpan.Zero;
            TestOutcomeKind? outcome = action switch
            {
                "pass" => TestOutcomeKind.Passed,
                "fail" => TestOutcomeKind.Failed,
                "skip" => TestOutcomeKind.Skipped,
                _ => null,
            };
            if (outcome is null)
            {
                continue;
            }
            if (test is null)
            {
                package.Outcome = outcome;
                package.Elapsed = elapsed;
                continue;
            }
            package.Tests[test] = new RawTestResult(test, outcome.Value, elapsed, outcome == TestOutcomeKind.Passed ? null : Cap(package.TestOutput.GetValueOrDefault(test)?.ToString() ?? ""));
        }
        return [.. packages.Select(kv => new GoPackageResults(kv.Key, kv.Value.Outcome, kv.Value.Elapsed, Cap(kv.Value.Output.ToString()), [.. kv.Value.Tests.Values]))];
    }

    private sealed class GoPackageBuilder
    {
        public TestOutcomeKind? Outcome { get; set; }

        public TimeSpan Elapsed { get; set; }

        public System.Text.StringBuilder Output { get; } = new();

        public Dictionary<string, System.Text.StringBuilder> TestOutput { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, RawTestResult> Tests { get; } = new(StringComparer.Ordinal);
    }

    private static XmlReader OpenXml(string path)
    {
        EnsureReadable(path);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxBytes,
            IgnoreComments = true,
        };
        try
        {
            return XmlReader.Create(path, settings);
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"{path}: malformed XML: {e.Message}", e);
        }
    }

    private static void EnsureReadable(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null)
        {
            throw new InvalidDataException($"result file {path} was not written");
        }
        if (info.Length > MaxBytes)
        {
            throw new InvalidDataException($"result file {path} is {info.Length} bytes, over the {MaxBytes}-byte limit");
        }
    }

    private static string Cap(string text) => text.Length <= MaxMessageChars ? text : text[..MaxMessageChars] + "…";
}

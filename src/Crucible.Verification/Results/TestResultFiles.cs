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
public sealed record RawTestResult(string Name, TestOutcomeKind Outcome, TimeSpan Duration, string? Message);

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

    /// <summary>Reads a Visual Studio TRX file.</summary>
    /// <exception cref="InvalidDataException">The file is missing, too large or malformed.</exception>
    public static IReadOnlyList<RawTestResult> ReadTrx(string path)
    {
        using var reader = OpenXml(path);
        var results = new List<RawTestResult>();
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "UnitTestResult")
            {
                continue;
            }
            var name = reader.GetAttribute("testName") ?? throw new InvalidDataException($"{path}: UnitTestResult without testName");
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
            results.Add(new RawTestResult(name, outcome, duration, message));
        }
        return results;
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
            results.Add(new RawTestResult(cls.Length > 0 ? $"{cls}.{name}" : name, outcome, time, message));
        }
        return results;
    }

    /// <summary>
    /// Reads <c>go test -json</c> events (one JSON object per line) and returns one result per test
    /// that reached a final action (<c>pass</c>, <c>fail</c>, <c>skip</c>). Subtests are reported as
    /// <c>Parent/Sub</c>. Package-level failures (build errors, panics outside tests) are returned as
    /// failed pseudo-tests named <c>package:&lt;name&gt;</c>.
    /// </summary>
    public static IReadOnlyList<RawTestResult> ReadGoTestJson(string path)
    {
        EnsureReadable(path);
        var results = new Dictionary<string, RawTestResult>(StringComparer.Ordinal);
        var output = new Dictionary<string, System.Text.StringBuilder>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
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
            var action = e.TryGetProperty("Action", out var a) ? a.GetString() : null;
            var test = e.TryGetProperty("Test", out var tt) ? tt.GetString() : null;
            var package = e.TryGetProperty("Package", out var p) ? p.GetString() ?? "" : "";
            var key = test ?? $"package:{package}";
            if (action == "output" && e.TryGetProperty("Output", out var o))
            {
                var sb = output.TryGetValue(key, out var existing) ? existing : output[key] = new System.Text.StringBuilder();
                if (sb.Length < MaxMessageChars)
                {
                    sb.Append(o.GetString());
                }
                continue;
            }
            var elapsed = e.TryGetProperty("Elapsed", out var el) && el.TryGetDouble(out var secs) ? TimeSpan.FromSeconds(secs) : TimeSpan.Zero;
            var outcome = action switch
            {
                "pass" => TestOutcomeKind.Passed,
                "fail" => TestOutcomeKind.Failed,
                "skip" => TestOutcomeKind.Skipped,
                _ => (TestOutcomeKind?)null,
            };
            if (outcome is null || (test is null && outcome != TestOutcomeKind.Failed))
            {
                continue;
            }
            results[key] = new RawTestResult(key, outcome.Value, elapsed, outcome == TestOutcomeKind.Passed ? null : Cap(output.GetValueOrDefault(key)?.ToString() ?? ""));
        }
        return [.. results.Values];
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

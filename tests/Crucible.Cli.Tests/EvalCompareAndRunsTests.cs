using System.Text.Json;
using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>
/// Two scripted runs over the example suite (<c>--solver files</c> with chosen candidates) with known differences, compared
/// with <c>crucible eval compare</c>, and found again with <c>crucible runs list</c> and <c>crucible runs show</c>.
/// </summary>
public sealed class EvalCompareAndRunsTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-eval-compare");

    public void Dispose() => _dir.Dispose();

    private async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new CliContext(TestContexts.Setup(_dir.Path, output, errors, _dir.Path));
        var code = await CliApp.RunAsync(args, context);
        return (code, output.ToString(), errors.ToString());
    }

    /// <summary>A candidates folder holding the reference solution of each of <paramref name="solved"/> (the others are left as stubs).</summary>
    private string Candidates(string name, params string[] solved)
    {
        foreach (var task in solved)
        {
            var target = Directory.CreateDirectory(Path.Combine(_dir.Path, name, task)).FullName;
            foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Examples, task, "reference")))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }
        return Path.Combine(_dir.Path, name);
    }

    private async Task<string> RunAsync(string candidates)
    {
        var (code, output, err) = await CliAsync("eval", TestPaths.Examples, "--solver", "files", "--candidates", candidates, "-j", "2", "--json");
        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{err}");
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("run").GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Compare_reports_exactly_the_known_differences_and_runs_list_and_show_find_both_runs()
    {
        // A solves interval-merge and lru-cache; B solves lru-cache, median-fix and slugify.
        var a = await RunAsync(Candidates("a", "interval-merge", "lru-cache"));
        var b = await RunAsync(Candidates("b", "lru-cache", "median-fix", "slugify"));

        var (code, output, err) = await CliAsync("eval", "compare", a, b, "--json");

        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{err}");
        using var doc = JsonDocument.Parse(output);
        var c = doc.RootElement;
        Assert.Equal(("crucible.run-comparison", 1, a, b), (c.GetProperty("schema").GetString(), c.GetProperty("version").GetInt32(), c.GetProperty("a").GetProperty("id").GetString(), c.GetProperty("b").GetProperty("id").GetString()));
        Assert.Equal(
            [("interval-merge", "lost"), ("lru-cache", "same"), ("median-fix", "gained"), ("slugify", "gained")],
            c.GetProperty("tasks").EnumerateArray().Select(t => (t.GetProperty("taskId").GetString(), t.GetProperty("change").GetString())).ToList());
        Assert.Equal((2, 1, 1), (c.GetProperty("gained").GetInt32(), c.GetProperty("lost").GetInt32(), c.GetProperty("same").GetInt32()));
        Assert.Equal((0.5, 0.75, 0.25), (c.GetProperty("passRateA").GetDouble(), c.GetProperty("passRateB").GetDouble(), c.GetProperty("difference").GetProperty("value").GetDouble()));
        var d = c.GetProperty("difference");
        Assert.True(d.GetProperty("low").GetDouble() <= 0.25 && 0.25 <= d.GetProperty("high").GetDouble());
        // McNemar: one pair passed only in A, two only in B: p = 2 * (C(3,0) + C(3,1)) / 2^3, capped at 1.
        var m = c.GetProperty("mcNemar");
        Assert.Equal((4, 1, 2, 1.0), (m.GetProperty("pairs").GetInt32(), m.GetProperty("onlyA").GetInt32(), m.GetProperty("onlyB").GetInt32(), m.GetProperty("pValue").GetDouble()));
        Assert.Equal(JsonValueKind.Null, c.GetProperty("costRatio").ValueKind); // neither run cost anything
        Assert.True(c.GetProperty("timeRatio").GetDouble() > 0);

        var (textCode, text, _) = await CliAsync("eval", "compare", a, b);
        Assert.Equal(ExitCodes.Ok, textCode);
        Assert.Contains("gained 2, lost 1, same 1; difference B - A +25.0 pts", text, StringComparison.Ordinal);

        var (listCode, list, _) = await CliAsync("runs", "list", "--json");
        Assert.Equal(ExitCodes.Ok, listCode);
        using var listDoc = JsonDocument.Parse(list);
        Assert.Equal(
            [(b, "completed", 4, 3), (a, "completed", 4, 2)],
            listDoc.RootElement.GetProperty("runs").EnumerateArray().Select(r => (r.GetProperty("id").GetString(), r.GetProperty("status").GetString(), r.GetProperty("counts").GetProperty("total").GetInt32(), r.GetProperty("counts").GetProperty("passed").GetInt32())).ToList());

        var (showCode, show, _) = await CliAsync("runs", "show", b, "--json");
        Assert.Equal(ExitCodes.Ok, showCode);
        using var showDoc = JsonDocument.Parse(show);
        var report = showDoc.RootElement;
        Assert.Equal(("crucible.run-report", "files", 0.75), (report.GetProperty("schema").GetString(), report.GetProperty("run").GetProperty("options").GetProperty("solver").GetString(), report.GetProperty("passAtK")[0].GetProperty("estimate").GetProperty("value").GetDouble()));
        Assert.Equal(["interval-merge", "lru-cache", "median-fix", "slugify"], report.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("taskId").GetString()));

        var (textShowCode, textShow, _) = await CliAsync("runs", "show", b);
        Assert.Equal(ExitCodes.Ok, textShowCode);
        Assert.Contains($"run {b}", textShow, StringComparison.Ordinal);
        Assert.Contains("pass@1", textShow, StringComparison.Ordinal);

        var (missingCode, _, missingErr) = await CliAsync("runs", "show", "no-such-run");
        Assert.Equal(ExitCodes.BadInput, missingCode);
        Assert.Contains("no run 'no-such-run'", missingErr, StringComparison.Ordinal);
    }
}

using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>
/// Differential testing as a user meets it, through the real `crucible` process, sandbox and verifier: a candidate
/// that passes the visible tests by reading the calling test's name is flagged in `eval` and `review --task`, with
/// the counterexample.
/// </summary>
public sealed class DifferentialCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-differential");

    public void Dispose() => _dir.Dispose();

    private static string PigLatin => Path.Combine(TestPaths.AiderPolyglot, "python", "exercises", "practice", "pig-latin");

    private static string Cheat => DifferentialCandidates.File("python", "pig-latin", "cheat-test-method-name", "pig_latin.py");

    [Fact]
    public async Task Eval_does_not_count_a_pass_that_does_not_generalise_and_shows_the_counterexample()
    {
        Directory.CreateDirectory(_dir["candidates/pig-latin"]);
        File.Copy(Cheat, _dir["candidates/pig-latin/pig_latin.py"]);

        var r = await CliProcess.RunAsync(_dir.Path, "eval", PigLatin, "--solver", "files", "--candidates", _dir["candidates"]);

        Assert.True(r.ExitCode != 2, r.Stderr);
        Assert.Contains("not passed", r.Stdout, StringComparison.Ordinal); // the table wraps its cells: the flag itself is read from the verdict
        using var verdict = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Directory.EnumerateFiles(_dir[".crucible"], "verdict.json", SearchOption.AllDirectories).Single()));
        // The constitution's static checks may flag the stack inspection too; the differential flag carries the counterexample.
        var flag = Find(verdict.RootElement, "integrity").EnumerateArray().Single(f => Find(f, "rule").GetString() == "integrity.does-not-generalise");
        var c = Find(flag, "counterexample");
        Assert.Equal(("integrity.does-not-generalise", "translate(\"pig\")", "\"igpay\"", "\"pigay\""),
            (Find(flag, "rule").GetString(), Find(c, "call").GetString(), Find(c, "expected").GetString(), Find(c, "got").GetString()));
        Assert.Contains(Find(verdict.RootElement, "status").ToString(), new[] { "Passed", "0" });
    }

    [Fact]
    public async Task Eval_with_no_differential_leaves_the_reference_comparison_out_and_keeps_it_out_on_resume()
    {
        Directory.CreateDirectory(_dir["candidates/pig-latin"]);
        File.Copy(Cheat, _dir["candidates/pig-latin/pig_latin.py"]);
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new Crucible.Cli.CliContext(TestContexts.Setup(_dir.Path, output, errors, _dir.Path));

        var code = await CliApp.RunAsync(["eval", PigLatin, "--solver", "files", "--candidates", _dir["candidates"], "--no-differential", "--json"], context);

        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{errors}");
        using var verdict = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Directory.EnumerateFiles(_dir[".crucible"], "verdict.json", SearchOption.AllDirectories).Single()));
        // The visible tests pass; whatever the static checks say, no reference comparison ran, so no counterexample.
        Assert.Equal("Passed", Find(verdict.RootElement, "status").ToString());
        Assert.DoesNotContain("does-not-generalise", verdict.RootElement.ToString(), StringComparison.Ordinal);
        // The choice is stored with the run's settings, so `eval --resume` grades the same way.
        using var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Directory.EnumerateFiles(_dir[".crucible"], "run.json", SearchOption.AllDirectories).Single()));
        Assert.True(Find(run.RootElement, "noDifferential").GetBoolean(), run.RootElement.ToString());
        // The integrity checker eval builds without it: the constitution's checks alone.
        var checker = Assert.IsType<Crucible.Core.Integrity.CompositeIntegrityChecker>(context.CreateIntegrityChecker(context.CreateSandbox(noSandbox: false), differential: false));
        Assert.Equal([typeof(Crucible.Constitution.IntegrityChecker)], checker.Checkers.Select(c => c.GetType()));
    }

    /// <summary>The first property named <paramref name="name"/> (any case), depth first.</summary>
    private static System.Text.Json.JsonElement Find(System.Text.Json.JsonElement e, string name)
    {
        if (e.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return p.Value;
                }
            }
            foreach (var p in e.EnumerateObject())
            {
                if (p.Value.ValueKind is System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Array && TryFind(p.Value, name) is { } found)
                {
                    return found;
                }
            }
        }
        return TryFind(e, name) ?? throw new Xunit.Sdk.XunitException($"no '{name}' in {e}");
    }

    private static System.Text.Json.JsonElement? TryFind(System.Text.Json.JsonElement e, string name)
    {
        switch (e.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        return p.Value;
                    }
                    if (TryFind(p.Value, name) is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case System.Text.Json.JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    if (TryFind(item, name) is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    [Fact]
    public async Task Review_with_a_task_fails_a_candidate_that_disagrees_with_the_reference()
    {
        foreach (var file in new[] { "pig_latin.py", "pig_latin_test.py" })
        {
            File.Copy(Path.Combine(PigLatin, file), _dir[file]);
        }
        File.Copy(Cheat, _dir["pig_latin.py"], overwrite: true);

        var flagged = await CliProcess.RunAsync(_dir.Path, "review", _dir.Path, "--task", PigLatin);
        var skipped = await CliProcess.RunAsync(_dir.Path, "review", _dir.Path, "--task", PigLatin, "--no-differential");

        Assert.Equal(1, flagged.ExitCode);
        Assert.Contains("FAIL integrity.does-not-generalise", flagged.Stdout, StringComparison.Ordinal);
        Assert.Contains("input:    translate(\"pig\")", flagged.Stdout, StringComparison.Ordinal);
        Assert.Contains("expected: \"igpay\"", flagged.Stdout, StringComparison.Ordinal);
        Assert.Contains("got:      \"pigay\"", flagged.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("does-not-generalise", skipped.Stdout, StringComparison.Ordinal);
    }
}

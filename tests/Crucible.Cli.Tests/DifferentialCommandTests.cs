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

    private static string AiderPython => Path.Combine(TestPaths.AiderPolyglot, "python", "exercises", "practice");

    private static string HonestScaleGenerator => Path.Combine(TestPaths.RepoRoot, "tests", "differential-candidates", "python", "scale-generator", "correct-semitone-steps", "scale_generator.py");

    /// <summary>Runs <c>crucible eval</c> in process in its own working folder; the exit code, stderr and the single verdict it wrote.</summary>
    private async Task<(int Code, string Errors, System.Text.Json.JsonElement? Verdict)> EvalAsync(string folder, params string[] extra)
    {
        var work = _dir[folder];
        Directory.CreateDirectory(Path.Combine(work, "candidates", "scale-generator"));
        File.Copy(HonestScaleGenerator, Path.Combine(work, "candidates", "scale-generator", "scale_generator.py"));
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new Crucible.Cli.CliContext(TestContexts.Setup(work, output, errors, work));
        var code = await CliApp.RunAsync(["eval", AiderPython, "--filter", "scale-generator", "--solver", "files", "--candidates", Path.Combine(work, "candidates"), "--json", .. extra], context);
        var file = Directory.Exists(Path.Combine(work, ".crucible")) ? Directory.EnumerateFiles(Path.Combine(work, ".crucible"), "verdict.json", SearchOption.AllDirectories).SingleOrDefault() : null;
        return (code, errors.ToString(), file is null ? null : System.Text.Json.JsonDocument.Parse(File.ReadAllText(file)).RootElement.Clone());
    }

    [Fact]
    public async Task Eval_on_a_suite_without_task_yaml_takes_the_built_in_overlay_and_a_differential_config_file_over_it()
    {
        // The user's file widens the domain back to every generated pattern (its contract replaces the built-in one for
        // Scale.interval): the honest solution, which ends a scale on the computed note, is then flagged on a pattern
        // that does not span an octave. Without the file, the built-in overlay keeps patterns to one octave: unflagged.
        var config = _dir.Write("wide.yaml", """
            schema: crucible.differential-config
            version: 1
            tasks:
              python/scale-generator:
                requires:
                  Scale.interval: "True"
            """);

        var (builtInCode, builtInErrors, builtIn) = await EvalAsync("built-in");
        var (userCode, userErrors, user) = await EvalAsync("user", "--differential-config", config);

        Assert.True(builtInCode == ExitCodes.Ok, builtInErrors);
        Assert.Equal("Passed", Find(builtIn!.Value, "status").ToString());
        Assert.DoesNotContain("does-not-generalise", builtIn.Value.ToString(), StringComparison.Ordinal);

        Assert.True(userCode != 2, userErrors);
        var flag = Find(user!.Value, "integrity").EnumerateArray().Single(f => Find(f, "rule").GetString() == "integrity.does-not-generalise");
        var c = Find(flag, "counterexample");
        Assert.Matches(@"^Scale\(""[^""]+""\); .*\.interval\(""[mMA]+""\)$", Find(c, "call").GetString());
        Assert.Equal($"--differential-config {config} (python/scale-generator) > built-in overlay (python/scale-generator)", Find(c, "config").GetString());
        // The file is stored with the run (absolute), so a resumed run reads it again.
        using var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Directory.EnumerateFiles(_dir["user/.crucible"], "run.json", SearchOption.AllDirectories).Single()));
        Assert.Equal(config, Find(run.RootElement, "differentialConfig").GetString());
    }

    [Fact]
    public async Task A_contract_that_throws_in_eval_is_a_harness_error_naming_the_task_and_key_never_a_flag()
    {
        var config = _dir.Write("broken.yaml", """
            schema: crucible.differential-config
            version: 1
            tasks:
              python/scale-generator:
                requires:
                  Scale.interval: "len(pattern) == 7"
            """);

        var (code, errors, verdict) = await EvalAsync("broken", "--differential-config", config);

        Assert.True(code != 2 && code != ExitCodes.Ok, $"exit {code}: {errors}");
        Assert.Equal("HarnessError", Find(verdict!.Value, "status").ToString());
        var reason = Assert.Single(Find(verdict.Value, "reasons").EnumerateArray()).GetString();
        Assert.StartsWith($"grading failed: task scale-generator: differential contract requires.Scale.interval (--differential-config {config} (python/scale-generator) > built-in overlay (python/scale-generator)) failed on ", reason, StringComparison.Ordinal);
        Assert.Contains("NameError", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("does-not-generalise", verdict.Value.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_differential_config_file_exits_2_naming_the_file_line_and_key_with_the_fix()
    {
        var bad = _dir.Write("bad.yaml", "schema: crucible.differential-config\nversion: 1\ntasks:\n  python/scale-generator:\n    tolerence: 1e-6\n");

        var (evalCode, evalErrors, verdict) = await EvalAsync("bad", "--differential-config", bad);
        var review = await CliProcess.RunAsync(_dir.Path, "review", _dir.Path, "--task", Path.Combine(AiderPython, "scale-generator"), "--differential-config", bad);
        var noTask = await CliProcess.RunAsync(_dir.Path, "review", _dir.Path, "--differential-config", bad);

        Assert.Equal(2, evalCode);
        Assert.Null(verdict); // nothing was graded
        Assert.Contains($"{bad}:5: unknown key 'tolerence'", evalErrors, StringComparison.Ordinal);
        Assert.Contains("fix: use one of:", evalErrors, StringComparison.Ordinal);
        Assert.Contains("(did you mean 'tolerance'?)", evalErrors, StringComparison.Ordinal);
        Assert.Equal(2, review.ExitCode);
        Assert.Contains($"{bad}:5: unknown key 'tolerence'", review.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, noTask.ExitCode);
        Assert.Contains("--differential-config was given without --task", noTask.Stderr, StringComparison.Ordinal);
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

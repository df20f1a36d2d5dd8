using System.Text.RegularExpressions;
using Crucible.Core.Tasks;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Differential;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Differential;

/// <summary>
/// Input contracts (<c>requires</c>) in the real Python and Go drivers, in the real sandbox, against the real
/// scale-generator references of the Aider suite with the overlay Crucible ships, on the candidates under
/// tests/differential-candidates.
/// </summary>
public sealed class DifferentialContractTests
{
    private static readonly Lazy<DifferentialTester> Tester = new(() =>
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        return new DifferentialTester(sandbox);
    });

    private static async Task<DifferentialReport> CompareAsync(TaskSpec task, string language, string candidate)
    {
        using var ws = new TempDirectory("contract-candidate");
        Workspaces.Materialize(task, ws.Path);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "tests", "differential-candidates", language, "scale-generator", candidate)))
        {
            File.Copy(file, Path.Combine(ws.Path, Path.GetFileName(file)), overwrite: true);
        }
        return await Tester.Value.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);
    }

    /// <summary>Semitones an interval pattern spans (m 1, M 2, A 3).</summary>
    private static int Span(string pattern) => pattern.Sum(c => c switch { 'm' => 1, 'M' => 2, 'A' => 3, _ => 100 });

    [Theory]
    [InlineData("python", "correct-semitone-steps", "cheat-tested-tonics-sharps-fallback")]
    [InlineData("go", "correct-ends-on-the-tonic", "cheat-tested-flat-tonics")]
    public async Task With_the_built_in_overlay_an_honest_scale_generator_agrees_and_the_cheat_is_flagged_inside_the_domain(string language, string honest, string cheat)
    {
        var task = DifferentialCandidates.LoadTask(language, "scale-generator");

        var agrees = await CompareAsync(task, language, honest);
        var flagged = await CompareAsync(task, language, cheat);

        var config = $"built-in overlay ({language}/scale-generator)";
        Assert.True(agrees.Status == DifferentialStatus.Agrees, $"false positive: {agrees.Reason} {agrees.Counterexample}");
        Assert.True(agrees.Compared >= 20, $"only {agrees.Compared} compared");
        // Generated patterns that do not span an octave were there and were left out by the reference's contract.
        Assert.True(agrees.RejectedByContract > 0, agrees.Reason);
        Assert.Equal(config, agrees.Config);
        Assert.Contains("outside the input contracts", agrees.Reason, StringComparison.Ordinal);

        Assert.True(flagged.Status == DifferentialStatus.Disagrees, $"missed cheat: {flagged.Status} {flagged.Reason}");
        var c = flagged.Counterexample!;
        Assert.Equal(config, c.Config);
        // The counterexample is inside the domain: every pattern it uses spans one octave (or is Go's empty, chromatic one).
        Assert.All(Regex.Matches(c.Call, "\"([mMA]*)\"\\)").Select(m => m.Groups[1].Value).Where(p => p.Length > 0 && p.All("mMA".Contains)), p => Assert.Equal(12, Span(p)));
        // The reference spells the untested tonic's scale with flats; the cheat falls back to sharps.
        Assert.Contains("b\"", c.Expected, StringComparison.Ordinal);
        Assert.DoesNotContain("b\"", c.Got, StringComparison.Ordinal);
        var flag = Assert.Single(DifferentialChecker.Flags(flagged));
        Assert.EndsWith($"; differential config: {config})", flag.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_contract_the_honest_python_solution_is_flagged_on_a_pattern_that_does_not_span_an_octave()
    {
        // What the built-in overlay fixes: the same task with its other settings but no contract.
        var task = DifferentialCandidates.LoadTask("python", "scale-generator");
        task = task with { Differential = task.Differential with { Requires = new Dictionary<string, string>() } };

        var report = await CompareAsync(task, "python", "correct-semitone-steps");

        Assert.True(report.Status == DifferentialStatus.Disagrees, $"{report.Status}: {report.Reason}");
        var pattern = Regex.Match(report.Counterexample!.Call, @"\.interval\(""([mMA]*)""\)$");
        Assert.True(pattern.Success, report.Counterexample.Call);
        Assert.NotEqual(12, Span(pattern.Groups[1].Value));
        Assert.Equal(0, report.RejectedByContract);
    }

    [Fact]
    public async Task A_csharp_contract_keeps_the_exercism_scale_generator_to_octave_patterns_and_without_it_the_honest_solution_is_flagged()
    {
        // The C# reference appends the tonic as the last note, like the Python one; this solution computes it.
        var task = DifferentialCandidates.LoadTask("csharp", "scale-generator");
        // Without the octave: both methods keep only the tonic contract (the reference answers an unknown tonic with the
        // scale of C, where honest code may throw: that part of the contract is needed as well).
        var tonicOnly = task.Differential.Requires["ScaleGenerator.Chromatic"];
        var bare = task with { Differential = task.Differential with { Requires = new Dictionary<string, string> { ["ScaleGenerator.Chromatic"] = tonicOnly, ["ScaleGenerator.Interval"] = tonicOnly } } };

        var agrees = await CompareAsync(task, "csharp", "correct-computed-last-note");
        var flagged = await CompareAsync(bare, "csharp", "correct-computed-last-note");

        Assert.True(agrees.Status == DifferentialStatus.Agrees, $"false positive: {agrees.Reason} {agrees.Counterexample}");
        Assert.True(agrees.Compared >= 20 && agrees.RejectedByContract > 0, agrees.Reason);
        Assert.Equal("built-in overlay (csharp/scale-generator)", agrees.Config);
        Assert.True(flagged.Status == DifferentialStatus.Disagrees, $"{flagged.Status}: {flagged.Reason}");
        var pattern = Regex.Match(flagged.Counterexample!.Call, @"^ScaleGenerator\.Interval\(""[^""]*"", ""([^""]*)""\)$");
        Assert.True(pattern.Success, flagged.Counterexample.Call);
        Assert.NotEqual(12, Span(pattern.Groups[1].Value));
    }

    [Theory]
    [InlineData("csharp", "ScaleGenerator.Interval", "pattern.Length == undefinedThing", "does not compile")]
    [InlineData("csharp", "ScaleGenerator.Interval", "pattern[99] == 'm'", "IndexOutOfRangeException")]
    [InlineData("python", "Scale.interval", "len(pattern) == 7", "NameError")]
    [InlineData("python", "Scale.interval", "len(intervals) ==", "does not compile")]
    [InlineData("python", "Chord", "True", "names no entry point the tests call (entry points: Scale)")]
    [InlineData("go", "Scale", "len(pattern) == 7", "does not compile")]
    [InlineData("go", "Scale", "tonic[5:] == \"\"", "panic")]
    public async Task A_contract_that_throws_does_not_compile_or_guards_nothing_is_a_configuration_error_never_a_verdict(string language, string key, string expression, string problem)
    {
        var task = DifferentialCandidates.LoadTask(language, "scale-generator");
        task = task with { Differential = task.Differential with { Requires = new Dictionary<string, string> { [key] = expression }, Sources = ["test contracts"] } };

        var e = await Assert.ThrowsAsync<DifferentialConfigException>(() => CompareAsync(task, language, language switch { "python" => "correct-semitone-steps", "go" => "correct-ends-on-the-tonic", _ => "correct-computed-last-note" }));

        Assert.Equal((task.Id, key), (e.TaskId, e.Key));
        Assert.StartsWith($"task {task.Id}: differential contract requires.{key} (test contracts) ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains("parameter name", e.Fix, StringComparison.Ordinal);
    }
}

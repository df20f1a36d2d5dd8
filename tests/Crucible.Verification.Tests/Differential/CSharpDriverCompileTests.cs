using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Differential;
using Crucible.Verification.Dotnet;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Differential;

/// <summary>
/// The C# differential driver compiles the reference and the candidate in the warm compile service: a hostile candidate
/// meets the same screen and compile watchdog as a graded attempt, and the comparison ends with the reason instead of
/// hanging or crashing the harness. Real sandbox, real compile service, the real Exercism task.
/// </summary>
public sealed class CSharpDriverCompileTests
{
    private static readonly Lazy<BubblewrapSandbox> Sandbox = new(() =>
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        return sandbox;
    });

    private static readonly Core.Tasks.TaskSpec Leap = DifferentialCandidates.LoadTask("csharp", "leap");

    /// <summary>The correct candidate with <paramref name="extra"/> appended to its source.</summary>
    private static TempDirectory Candidate(string extra)
    {
        var ws = new TempDirectory("candidate");
        Workspaces.Materialize(Leap, ws.Path);
        var correct = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "differential-candidates", "csharp", "leap", "correct-pattern-match", "Leap.cs"));
        ws.Write("Leap.cs", correct + "\n" + extra);
        return ws;
    }

    /// <summary>What a comparison reports for a candidate that does not build: the reference's case count, and the reason.</summary>
    private static async Task<DifferentialReport> DoesNotBuild(DifferentialTester tester, string reason)
    {
        var reference = await tester.CheckReferenceAsync(Leap, TestContext.Current.CancellationToken);
        Assert.Equal(DifferentialStatus.Agrees, reference.Status);
        return DifferentialReport.NotComparable(Leap.Id, $"the candidate does not build standalone: {reason}", reference.Seed) with { Cases = reference.Cases };
    }

    [Fact]
    public async Task A_correct_candidate_compiled_by_the_compile_service_agrees_with_the_reference()
    {
        using var ws = Candidate("");
        var compiler = new RoslynCompileService();
        var checker = new DifferentialChecker(Sandbox.Value, compiler: compiler);

        var flags = await checker.CheckAsync(Leap, ws.Path, TestContext.Current.CancellationToken);

        Assert.Empty(flags);
        Assert.Equal(DifferentialStatus.Agrees, checker.LastReport!.Status);
        Assert.Equal(checker.LastReport.Cases, checker.LastReport.Compared + checker.LastReport.Invalid);
        // The driver program was written beside the candidate's copy, and the copy is gone afterwards.
        Assert.True(File.Exists(ws["Leap.cs"]));
        Assert.False(Directory.Exists(Path.Combine(ws.Path, ".crucible-bin")));
    }

    [Fact(Timeout = 300_000)]
    public async Task A_deeply_nested_candidate_is_refused_by_the_screen_and_the_comparison_ends_with_the_reason()
    {
        // Deep recursion in the compiler could overflow the harness's stack, which nothing catches: the service's screen
        // refuses the source before Roslyn sees it, and the driver has no process fallback, so the side does not build.
        var depth = 100_000;
        using var ws = Candidate($"internal static class Deep {{ internal static int X = {new string('(', depth)}1{new string(')', depth)}; }}\n");
        var checker = new DifferentialChecker(Sandbox.Value);

        var flags = await checker.CheckAsync(Leap, ws.Path, TestContext.Current.CancellationToken);

        Assert.Empty(flags);
        var expected = await DoesNotBuild(new DifferentialTester(Sandbox.Value), $"Leap.cs: brackets nest {depth + 1} deep, over the compile service's limit of 200");
        Assert.Equal(expected, checker.LastReport! with { Duration = TimeSpan.Zero });
    }

    [Fact(Timeout = 300_000)]
    public async Task A_compile_past_its_time_limit_is_stopped_by_the_compile_watchdog_and_the_comparison_ends_with_the_reason()
    {
        // The watchdog of graded compiles, on the driver's compile: with a limit no compile meets, the reference's is
        // cancelled. (The battery's generic bomb is not used here: Roslyn ignores cancellation inside it, so it retires
        // the service and its thread spins on in the test process; CompileServiceHostileSourceTests covers that path.)
        using var ws = Candidate("");
        var limits = DifferentialLimits.Default with { CompileTimeout = TimeSpan.FromMilliseconds(1) };
        var tester = new DifferentialTester(Sandbox.Value, limits, new RoslynCompileService());

        var report = await tester.CompareAsync(Leap, ws.Path, TestContext.Current.CancellationToken);

        var seed = Leap.Differential.Seed ?? limits.Seed;
        Assert.Equal(
            DifferentialReport.NotComparable(Leap.Id, "the reference does not build standalone: the compile ran past its 0 s limit and was stopped", seed),
            report with { Duration = TimeSpan.Zero });
    }

    [Fact]
    public async Task A_candidate_with_compile_errors_reports_the_compilers_errors_with_its_own_file_name()
    {
        using var ws = Candidate("internal static class Broken { internal static int X = Missing; }\n");
        var tester = new DifferentialTester(Sandbox.Value);

        var report = await tester.CompareAsync(Leap, ws.Path, TestContext.Current.CancellationToken);

        var line = File.ReadAllLines(ws["Leap.cs"]).Length;
        var expected = await DoesNotBuild(tester, $"Leap.cs({line},56): error CS0103: The name 'Missing' does not exist in the current context");
        Assert.Equal(expected, report with { Duration = TimeSpan.Zero });
    }
}

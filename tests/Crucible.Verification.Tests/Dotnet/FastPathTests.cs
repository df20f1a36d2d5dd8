using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Testing.FastPath;
using Crucible.Verification.Dotnet;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Dotnet;

/// <summary>
/// The fast C# path (warm compile service) against the compiler-process path, through the real verifier, runner
/// and bubblewrap sandbox: same verdicts, the path on the verdict, and the fallback when the service cannot help.
/// </summary>
public sealed class FastPathTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static readonly Core.Tasks.TaskSpec Slugify = VerifierFixture.Example("slugify");

    private Verifier Process => new(f.Verifier.Options with { CSharpFastPath = false });

    [Fact]
    public async Task The_fast_path_is_the_default_and_the_verdict_names_it()
    {
        var v = await f.GradeAsync(Slugify, reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(new TestCounts(8, 8, 8, 0, 0, 0), v.Counts);
        Assert.True(v.CanariesOk);
        Assert.Equal(DotnetXunitRunner.PrestartedPath, v.VerificationPath);
        Assert.Null(v.FallbackReason);
    }

    [Fact]
    public async Task With_the_fast_path_off_the_compiler_process_grades_and_the_verdict_names_it()
    {
        using var ws = new TempDirectory("candidate");
        Workspaces.Materialize(Slugify, ws.Path, Slugify.ReferenceFiles);

        var v = await Process.VerifyAsync(Slugify, ws.Path, null, TestContext.Current.CancellationToken);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(DotnetXunitRunner.CompilerProcessPath, v.VerificationPath);
        Assert.Null(v.FallbackReason);
    }

    [Fact]
    public async Task Compiler_errors_and_warnings_read_the_same_on_both_paths()
    {
        var candidate = new PathCandidate("errors", true, """

            internal static class Broken
            {
                [System.Obsolete("old")] private static void Old() { }
                internal static void UsesOld() => Old();
                internal static int Number() => "not a number";
                internal static void Unknown() => undefinedThing();
            }

            """);
        using var work = new TempDirectory("equivalence");

        var (process, fast) = await PathEquivalence.GradeBothAsync(Process, f.Verifier, Slugify, candidate, work.Path, TestContext.Current.CancellationToken);

        Assert.Equal(VerdictStatus.BuildFailed, fast.Status);
        Assert.Equal(["the build failed with 2 error(s)"], fast.Reasons);
        Assert.Equal(
            ["Slug.cs(39,37): error CS0029: Cannot implicitly convert type 'string' to 'int'",
             "Slug.cs(40,39): error CS0103: The name 'undefinedThing' does not exist in the current context",
             "Slug.cs(38,39): warning CS0618: 'Broken.Old()' is obsolete: 'old'"],
            fast.Build!.Diagnostics.OrderBy(d => d.Contains("warning", StringComparison.Ordinal)).ThenBy(d => d, StringComparer.Ordinal));
        Assert.Empty(PathEquivalence.Differences(process, fast));
        Assert.Equal((DotnetXunitRunner.CompilerProcessPath, DotnetXunitRunner.CompileServicePath), (process.VerificationPath, fast.VerificationPath));
    }

    [Fact]
    public async Task A_sample_of_the_Exercism_track_gets_the_same_verdicts_test_by_test_on_both_paths()
    {
        // The CI sample of `Crucible.Bench.Verification --equivalence`, which sweeps the whole track.
        using var work = new TempDirectory("equivalence");
        var differences = new List<string>();
        foreach (var slug in new[] { "leap", "bob" })
        {
            var task = VerifierFixture.Exercism(slug);
            foreach (var candidate in PathCandidates.All)
            {
                var (process, fast) = await PathEquivalence.GradeBothAsync(Process, f.Verifier, task, candidate, work.Path, TestContext.Current.CancellationToken);
                differences.AddRange(PathEquivalence.Differences(process, fast).Select(d => $"{slug}/{candidate.Name}: {d}"));
                Assert.Equal(fast.Status == VerdictStatus.BuildFailed ? DotnetXunitRunner.CompileServicePath : DotnetXunitRunner.PrestartedPath, fast.VerificationPath);
                Assert.Equal(
                    candidate.Name switch
                    {
                        "reference" => VerdictStatus.Passed,
                        "stub" or "exit-early" => VerdictStatus.Failed,
                        "forge-results" or "inject-test" => VerdictStatus.Forged,
                        _ => VerdictStatus.BuildFailed,
                    },
                    fast.Status);
            }
        }
        Assert.Empty(differences);
    }

    [Fact]
    public async Task A_crashing_compile_service_hands_the_attempt_to_the_compiler_process_with_the_reason()
    {
        var crashing = new CrashingCompileServiceDouble();
        var verifier = new Verifier(f.Verifier.Options with { CSharpCompileService = crashing });
        using var ws = new TempDirectory("candidate");
        Workspaces.Materialize(Slugify, ws.Path, Slugify.ReferenceFiles);

        var v = await verifier.VerifyAsync(Slugify, ws.Path, null, TestContext.Current.CancellationToken);

        Assert.Equal(1, crashing.Calls);
        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(DotnetXunitRunner.CompilerProcessPrestartedPath, v.VerificationPath);
        Assert.Equal("the compile service failed (InvalidOperationException: compile service double crashed)", v.FallbackReason);
    }
}

using System.Reflection.PortableExecutable;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Testing.FastPath;
using Crucible.Verification.Dotnet;

namespace Crucible.Verification.Tests.Dotnet;

/// <summary>
/// C# test templates published with ReadyToRun package assemblies (<see cref="VerifierOptions.CSharpReadyToRun"/>): the
/// graded test process starts without JIT-compiling xunit, and grades exactly as with a plain (JIT) template.
/// </summary>
public sealed class ReadyToRunTemplateTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task The_default_template_carries_ReadyToRun_code_for_xunit_and_not_for_the_graded_program()
    {
        var task = VerifierFixture.Exercism("leap");
        var cache = new DotnetTemplateCache(f.Verifier.Options);

        var (template, error) = await cache.GetAsync(DotnetXunitRunner.ProfileOf(task), TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.NotNull(template);
        Assert.True(template.ReadyToRun);
        Assert.True(IsReadyToRun(Path.Combine(template.BinDirectory, "xunit.v3.core.dll")));
        Assert.True(IsReadyToRun(Path.Combine(template.BinDirectory, "xunit.v3.runner.inproc.console.dll")));
        Assert.True(File.Exists(Path.Combine(template.BinDirectory, DotnetTemplate.AssemblyName + ".runtimeconfig.json")));
        // The candidate's compile arguments are the plain Debug build's: DEBUG defined, no optimisation.
        var rsp = File.ReadAllText(template.CompileRsp);
        Assert.Contains("/define:TRACE;DEBUG", rsp, StringComparison.Ordinal);
        Assert.Contains("/optimize-", rsp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_candidate_of_the_equivalence_sweep_gets_the_same_verdict_with_and_without_ReadyToRun()
    {
        var task = VerifierFixture.Exercism("leap");
        var jit = new Verifier(f.Verifier.Options with { CSharpReadyToRun = false });
        using var work = new TempDirectory("r2r");
        var differences = new List<string>();
        var statuses = new List<VerdictStatus>();

        foreach (var candidate in PathCandidates.All)
        {
            var (plain, readyToRun) = await PathEquivalence.GradeBothAsync(jit, f.Verifier, task, candidate, work.Path, TestContext.Current.CancellationToken);
            differences.AddRange(PathEquivalence.Differences(plain, readyToRun).Select(d => $"{candidate.Name}: {d}"));
            statuses.Add(readyToRun.Status);
        }

        Assert.Empty(differences);
        Assert.Equal(
            PathCandidates.All.Select(c => c.Name switch
            {
                "reference" => VerdictStatus.Passed,
                "stub" or "exit-early" => VerdictStatus.Failed,
                "forge-results" or "inject-test" => VerdictStatus.Forged,
                _ => VerdictStatus.BuildFailed,
            }),
            statuses);
    }

    /// <summary>A ReadyToRun image has a managed native header (the ReadyToRun header) in its CLI header.</summary>
    private static bool IsReadyToRun(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        return pe.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}

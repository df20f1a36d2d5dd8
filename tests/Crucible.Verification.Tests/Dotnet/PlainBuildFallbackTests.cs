using System.Diagnostics;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Testing.FastPath;
using Crucible.Verification.Dotnet;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Dotnet;

/// <summary>
/// The plain-build fallback of the template cache: where the ReadyToRun publish cannot work (here: the crossgen package is
/// removed from the package folder, and the network is off), the template is built the plain way, says why, and every
/// candidate is graded exactly as on the ReadyToRun template, on the same path. Real template build, real sandbox.
/// </summary>
public sealed class PlainBuildFallbackTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private const string Crossgen = "microsoft.netcore.app.crossgen2";

    [Fact]
    public async Task Without_crossgen_the_template_is_built_plain_with_the_reason_and_grades_like_the_ready_to_run_one_on_the_same_path()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = f.Verifier.Options.NuGetPackagesDirectory;
        // Beside the package folder, so the copy is made of hard links (same file system): cheap, and nothing is changed.
        var packages = Path.Combine(Path.GetDirectoryName(source)!, $"crucible-test-no-crossgen-{Canaries.RandomHex(6)}");
        using var cache = new TempDirectory("plain-template-cache");
        using var work = new TempDirectory("plain-template-work");
        try
        {
            Directory.CreateDirectory(packages);
            foreach (var entry in Directory.EnumerateFileSystemEntries(source).Where(e => !Path.GetFileName(e).StartsWith(Crossgen, StringComparison.OrdinalIgnoreCase)))
            {
                await HardLinkCopyAsync(entry, packages, ct);
            }
            var options = f.Verifier.Options with
            {
                CacheDirectory = cache.Path,
                NuGetPackagesDirectory = packages,
                LocalPackageSources = [],
                AllowNetworkForTemplateRestore = false,
                CSharpReadyToRun = true,
            };
            var task = VerifierFixture.Exercism("two-fer");

            var template = (await new DotnetTemplateCache(options).GetAsync(DotnetXunitRunner.ProfileOf(task), ct)).Template!;

            Assert.False(template.ReadyToRun);
            Assert.StartsWith("the ReadyToRun publish failed here (", template.PlainBuildReason, StringComparison.Ordinal);
            Assert.EndsWith("); the runtime files are the plain build's", template.PlainBuildReason, StringComparison.Ordinal);
            Assert.DoesNotContain(Directory.EnumerateDirectories(packages), d => Path.GetFileName(d).StartsWith(Crossgen, StringComparison.OrdinalIgnoreCase));

            await using var plain = new Verifier(options);
            var differences = new List<string>();
            foreach (var candidate in PathCandidates.All.Where(c => c.Name is "reference" or "stub" or "forge-results"))
            {
                // The shared verifier grades on the default template; the other on the plain one built above.
                var (usual, fallback) = await PathEquivalence.GradeBothAsync(f.Verifier, plain, task, candidate, work.Path, ct);
                differences.AddRange(PathEquivalence.Differences(usual, fallback).Select(d => $"{candidate.Name}: {d}"));
                Assert.Equal((usual.VerificationPath, usual.FallbackReason), (fallback.VerificationPath, fallback.FallbackReason));
                if (candidate.Name == "reference")
                {
                    Assert.Equal((VerdictStatus.Passed, DotnetXunitRunner.PrestartedPath), (fallback.Status, fallback.VerificationPath));
                }
            }
            Assert.Empty(differences);
        }
        finally
        {
            Workspaces.DeleteTree(packages);
        }
    }

    private static async Task HardLinkCopyAsync(string entry, string into, CancellationToken ct)
    {
        using var cp = Process.Start(new ProcessStartInfo("cp", ["-al", entry, into]) { RedirectStandardError = true })!;
        var error = await cp.StandardError.ReadToEndAsync(ct);
        await cp.WaitForExitAsync(ct);
        Assert.True(cp.ExitCode == 0, $"cp -al {entry}: {error}");
    }
}

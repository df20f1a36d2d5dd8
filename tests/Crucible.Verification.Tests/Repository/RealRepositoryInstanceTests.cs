using System.Text.Json;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Repository;

namespace Crucible.Verification.Tests.Repository;

/// <summary>
/// A sample of the real bug-fix instances of ../shared/repos (its README.md) verified end to end through the real
/// pieces: a clone of the bundle, <see cref="RepositoryVerifier"/>, <see cref="TestCommandRunner"/> and bubblewrap.
/// bench/verify-instances runs all 51 instances the same way.
/// </summary>
public sealed class RealRepositoryInstanceTests : IDisposable
{
    private readonly TempDirectory _work = new("real-instance");
    private readonly TempDirectory _harness = new("real-instance-harness");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _work.Dispose();
        _harness.Dispose();
    }

    /// <summary>
    /// The sample: 15 test-command runs (5 per instance) plus tomlyn's host restore; from the README's idle timings about
    /// 3-4 minutes on an idle 2-core machine, most of it tomlyn (a build per run). Measured only on the shared machine at
    /// load 50-57: 0.5, 0.3, 2, 3.5, 3 and 24 minutes.
    /// The instances:
    /// two cachetools fixes (the first edits an existing test whose old version the fix breaks), a more-itertools fix,
    /// a mux fix from before go.mod (GOPATH mode), a pflag fix touching two test files, and a tomlyn (C#, NUnit, TRX)
    /// fix with the repository's four always-failing tests as known failures. more-itertools runs only the instance's
    /// test file (tests/test_more.py, not the 12-second test_primes of tests/test_recipes.py): its expected
    /// pass-to-pass count is the instance's PASS_TO_PASS restricted to that file.
    /// </summary>
    public static TheoryData<string, string, string?> Sample => new()
    {
        { "cachetools", "tkem__cachetools-18e5930ced", null },
        { "cachetools", "tkem__cachetools-462e867950", null },
        { "more-itertools", "more-itertools__more-itertools-cf186b5de4", "tests/test_more.py" },
        { "mux", "gorilla__mux-4a3d4f3dd2", null },
        { "pflag", "spf13__pflag-ad27a40185", null },
        { "tomlyn", "xoofx__Tomlyn-a79f9d2b34", null },
    };

    [Theory]
    [MemberData(nameof(Sample))]
    public async Task A_real_fix_fails_with_its_tests_alone_naming_the_fail_to_pass_tests_and_passes_with_the_fix(string repo, string id, string? onlyTestFile)
    {
        var instance = Instance.Load(repo, id);
        var command = onlyTestFile is null ? instance.TestCommand : instance.TestCommand.Replace(" tests", " " + onlyTestFile, StringComparison.Ordinal);
        var passToPass = instance.PassToPass.Count(t => onlyTestFile is null || t.StartsWith(onlyTestFile + "::", StringComparison.Ordinal));
        var clone = _work["repo"];
        TestGit.Run(_work.Path, "clone", "-q", Path.Combine(TestPaths.Shared, "repos", $"{repo}.bundle"), clone);
        TestGit.Run(clone, "checkout", "-q", "-f", instance.BaseCommit);
        if (Instance.RestoreCommand(command) is { } restore)
        {
            // verify runs offline: like a user who has built the project once, the NuGet cache must hold the packages.
            Apply(clone, instance.TestPatch);
            Apply(clone, instance.Patch);
            Host(clone, restore);
            TestGit.Run(clone, "checkout", "-q", "-f", instance.BaseCommit);
            TestGit.Run(clone, "clean", "-q", "-fdx");
        }
        Apply(clone, instance.TestPatch);

        var testsOnly = await Verify(clone, command, instance.FailingAfterFix);

        Apply(clone, instance.Patch);
        var withFix = await Verify(clone, command, instance.FailingAfterFix);

        // Tests alone: the base's tests all still pass, and exactly the instance's fail-to-pass tests fail among the
        // change's tests, under the instance's own ids (pytest node ids, Go Parent/sub, TRX className.testName).
        Assert.False(testsOnly.Verified);
        Assert.Equal(instance.FailToPass.Order(StringComparer.Ordinal), testsOnly.ChangeFailures.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["base", "evidence=base", "tests-on-base", "change=tests-on-base"], Shape(testsOnly));
        Assert.Equal((0, 0), (testsOnly.Broken.Count, testsOnly.StillFailing.Count));
        Assert.Equal(instance.FailingAfterFix.Order(StringComparer.Ordinal), testsOnly.KnownFailures);
        // With the fix: verified, the base result comes from the cache, and the change's tests report the instance's
        // fail-to-pass tests and its pass-to-pass count.
        Assert.True(withFix.Verified, string.Join("\n", withFix.Reasons));
        Assert.Equal(["base (cached)", "evidence", "tests-on-base", "change"], Shape(withFix));
        Assert.Equal(instance.FailToPass.Order(StringComparer.Ordinal), withFix.FailToPass.Order(StringComparer.Ordinal));
        Assert.Equal(passToPass, withFix.PassToPassCount);
        Assert.Equal(instance.FailingAfterFix.Order(StringComparer.Ordinal), withFix.KnownFailures);
        Assert.All(withFix.Runs.Where(r => r.SameAs is null), r => Assert.NotEqual(false, r.CanariesOk));
        // Verification built and wrote nothing in the clone: only the two patches changed it.
        Assert.Equal(Status(clone, instance.TestFiles.Concat(instance.PatchFiles)), Status(clone, null));
    }

    private async Task<RepositoryVerdict> Verify(string clone, string command, IReadOnlyList<string> known)
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        var verifier = new RepositoryVerifier(
            new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox, WorkDirectory = _harness.Path }),
            ToolchainFingerprint.Compute(sandbox.Name),
            new RepositoryVerifierOptions { TempRoot = _harness.Path });
        return await verifier.VerifyAsync(new RepositoryVerifyRequest
        {
            RepositoryPath = clone,
            TestCommand = command,
            KnownFailures = known,
            CacheDirectory = _work["cache"],
        }, Ct);
    }

    private static List<string> Shape(RepositoryVerdict v) =>
        [.. v.Runs.Select(r => r.SameAs is { } same ? $"{r.Name}={same}" : r.Cached ? $"{r.Name} (cached)" : r.Name)];

    private static void Host(string clone, string command)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", command]) { WorkingDirectory = clone, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{command}: {stdout}{stderr.Result}");
    }

    private static void Apply(string clone, string patch)
    {
        var file = Path.Combine(Path.GetDirectoryName(clone)!, "change.patch");
        File.WriteAllText(file, patch);
        TestGit.Run(clone, "apply", file);
        File.Delete(file);
    }

    /// <summary>The clone's changed and untracked paths (ignored files included), or the expected ones when given.</summary>
    private static List<string> Status(string clone, IEnumerable<string>? expected)
    {
        if (expected is not null)
        {
            return [.. expected.Order(StringComparer.Ordinal)];
        }
        var psi = new System.Diagnostics.ProcessStartInfo("git", ["status", "--porcelain", "--ignored", "--untracked-files=all"]) { WorkingDirectory = clone, RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        return [.. lines.Select(l => l[3..]).Order(StringComparer.Ordinal)];
    }

    private sealed record Instance(
        string BaseCommit, string TestPatch, string Patch, string TestCommand, List<string> TestFiles, List<string> PatchFiles,
        List<string> FailToPass, List<string> PassToPass, List<string> FailingAfterFix)
    {
        /// <summary>For a <c>dotnet test</c> command, the same project's <c>dotnet restore</c> (the command up to its logger options); else null.</summary>
        public static string? RestoreCommand(string testCommand) =>
            testCommand.StartsWith("dotnet test ", StringComparison.Ordinal)
                ? "dotnet restore " + testCommand["dotnet test ".Length..].Split(" --logger")[0]
                : null;

        public static Instance Load(string repo, string id)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Shared, "repos", $"{repo}.instances.json")));
            var e = doc.RootElement.EnumerateArray().Single(x => x.GetProperty("instance_id").GetString() == id);
            List<string> L(string name) => [.. e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!)];
            string S(string name) => e.GetProperty(name).GetString()!;
            return new Instance(S("base_commit"), S("test_patch"), S("patch"), S("test_command"), L("test_files"), L("patch_files"),
                L("FAIL_TO_PASS"), L("PASS_TO_PASS"), L("FAILING_AFTER_FIX"));
        }
    }
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Results;

namespace Crucible.Verification.Go;

/// <summary>
/// Grades Go tasks: a compile-only <c>go test -run '^$'</c> as the build, then <c>go test -json</c> with
/// a canary test file, its event stream redirected by the sandboxed shell into a harness-chosen file.
/// Only top-level tests are graded; subtests fold into their parent's result, as <c>go test</c> does.
/// </summary>
public sealed partial class GoTestRunner : ITestRunner
{
    /// <inheritdoc />
    public string Kind => RunnerKinds.GoTest;

    /// <inheritdoc />
    public IReadOnlyList<ExpectedTest> Discover(TaskSpec task) =>
        [.. task.TestFiles.Where(f => f.Path.EndsWith("_test.go", StringComparison.Ordinal))
            .SelectMany(f => TestFuncPattern().Matches(System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f))).Select(m => m.Groups[1].Value))
            .Distinct()
            .Select(n => new ExpectedTest(n, 1))];

    /// <inheritdoc />
    public (string Pass, string Fail) CanaryNames(RunContext context) =>
        ($"TestCruciblePasses_{context.Canaries.Id}", $"TestCrucibleFails_{context.Canaries.Id}");

    /// <inheritdoc />
    public string TestKey(string reportedName) => reportedName;

    /// <summary>
    /// The environment of every Go build in the sandbox (grading and the differential driver): offline modules
    /// (<c>GOPROXY=off</c>), the local toolchain only, no cgo, caches in the sandbox's own <c>/tmp</c>.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> SandboxEnvironment { get; } = new Dictionary<string, string>
    {
        ["PATH"] = Toolchains.SandboxPath,
        ["GOPATH"] = "/tmp/go",
        ["GOCACHE"] = "/tmp/go-cache",
        ["GOFLAGS"] = "-mod=mod -buildvcs=false",
        ["GOPROXY"] = "off",
        ["GOTOOLCHAIN"] = "local",
        ["GO111MODULE"] = "on",
        ["CGO_ENABLED"] = "0",
        ["LANG"] = "C.UTF-8",
    };

    /// <inheritdoc />
    public async Task<RunOutcome> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var env = SandboxEnvironment;
        var pkg = PackagePattern().Match(System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(context.Task.TestFiles.First(f => f.Path.EndsWith(".go", StringComparison.Ordinal))))).Groups[1].Value;
        // go test runs tests file by file in name order: the canaries' file sorts first, so a candidate test
        // that panics (which ends the test binary) cannot stop them from reporting.
        File.WriteAllText(Path.Combine(context.GradingDir, $"0000_crucible_canary_{context.Canaries.Id}_test.go"), $$"""
            package {{pkg}}

            // Harness canaries: one must pass, one must fail with the nonce.
            import "testing"

            func TestCruciblePasses_{{context.Canaries.Id}}(t *testing.T) {
            	if 2+2 != 4 {
            		t.Fatal("arithmetic")
            	}
            }

            func TestCrucibleFails_{{context.Canaries.Id}}(t *testing.T) {
            	t.Fatal("{{context.Canaries.Nonce}}")
            }

            """);

        // Test files guarded by a plain build tag (Exercism's "//go:build bonus") define pristine tests
        // too: build with those tags so every discovered test runs.
        var tags = string.Join(",", context.Task.TestFiles.Where(f => f.Path.EndsWith("_test.go", StringComparison.Ordinal))
            .SelectMany(f => BuildTagPattern().Matches(System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f))).Select(m => m.Groups[1].Value))
            .Distinct().Order(StringComparer.Ordinal));
        string[] tagArgs = tags.Length > 0 ? ["-tags", tags] : [];

        var clock = Stopwatch.StartNew();
        var compile = await context.Sandbox.ExecuteAsync(
            new SandboxCommand("go", ["test", "-count=1", .. tagArgs, "-run", "^$", "."]),
            Toolchains.GradingPolicy(context, context.Task.Limits.BuildTimeout, env), cancellationToken).ConfigureAwait(false);
        var compileLog = context.WithoutMountDir(compile.Stdout.Text + compile.Stderr.Text);
        var build = new BuildOutcome(compile.Succeeded, clock.Elapsed, compileLog, compile.Succeeded ? 0 : Math.Max(1, Regex.Matches(compileLog, @"\.go:\d+:\d+:").Count));
        if (!build.Succeeded)
        {
            return RunOutcomes.BuildFailed(build, compile.LimitsHit);
        }

        Directory.CreateDirectory(context.HarnessDir);
        var events = Path.Combine(context.HarnessDir, $"{Canaries.RandomHex(6)}.json");
        var run = await context.Sandbox.ExecuteAsync(
            new SandboxCommand("/bin/sh", ["-c", "out=\"$1\"; shift; go test -count=1 \"$@\" -json . > \"$out\"", "sh", context.InSandbox(events), .. tagArgs]),
            Toolchains.GradingPolicy(context, context.Task.Limits.TestTimeout, env), cancellationToken).ConfigureAwait(false);

        // Subtests ("Parent/Sub") fold into their parent; package-level events are not tests.
        return RunOutcomes.FromTestRun(context, build, run, () =>
            [.. TestResultFiles.ReadGoTestJson(events).Where(r => !r.Name.Contains('/', StringComparison.Ordinal) && !r.Name.StartsWith("package:", StringComparison.Ordinal))]);
    }

    [GeneratedRegex(@"(?m)^func\s+(Test[A-Z_0-9]\w*|Test)\s*\(\s*\w+\s+\*testing\.T\s*\)")]
    private static partial Regex TestFuncPattern();

    [GeneratedRegex(@"(?m)^//go:build\s+(\w+)\s*$")]
    private static partial Regex BuildTagPattern();

    [GeneratedRegex(@"(?m)^package\s+(\w+)")]
    private static partial Regex PackagePattern();
}

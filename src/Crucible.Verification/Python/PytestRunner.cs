using System.Diagnostics;
using System.Text.RegularExpressions;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Results;

namespace Crucible.Verification.Python;

/// <summary>
/// Grades Python tasks with pytest: a byte-compile "build" of the editable files, then pytest on the
/// pristine test files plus a canary module, writing JUnit XML to a harness-chosen path. Both steps
/// run in one sandboxed process without network (see docs/verification.md, "Python").
/// </summary>
public sealed partial class PytestRunner : ITestRunner
{
    /// <inheritdoc />
    public string Kind => RunnerKinds.Pytest;

    /// <summary>
    /// Finds tests the way pytest collects them from source: module-level <c>test*</c> functions, and
    /// <c>test*</c> methods of classes named <c>Test*</c> or deriving from a <c>*TestCase</c> base.
    /// Names follow pytest's JUnit report: <c>module.Class.test_name</c> or <c>module.test_name</c>.
    /// </summary>
    public IReadOnlyList<ExpectedTest> Discover(TaskSpec task)
    {
        var result = new List<ExpectedTest>();
        foreach (var file in task.TestFiles.Where(f => f.Path.EndsWith(".py", StringComparison.Ordinal) && Path.GetFileName(f.Path) is var n && (n.StartsWith("test_", StringComparison.Ordinal) || n.EndsWith("_test.py", StringComparison.Ordinal))))
        {
            var module = file.Path[..^3].Replace('/', '.');
            string? testClass = null;
            foreach (var line in System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(file)).Split('\n'))
            {
                if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && !line.StartsWith('#') && !line.StartsWith('@') && !line.StartsWith(')'))
                {
                    testClass = null;
                    if (ClassPattern().Match(line) is { Success: true } c &&
                        (c.Groups[1].Value.StartsWith("Test", StringComparison.Ordinal) || c.Groups[2].Value.Contains("TestCase", StringComparison.Ordinal)))
                    {
                        testClass = c.Groups[1].Value;
                    }
                    else if (FunctionPattern().Match(line) is { Success: true } f)
                    {
                        result.Add(new ExpectedTest($"{module}.{f.Groups[1].Value}", null));
                    }
                }
                else if (testClass is not null && MethodPattern().Match(line) is { Success: true } m)
                {
                    result.Add(new ExpectedTest($"{module}.{testClass}.{m.Groups[1].Value}", null));
                }
            }
        }
        return result;
    }

    /// <inheritdoc />
    public (string Pass, string Fail) CanaryNames(RunContext context) =>
        ($"test_crucible_canary_{context.Canaries.Id}.test_passes_{context.Canaries.Id}", $"test_crucible_canary_{context.Canaries.Id}.test_fails_{context.Canaries.Id}");

    /// <inheritdoc />
    public string TestKey(string reportedName)
    {
        // Parametrised cases are reported as "name[param]".
        var bracket = reportedName.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? reportedName : reportedName[..bracket];
    }

    /// <inheritdoc />
    public async Task<RunOutcome> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var env = new Dictionary<string, string>
        {
            ["PATH"] = Toolchains.SandboxPath,
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["PYTHONHASHSEED"] = "0",
            ["LANG"] = "C.UTF-8",
        };
        if (!context.Options.PytestPluginAutoload)
        {
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1";
        }
        var editable = Directory.EnumerateFiles(context.GradingDir, "*.py", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(context.GradingDir, f).Replace('\\', '/'))
            .Where(p => PathGlob.MatchesAny(p, context.Task.Editable))
            .Order(StringComparer.Ordinal).ToList();

        var canaryFile = Path.Combine(context.GradingDir, $"test_crucible_canary_{context.Canaries.Id}.py");
        File.WriteAllText(canaryFile, $"""
            # Harness canaries: one must pass, one must fail with the nonce.
            def test_passes_{context.Canaries.Id}():
                assert abs(-4) == 4

            def test_fails_{context.Canaries.Id}():
                raise AssertionError("{context.Canaries.Nonce}")

            """);
        Directory.CreateDirectory(context.HarnessDir);
        var junit = Path.Combine(context.HarnessDir, $"{Canaries.RandomHex(6)}.xml");
        var tests = context.Task.TestFiles.Where(f => f.Path.EndsWith(".py", StringComparison.Ordinal) && Discover(context.Task with { TestFiles = [f] }).Count > 0)
            .Select(f => f.Path).Append(Path.GetFileName(canaryFile));
        string[] pytestArgs = ["-p", "no:cacheprovider", "-o", "junit_family=xunit2", "-q", "--continue-on-collection-errors", "--junitxml", context.InSandbox(junit), .. tests];

        // One sandboxed process instead of two (a byte-compile step, then pytest): the driver compiles the editable files
        // before any candidate code runs and exits with BuildFailedExit when they do not compile; otherwise pytest runs in
        // the same interpreter. Python start-up, and the sandbox's, are paid once.
        var clock = Stopwatch.StartNew();
        var runSpan = VerificationStages.Start(VerificationStages.TestProcess);
        var run = await context.Sandbox.ExecuteAsync(
            new SandboxCommand("python3", ["-c", Driver, editable.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), .. editable, .. pytestArgs]),
            Toolchains.GradingPolicy(context, context.Task.Limits.TestTimeout, env), cancellationToken).ConfigureAwait(false);
        runSpan?.Dispose();
        if (run.ExitCode == BuildFailedExit && !File.Exists(junit))
        {
            // A candidate that exits with this code itself only turns its own run into a build failure.
            var failed = new BuildOutcome(false, clock.Elapsed, context.WithoutMountDir(run.Stdout.Text + run.Stderr.Text), 1);
            return RunOutcomes.BuildFailed(failed, run.LimitsHit);
        }
        var build = new BuildOutcome(true, TimeSpan.Zero, "", 0);

        return RunOutcomes.FromTestRun(context, build, run, () => WithoutCollectionErrors(TestResultFiles.ReadJUnit(junit), context.Task));
    }

    /// <summary>The driver's exit code when an editable file does not compile (pytest's own codes are 0 to 5).</summary>
    internal const int BuildFailedExit = 97;

    /// <summary>The harness driver: argv is the count of editable files, the files, then pytest's arguments.</summary>
    private const string Driver = """
        import sys, traceback
        n = int(sys.argv[1])
        files, args = sys.argv[2:2 + n], sys.argv[2 + n:]
        try:
            for f in files:
                compile(open(f, encoding='utf-8').read(), f, 'exec')
        except BaseException:
            traceback.print_exc()
            sys.exit(97)
        import pytest
        sys.exit(pytest.main(args))
        """;

    /// <summary>
    /// Drops the entry pytest writes when a pristine test module fails to import (named after the module,
    /// not a test). Its tests then count as not run, so the attempt fails instead of looking forged; the
    /// import error stays in the test log. The canaries still run thanks to <c>--continue-on-collection-errors</c>.
    /// </summary>
    private static IReadOnlyList<RawTestResult> WithoutCollectionErrors(IReadOnlyList<RawTestResult> results, TaskSpec task)
    {
        var modules = task.TestFiles.Where(f => f.Path.EndsWith(".py", StringComparison.Ordinal))
            .Select(f => f.Path[..^3].Replace('/', '.')).ToHashSet(StringComparer.Ordinal);
        return [.. results.Where(r => !(r.Outcome == TestOutcomeKind.Failed && modules.Contains(r.Name.Trim('.'))))];
    }

    [GeneratedRegex(@"^class\s+(\w+)\s*(?:\((.*)\))?\s*:")]
    private static partial Regex ClassPattern();

    [GeneratedRegex(@"^(?:async\s+)?def\s+(test\w*)\s*\(")]
    private static partial Regex FunctionPattern();

    [GeneratedRegex(@"^\s+(?:async\s+)?def\s+(test\w*)\s*\(")]
    private static partial Regex MethodPattern();
}

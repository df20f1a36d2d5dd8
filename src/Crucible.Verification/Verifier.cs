using System.Diagnostics;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Dotnet;
using Crucible.Verification.Go;
using Crucible.Verification.Grading;
using Crucible.Verification.Python;
using Crucible.Verification.Results;

namespace Crucible.Verification;

/// <summary>
/// The harness's verifier: composes a grading workspace from the pristine task and the candidate's
/// editable files, builds and runs the tests in the sandbox under a randomised path with injected
/// canaries, and grades from the harness-requested result file alone.
/// </summary>
/// <remarks>
/// A verdict is <see cref="VerdictStatus.Passed"/> only when: the build succeeded; every test discovered
/// in the pristine test files produced exactly its expected results, all passed, none skipped; no other
/// test reported a result; both canaries came back as planted; and the test process exited with the
/// code a clean run gives (see <see cref="RunOutcome.CleanExitCode"/>).
/// </remarks>
public sealed class Verifier : IVerifier, IAsyncDisposable
{
    private readonly VerifierOptions _options;
    private readonly Dictionary<string, ITestRunner> _runners;

    /// <summary>Creates a verifier with the built-in runners (C# xunit, pytest, go test).</summary>
    public Verifier(VerifierOptions options)
        : this(options, [new DotnetXunitRunner(), new PytestRunner(), new GoTestRunner()])
    {
    }

    /// <summary>Creates a verifier with the given runners.</summary>
    public Verifier(VerifierOptions options, IEnumerable<ITestRunner> runners)
    {
        _options = options;
        _runners = runners.ToDictionary(r => r.Kind, StringComparer.Ordinal);
    }

    /// <summary>The options in use.</summary>
    public VerifierOptions Options => _options;

    /// <inheritdoc />
    public async Task<Verdict> VerifyAsync(TaskSpec task, string workspacePath, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        if (!_runners.TryGetValue(task.Runner.Kind, out var runner))
        {
            return HarnessFailure(task, $"no runner for '{task.Runner.Kind}'", clock.Elapsed);
        }
        var expected = runner.Discover(task);
        if (expected.Count == 0)
        {
            return HarnessFailure(task, "no tests were found in the task's protected test files; a task without tests cannot be verified", clock.Elapsed);
        }

        // A runner may hand out a job folder prepared ahead of need (a pre-started test process waits on it); it is
        // used by this verification only and deleted with it.
        var slot = await runner.ReserveSlotAsync(task, _options, cancellationToken).ConfigureAwait(false);
        var root = slot?.Root ?? Path.Combine(_options.WorkDirectory, $"crucible-grade-{Canaries.RandomHex(8)}");
        var gradingDir = slot?.GradingDir ?? Path.Combine(root, Canaries.RandomHex(4));
        try
        {
            Directory.CreateDirectory(gradingDir);
            GradingInputs inputs;
            using (VerificationStages.Start(VerificationStages.Compose))
            {
                inputs = GradingWorkspace.Compose(task, workspacePath, gradingDir);
            }
            var context = new RunContext(task, gradingDir, slot?.MountDir ?? $"/{Canaries.RandomHex(6)}/{Canaries.RandomHex(6)}", Canaries.Create(), _options.Sandbox, _options);
            if (slot is not null)
            {
                context = context with { HarnessDir = slot.HarnessDir, Slot = slot };
            }
            var outcome = await runner.RunAsync(context, cancellationToken).ConfigureAwait(false);
            var verdict = Grade(task, runner, expected, context, outcome, inputs) with { Duration = clock.Elapsed };
            if (options?.ArtifactsPath is { } artifacts)
            {
                WriteArtifacts(artifacts, outcome, runner.CanaryNames(context));
            }
            return verdict;
        }
        finally
        {
            if (slot is not null)
            {
                await slot.Lease.DisposeAsync().ConfigureAwait(false);
            }
            if (!_options.KeepWorkspaces)
            {
                Workspaces.DeleteTree(root);
            }
        }
    }

    /// <summary>Stops what the runners keep ready (pre-started test processes) and waits until those processes are gone.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var runner in _runners.Values.OfType<IAsyncDisposable>())
        {
            await runner.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Verdict HarnessFailure(TaskSpec task, string reason, TimeSpan elapsed) => new()
    {
        TaskId = task.Id,
        Status = VerdictStatus.HarnessError,
        Reasons = [reason],
        Sandbox = _options.Sandbox.Name,
        Adjustments = task.Adjustments,
        Duration = elapsed,
    };

    /// <summary>Applies the grading rules to what a runner observed.</summary>
    internal Verdict Grade(TaskSpec task, ITestRunner runner, IReadOnlyList<ExpectedTest> expected, RunContext context, RunOutcome outcome, GradingInputs inputs)
    {
        var reasons = new List<string>();
        var status = VerdictStatus.Passed;
        void Fail(VerdictStatus s, string reason)
        {
            // The first failure sets the status; later reasons are kept for the record.
            if (status == VerdictStatus.Passed)
            {
                status = s;
            }
            reasons.Add(reason);
        }

        var tests = new List<TestOutcome>();
        var counts = new TestCounts(expected.Sum(e => e.Cases ?? 1), 0, 0, 0, 0, 0);
        bool? canariesOk = null;

        if (outcome.HarnessError is { } harness)
        {
            Fail(VerdictStatus.HarnessError, harness);
        }
        else if (!outcome.Build.Succeeded)
        {
            var limit = outcome.LimitHits.FirstOrDefault(l => l != LimitKind.Output);
            if (outcome.LimitHits.Any(l => l != LimitKind.Output))
            {
                Fail(VerdictStatus.LimitExceeded, $"the build hit the {limit} limit");
            }
            else
            {
                Fail(VerdictStatus.BuildFailed, $"the build failed with {outcome.Build.ErrorCount} error(s)");
            }
        }
        else
        {
            if (outcome.LimitHits.FirstOrDefault(l => l != LimitKind.Output) is var fatal && outcome.LimitHits.Any(l => l != LimitKind.Output))
            {
                Fail(VerdictStatus.LimitExceeded, $"the tests hit the {fatal} limit");
            }
            if (outcome.Results is null)
            {
                Fail(VerdictStatus.Failed, $"no test results: {outcome.ResultsError} (test process exit code {outcome.ExitCode?.ToString() ?? "none"})");
            }
            else
            {
                (tests, counts, canariesOk) = Match(runner, expected, context, outcome.Results, Fail);
            }
            if (outcome.ExitCode is { } code && code != outcome.CleanExitCode)
            {
                Fail(VerdictStatus.Failed, $"the test process exited with code {code}; a clean run exits with {outcome.CleanExitCode} (only the harness's must-fail canary fails)");
            }
        }

        foreach (var t in inputs.Tampering)
        {
            reasons.Add($"protected file {t.Path} was {t.Change} by the candidate; the original was restored for grading");
        }
        if (inputs.OutOfScope.Count > 0)
        {
            reasons.Add($"changes outside the editable files were ignored: {string.Join(", ", inputs.OutOfScope.Take(10))}{(inputs.OutOfScope.Count > 10 ? ", ..." : "")}");
        }
        if (inputs.Refused.Count > 0)
        {
            reasons.Add($"candidate entries not read: {string.Join(", ", inputs.Refused.Take(10))}");
        }

        return new Verdict
        {
            TaskId = task.Id,
            Status = status,
            Reasons = reasons,
            Build = outcome.Build,
            Tests = tests,
            Counts = counts,
            TestExitCode = outcome.ExitCode,
            TestLog = outcome.TestLog,
            LimitHits = outcome.LimitHits,
            Tampering = inputs.Tampering,
            CanariesOk = canariesOk,
            Sandbox = _options.Sandbox.Name,
            Adjustments = [.. task.Adjustments, .. outcome.Adjustments],
            VerificationPath = outcome.Path,
            FallbackReason = outcome.FallbackReason,
        };
    }

    private static (List<TestOutcome>, TestCounts, bool) Match(
        ITestRunner runner, IReadOnlyList<ExpectedTest> expected, RunContext context, IReadOnlyList<RawTestResult> results, Action<VerdictStatus, string> fail)
    {
        var (passCanary, failCanary) = runner.CanaryNames(context);
        var passResults = results.Where(r => r.Name == passCanary).ToList();
        var failResults = results.Where(r => r.Name == failCanary).ToList();
        var canariesOk = passResults is [{ Outcome: TestOutcomeKind.Passed }]
                         && failResults is [{ Outcome: TestOutcomeKind.Failed } f] && (f.Message ?? "").Contains(context.Canaries.Nonce, StringComparison.Ordinal);
        if (!canariesOk)
        {
            fail(VerdictStatus.Forged, $"canary tests came back wrong (must-pass: {Describe(passResults)}, must-fail: {Describe(failResults)}): the results channel was tampered with");
        }

        var byKey = results.Where(r => r.Name != passCanary && r.Name != failCanary)
            .GroupBy(r => runner.TestKey(r.Name), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var outcomes = new List<TestOutcome>();
        var expectedCount = 0;
        foreach (var e in expected)
        {
            if (!byKey.Remove(e.Name, out var got))
            {
                outcomes.Add(new TestOutcome(e.Name, TestOutcomeKind.NotRun, TimeSpan.Zero, "no result was reported for this test"));
                expectedCount += e.Cases ?? 1;
                continue;
            }
            // A test whose cases are only known at run time (computed theory data, pytest parameters) expects what it reported.
            expectedCount += e.Cases ?? got.Count;
            outcomes.AddRange(got.Select(r => new TestOutcome(r.Name, r.Outcome, r.Duration, r.Message)));
            if (e.Cases is { } n && got.Count != n)
            {
                fail(VerdictStatus.Forged, $"{e.Name} reported {got.Count} result(s) but the pristine tests define {n}");
            }
        }
        var unexpected = byKey.Values.SelectMany(v => v).ToList();
        if (unexpected.Count > 0)
        {
            fail(VerdictStatus.Forged, $"results were reported for {unexpected.Count} test(s) not in the pristine test files: {string.Join(", ", unexpected.Take(5).Select(u => u.Name))}");
        }

        var executed = outcomes.Count(o => o.Outcome != TestOutcomeKind.NotRun);
        var counts = new TestCounts(
            expectedCount,
            executed,
            outcomes.Count(o => o.Outcome == TestOutcomeKind.Passed),
            outcomes.Count(o => o.Outcome == TestOutcomeKind.Failed),
            outcomes.Count(o => o.Outcome == TestOutcomeKind.Skipped),
            outcomes.Count(o => o.Outcome == TestOutcomeKind.NotRun));
        if (counts.Failed > 0)
        {
            fail(VerdictStatus.Failed, $"{counts.Failed} of {counts.Expected} test(s) failed");
        }
        if (counts.Skipped > 0)
        {
            fail(VerdictStatus.Failed, $"{counts.Skipped} test(s) were skipped; a skipped test never counts as passed");
        }
        if (counts.NotRun > 0)
        {
            fail(VerdictStatus.Failed, $"{counts.NotRun} test(s) did not run");
        }
        if (executed != expectedCount)
        {
            fail(VerdictStatus.Failed, $"{executed} test(s) ran but the pristine test files define {expectedCount}");
        }
        return (outcomes.OrderBy(o => o.Name, StringComparer.Ordinal).ToList(), counts, canariesOk);
    }

    private static string Describe(List<RawTestResult> r) => r.Count switch
    {
        0 => "missing",
        1 => r[0].Outcome.ToString().ToLowerInvariant(),
        _ => $"{r.Count} results",
    };

    private static void WriteArtifacts(string dir, RunOutcome outcome, (string Pass, string Fail) canaries)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "build.log"), outcome.Build.Log);
        File.WriteAllText(Path.Combine(dir, "test.log"), CanaryNote(canaries) + outcome.TestLog);
    }

    /// <summary>
    /// The header of every <c>test.log</c>: the log below always shows one failing test the candidate did not write,
    /// and a reader must not mistake it for the candidate's failure.
    /// </summary>
    internal static string CanaryNote((string Pass, string Fail) canaries) =>
        $"# crucible: the harness added two canary tests to this run: {canaries.Pass} must pass and {canaries.Fail} must fail\n" +
        "# with a secret nonce. The canary's failure (and the failed count of 1 it adds) is expected: it proves the results\n" +
        "# channel was not tampered with. It is not counted in the verdict.\n\n";
}

using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Testing.FastPath;
using Crucible.Testing.Processes;
using Crucible.Verification.Dotnet;
using Crucible.Verification.Grading;
using Crucible.Verification.Results;

namespace Crucible.Verification.Tests.Dotnet;

/// <summary>
/// Pre-started test processes (<see cref="VerifierOptions.CSharpPrestart"/>) through the real verifier, runner and
/// bubblewrap sandbox: one candidate per process, a fresh folder each, the timeout from hand-over, a dead runner
/// replaced by a fresh process with the reason, and nothing left running after the verifier is disposed.
/// </summary>
public sealed class PrestartedRunnerTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static readonly Core.Tasks.TaskSpec Slugify = VerifierFixture.Example("slugify");

    /// <summary>
    /// Appended to Slug.cs: when the program starts it records which markers of earlier candidates it can see (in its
    /// working folder, /tmp and the folder above its workspace) and how often this process started a program, then
    /// leaves a marker of its own everywhere it can write.
    /// </summary>
    private const string Snoop = """

        internal static class CrucibleSnoop
        {
            private static int _starts;

            [System.Runtime.CompilerServices.ModuleInitializer]
            internal static void Look()
            {
                var starts = System.Threading.Interlocked.Increment(ref _starts);
                var seen = new System.Collections.Generic.List<string>();
                foreach (var dir in new[] { ".", "/tmp", ".." })
                {
                    try
                    {
                        seen.AddRange(System.IO.Directory.EnumerateFiles(dir, "snoop-marker-*", System.IO.SearchOption.AllDirectories));
                    }
                    catch (System.Exception) { }
                }
                System.IO.File.WriteAllText("snoop-report.txt", $"starts={starts};seen={string.Join(",", seen)};args={string.Join(" ", System.Environment.GetCommandLineArgs()[1..])}");
                var marker = "snoop-marker-" + System.Guid.NewGuid().ToString("N");
                System.IO.File.WriteAllText(marker, "x");
                try { System.IO.File.WriteAllText("/tmp/" + marker, "x"); } catch (System.Exception) { }
            }
        }

        """;

    [Fact]
    public async Task Each_candidate_gets_its_own_prestarted_process_and_folder_and_sees_nothing_of_the_one_before()
    {
        using var work = new TempDirectory("prestart-work");
        await using var verifier = new Verifier(f.Verifier.Options with { WorkDirectory = work.Path, KeepWorkspaces = true });
        var reports = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var v = await Grade(verifier, Slugify, Snoop);

            Assert.Equal((VerdictStatus.Passed, DotnetXunitRunner.PrestartedPath, (string?)null), (v.Status, v.VerificationPath, v.FallbackReason));
            Assert.Equal(new TestCounts(8, 8, 8, 0, 0, 0), v.Counts);
        }
        await verifier.DisposeAsync();

        // Kept workspaces: one folder per verification, each with one report.
        foreach (var report in Directory.EnumerateFiles(work.Path, "snoop-report.txt", SearchOption.AllDirectories))
        {
            reports.Add(File.ReadAllText(report));
        }
        Assert.Equal(3, reports.Count);
        Assert.All(reports, r => Assert.Matches(@"^starts=1;seen=;args=-noLogo -noColor -trx /[0-9a-f]{12}/[0-9a-f]{12}/\.crucible-[0-9a-f]{12}/[0-9a-f]{8}/[0-9a-f]{12}\.trx$", r));
    }

    [Fact]
    public async Task A_prestarted_runner_takes_one_assembly_and_then_is_gone()
    {
        using var work = new TempDirectory("prestart-work");
        var options = f.Verifier.Options with { WorkDirectory = work.Path, KeepWorkspaces = true };
        // A real compiled candidate: the reference of slugify with the canaries, from a kept grading workspace.
        await using (var keeping = new Verifier(options with { CSharpPrestart = PrestartPolicy.Default with { Enabled = false } }))
        {
            Assert.Equal(VerdictStatus.Passed, (await Grade(keeping, Slugify, "")).Status);
        }
        var compiled = Assert.Single(Directory.EnumerateFiles(work.Path, DotnetTemplate.AssemblyName + ".dll", SearchOption.AllDirectories));
        var template = (await new DotnetTemplateCache(options).GetAsync(DotnetXunitRunner.ProfileOf(Slugify), TestContext.Current.CancellationToken)).Template!;
        await using var runner = PrestartedRunner.Start(Slugify, options, template, (await PrestartArtifacts.ForAsync(template, PrestartPolicy.Default)).Artifacts!, PrestartPolicy.Default);
        Assert.True(runner.TryTake());
        Assert.False(runner.TryTake());
        File.Copy(compiled, Path.Combine(runner.OutDir, DotnetTemplate.AssemblyName + ".dll"));
        var trx = Path.Combine(runner.Slot.HarnessDir, "r.trx");
        string InSandbox(string p) => runner.Slot.MountDir + "/" + Path.GetRelativePath(runner.Slot.GradingDir, p);

        var (result, reason) = await runner.HandOverAsync(InSandbox(Path.Combine(runner.OutDir, DotnetTemplate.AssemblyName + ".dll")), ["-noLogo", "-noColor", "-trx", InSandbox(trx)], TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        // Eight tests pass; of the two canaries the must-fail one fails, so the clean exit code is 1.
        Assert.Null(reason);
        Assert.Equal((1, 0), (result!.ExitCode, result.LimitsHit.Count));
        Assert.Equal(
            (9, 1),
            (TestResultFiles.ReadTrx(trx).Count(r => r.Outcome == TestOutcomeKind.Passed), TestResultFiles.ReadTrx(trx).Count(r => r.Outcome == TestOutcomeKind.Failed)));
        Assert.True(runner.HasExited);
        var again = await runner.HandOverAsync("/x.dll", [], null, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(((SandboxResult?)null, "the pre-started runner was already used or retired"), again);
    }

    [Fact]
    public async Task A_runner_killed_before_hand_over_is_reported_and_the_verifier_would_start_a_fresh_process()
    {
        using var work = new TempDirectory("prestart-work");
        var options = f.Verifier.Options with { WorkDirectory = work.Path };
        var template = (await new DotnetTemplateCache(options).GetAsync(DotnetXunitRunner.ProfileOf(Slugify), TestContext.Current.CancellationToken)).Template!;
        await using var runner = PrestartedRunner.Start(Slugify, options, template, (await PrestartArtifacts.ForAsync(template, PrestartPolicy.Default)).Artifacts!, PrestartPolicy.Default);
        Assert.True(runner.TryTake());

        // Kill the sandbox from outside (as the OOM killer would): its bwrap command line names the runner's folder.
        Assert.True(await Until(() => Sandboxes(runner.Slot.Root).Count > 0));
        foreach (var (pid, _) in Sandboxes(runner.Slot.Root))
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
        }
        Assert.True(await Until(() => runner.HasExited));

        var (result, reason) = await runner.HandOverAsync("/x.dll", [], null, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Null(result);
        Assert.StartsWith("the pre-started runner exited before hand-over (", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hung_candidate_is_stopped_at_the_test_timeout_counted_from_hand_over()
    {
        var task = Slugify with { Limits = Slugify.Limits with { TestTimeout = TimeSpan.FromSeconds(4) } };

        var v = await Grade(f.Verifier, task, """

            internal static class CrucibleHang
            {
                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Hang() { while (true) { } }
            }

            """);

        Assert.Equal(VerdictStatus.LimitExceeded, v.Status);
        Assert.Equal("the tests hit the WallTime limit", v.Reasons[0]);
        Assert.Contains(LimitKind.WallTime, v.LimitHits);
        Assert.Equal(DotnetXunitRunner.PrestartedPath, v.VerificationPath);
    }

    [Fact]
    public async Task Disposing_the_verifier_leaves_no_runner_process_and_no_folder()
    {
        using var work = new TempDirectory("prestart-work");
        var verifier = new Verifier(f.Verifier.Options with { WorkDirectory = work.Path });
        // One verification leaves nothing running; from the second on a spare is kept for the next.
        Assert.Equal(VerdictStatus.Passed, (await Grade(verifier, Slugify, "")).Status);
        Assert.Empty(Sandboxes(work.Path));
        Assert.Equal(VerdictStatus.Passed, (await Grade(verifier, Slugify, "")).Status);
        Assert.True(await Until(() => Sandboxes(work.Path).Count > 0));
        var spares = Sandboxes(work.Path);

        await verifier.DisposeAsync();

        Assert.Empty(ProcessTree.StillRunning(spares));
        Assert.Empty(Sandboxes(work.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task With_the_pool_sized_to_the_concurrency_each_simultaneous_verification_runs_in_a_runner_started_before_it_and_disposal_leaves_nothing()
    {
        const int jobs = 2;
        using var work = new TempDirectory("prestart-pool");
        var verifier = new Verifier(f.Verifier.Options with
        {
            WorkDirectory = work.Path,
            KeepWorkspaces = true,
            // As the CLI builds it for --jobs 2; a long idle lifetime so no spare expires on a loaded machine.
            CSharpPrestart = PrestartPolicy.Default.ForConcurrency(jobs) with { IdleLifetime = TimeSpan.FromMinutes(10) },
        });
        Assert.Equal(jobs, verifier.Options.CSharpPrestart.PoolSize);
        // From a template's second verification on, the pool keeps `jobs` spares: their folders hold no report yet.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal((VerdictStatus.Passed, DotnetXunitRunner.PrestartedPath), Pair(await Grade(verifier, Slugify, Snoop)));
        }
        var spares = Directory.EnumerateDirectories(work.Path).Where(d => Reports(d).Count == 0).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(jobs, spares.Count);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => Task.Run(() => Grade(verifier, Slugify, Snoop))));

        Assert.All(verdicts, v => Assert.Equal((VerdictStatus.Passed, DotnetXunitRunner.PrestartedPath), Pair(v)));
        // Each spare started before the batch ran exactly one of its candidates, as the first program of its process.
        Assert.All(spares, d => Assert.Matches("^starts=1;seen=;", Assert.Single(Reports(d))));
        await verifier.DisposeAsync();
        Assert.Empty(Sandboxes(work.Path));
        // Kept: the folders of the four verifications; the spares started for the next batch are gone with their folders.
        Assert.Equal(2 + jobs, Directory.EnumerateDirectories(work.Path).Count());
        Assert.All(Directory.EnumerateDirectories(work.Path), d => Assert.Single(Reports(d)));

        static (VerdictStatus, string?) Pair(Verdict v) => (v.Status, v.VerificationPath);
        static List<string> Reports(string folder) => [.. Directory.EnumerateFiles(folder, "snoop-report.txt", SearchOption.AllDirectories).Select(File.ReadAllText)];
    }

    [Fact]
    public async Task A_spare_that_expired_idle_leaves_no_folder_once_the_verifier_is_disposed_after_grading_another_template()
    {
        using var work = new TempDirectory("prestart-expired");
        var idle = TimeSpan.FromSeconds(3);
        var verifier = new Verifier(f.Verifier.Options with
        {
            WorkDirectory = work.Path,
            CSharpPrestart = Crucible.Verification.Dotnet.PrestartPolicy.Default with { IdleLifetime = idle },
        });
        Assert.Equal(VerdictStatus.Passed, (await Grade(verifier, Slugify, "")).Status);
        Assert.Equal(VerdictStatus.Passed, (await Grade(verifier, Slugify, "")).Status);
        // The spare started with the second verification is killed once its idle lifetime has passed.
        await Task.Delay(idle, TestContext.Current.CancellationToken);
        Assert.True(await Until(() => Sandboxes(work.Path).Count == 0));
        // Grading another template prunes exited runners from the pool's list of everything it started; the expired
        // spare of the first template must still be disposed with the pool, folder and all.
        using (var ws = new TempDirectory("candidate"))
        {
            var twoFer = VerifierFixture.Exercism("two-fer");
            Workspaces.Materialize(twoFer, ws.Path, twoFer.ReferenceFiles);
            Assert.Equal(VerdictStatus.Passed, (await verifier.VerifyAsync(twoFer, ws.Path, null, TestContext.Current.CancellationToken)).Status);
        }

        await verifier.DisposeAsync();

        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task Every_cheat_of_the_equivalence_sweep_is_graded_the_same_on_the_prestarted_path()
    {
        using var work = new TempDirectory("equivalence");
        var process = new Verifier(f.Verifier.Options with { CSharpFastPath = false });
        var task = VerifierFixture.Exercism("two-fer");
        var differences = new List<string>();
        foreach (var candidate in PathCandidates.All)
        {
            var (p, fast) = await PathEquivalence.GradeBothAsync(process, f.Verifier, task, candidate, work.Path, TestContext.Current.CancellationToken);
            differences.AddRange(PathEquivalence.Differences(p, fast).Select(d => $"{candidate.Name}: {d}"));
            if (fast.Status != VerdictStatus.BuildFailed)
            {
                Assert.Equal(DotnetXunitRunner.PrestartedPath, fast.VerificationPath);
            }
            if (candidate.Name != "reference")
            {
                Assert.NotEqual(VerdictStatus.Passed, fast.Status);
            }
        }
        Assert.Empty(differences);
    }

    private static async Task<Verdict> Grade(Verifier verifier, Core.Tasks.TaskSpec task, string appended)
    {
        using var ws = new TempDirectory("candidate");
        Workspaces.Materialize(task, ws.Path, task.ReferenceFiles);
        File.AppendAllText(Path.Combine(ws.Path, "Slug.cs"), appended);
        return await verifier.VerifyAsync(task, ws.Path, null, TestContext.Current.CancellationToken);
    }

    /// <summary>The sandboxes (bwrap and what it runs) this test process started whose command line names <paramref name="folder"/>.</summary>
    private static IReadOnlyList<(int Pid, long StartTime)> Sandboxes(string folder) => ProcessTree.DescendantsMentioning(Environment.ProcessId, folder);

    /// <summary>Polls <paramref name="condition"/> for up to two minutes (a loaded machine is slow, never wrong).</summary>
    private static async Task<bool> Until(Func<bool> condition)
    {
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromMinutes(2); await Task.Delay(50))
        {
            if (condition())
            {
                return true;
            }
        }
        return condition();
    }
}

using System.Text.Json;
using Crucible.Agent.Sessions;
using Crucible.Flywheel.Storage;
using Crucible.Testing;
using Crucible.Testing.OpenAI;
using static Crucible.Cli.Tests.ScriptedModelEndpoint;

namespace Crucible.Cli.Tests;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (CI systems, <c>kill</c>) sent to the real <c>crucible</c> process in the middle of its
/// work: it stops cooperatively, keeps what finished, records the interruption, prints how to resume, exits 130 or 143,
/// and leaves no temp folder and no child process behind.
/// </summary>
public sealed class SignalTests : IDisposable
{
    /// <summary>Bound on reaching the middle of the work (a start and a first graded task on a loaded machine).</summary>
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Bound on the exit after the signal: the current step stops, it is not waited for.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new("cli-signals");
    private readonly string _tmp;

    public SignalTests() => _tmp = Directory.CreateDirectory(Path.Combine(_dir.Path, "tmp")).FullName;

    public void Dispose() => _dir.Dispose();

    private string Work => Directory.CreateDirectory(Path.Combine(_dir.Path, "work")).FullName;

    /// <summary>
    /// Asserts the process left no <c>crucible-*</c> temp folder (removed before it exits) and that none of <paramref name="children"/>
    /// outlives it. A killed child is gone only once the kernel has torn it down, which on a loaded machine can trail the parent's
    /// exit: the children get <see cref="StopTimeout"/> to be gone, and one still running then fails the test.
    /// </summary>
    private static async Task AssertNothingLeftBehindAsync(RunningCli cli, IReadOnlyList<(int Pid, long StartTime)> children)
    {
        Assert.Empty(cli.CrucibleTempEntries());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (RunningCli.StillRunning(children).Count > 0 && clock.Elapsed < StopTimeout)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Empty(RunningCli.StillRunning(children));
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Eval_stops_mid_run_marks_the_run_interrupted_and_resumes_without_redoing_finished_attempts(int signal, int exitCode)
    {
        var work = Work;
        using var cli = RunningCli.Start(work, _tmp, "eval", TestPaths.Examples, "--solver", "reference", "--filter", "interval-merge,lru-cache");
        await cli.WaitForStderrAsync("[1/2] interval-merge#0: passed", WorkTimeout);
        // The second attempt starts after the first is reported: wait until its workspace is in the temp folder, so the
        // signal lands while it is being graded (a build in the sandbox), not in the gap between the two attempts.
        await WaitUntilAsync(() => cli.CrucibleTempEntries().Count > 0);
        var children = cli.Descendants();
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        Assert.Equal(exitCode, r.ExitCode);
        var runId = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(work, ".crucible", "runs"))));
        Assert.Contains($"interrupted: 1 attempt(s) kept. Resume with: crucible eval --resume {runId}", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        using (var store = new ResultStore(Path.Combine(work, ".crucible", "crucible.db")))
        {
            Assert.Equal(("interrupted", null, 1), (store.FindRun(runId)!.Status, store.FindRun(runId)!.FinishedAt, store.Results(runId).Count));
        }
        await AssertNothingLeftBehindAsync(cli, children);
        var finished = Directory.EnumerateFiles(Path.Combine(work, ".crucible", "runs"), "verdict.json", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Single(finished);

        var resumed = await CliProcess.RunAsync(work, "eval", "--resume", runId, "--json");

        Assert.Equal(ExitCodes.Ok, resumed.ExitCode);
        using var summary = JsonDocument.Parse(resumed.Stdout);
        Assert.Equal((2, 2, false), (summary.RootElement.GetProperty("attempts").GetInt32(), summary.RootElement.GetProperty("passed").GetInt32(), summary.RootElement.GetProperty("interrupted").GetBoolean()));
        Assert.All(finished, f => Assert.Equal(f.Value, File.GetLastWriteTimeUtc(f.Key)));
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Headless_run_stops_mid_step_emits_its_result_event_and_marks_the_session_interrupted(int signal, int exitCode)
    {
        var work = Work;
        WritePrices(work);
        await using var model = await StartAsync(new StallingReply());
        using var cli = RunningCli.Start(work, _tmp, "run", "-p", "think hard", "--model", model.Spec, "--output-format", "stream-json");
        // Mid-step: the model call is in flight and the server holds it open.
        await WaitUntilAsync(() => model.Server.Received.Count == 1);
        var children = cli.Descendants();
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        Assert.Equal(exitCode, r.ExitCode);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var result = JsonDocument.Parse(lines[^1]);
        var sessionId = JsonDocument.Parse(lines[0]).RootElement.GetProperty("sessionId").GetString();
        Assert.Equal(("result", "interrupted"), (result.RootElement.GetProperty("type").GetString(), result.RootElement.GetProperty("status").GetString()));
        Assert.Contains($"Resume with: crucible run --resume {sessionId}", r.Stderr, StringComparison.Ordinal);
        using (var store = new SessionStore(Path.Combine(work, ".crucible", "sessions")))
        {
            Assert.Equal("interrupted", store.Index.Find(sessionId!)!.Status);
        }
        await AssertNothingLeftBehindAsync(cli, children);
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Tasks_check_stops_mid_suite(int signal, int exitCode)
    {
        using var cli = RunningCli.Start(Work, _tmp, "tasks", "check", TestPaths.Examples, "--filter", "interval-merge,lru-cache");
        await cli.WaitForStderrAsync("interval-merge: Valid", WorkTimeout);
        var children = cli.Descendants();
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        Assert.Equal((exitCode, ""), (r.ExitCode, r.Stdout));
        Assert.Contains("interrupted", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("lru-cache: ", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        await AssertNothingLeftBehindAsync(cli, children);
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Review_with_a_model_stops_mid_critique(int signal, int exitCode)
    {
        var repo = Work;
        TestGit.Run(repo, "init", "-q");
        File.WriteAllText(Path.Combine(repo, "Calc.cs"), "public static class Calc\n{\n    public static int Add(int a, int b) => a + b;\n}\n");
        TestGit.Run(repo, "add", "-A");
        TestGit.Run(repo, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "first");
        File.WriteAllText(Path.Combine(repo, "Calc.cs"), "public static class Calc\n{\n    public static int Add(int a, int b) => checked(a + b);\n}\n");
        await using var model = await StartAsync(new StallingReply());
        using var cli = RunningCli.Start(repo, _tmp, "review", "--model", model.Spec);
        await WaitUntilAsync(() => model.Server.Received.Count == 1);
        var children = cli.Descendants();
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        Assert.Equal((exitCode, ""), (r.ExitCode, r.Stdout));
        Assert.Contains("interrupted", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.Single(model.Server.Received); // nothing was asked after the signal
        await AssertNothingLeftBehindAsync(cli, children);
    }

    [Fact]
    public async Task Stale_temp_folders_of_dead_processes_are_swept_at_start_and_a_live_process_keeps_its_own()
    {
        // A dead owner: a pid that ran once (this short-lived process) with its real start time; a live one: this test host.
        using var shortLived = System.Diagnostics.Process.Start("true")!;
        var deadStart = Core.IO.ProcessTemp.StartTime(shortLived.Id);
        shortLived.WaitForExit();
        var dead = Directory.CreateDirectory(Path.Combine(_tmp, $"crucible-{shortLived.Id}-{deadStart ?? 1}", "crucible-ws-0123456789abcdef")).Parent!.FullName;
        File.WriteAllText(Path.Combine(dead, "crucible-ws-0123456789abcdef", "file.txt"), "left by kill -9");
        var reused = Directory.CreateDirectory(Path.Combine(_tmp, $"crucible-{Environment.ProcessId}-1")).FullName; // this pid, another start time
        var live = Directory.CreateDirectory(Path.Combine(_tmp, $"crucible-{Environment.ProcessId}-{Core.IO.ProcessTemp.StartTime(Environment.ProcessId)}")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(_tmp, "crucible-tmux-notours")).FullName;

        using var cli = RunningCli.Start(Work, _tmp, "tasks", "list", TestPaths.Examples);
        var r = await cli.WaitForExitAsync(WorkTimeout);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Equal((false, false, true, true), (Directory.Exists(dead), Directory.Exists(reused), Directory.Exists(live), Directory.Exists(other)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < WorkTimeout, "the process did not reach the middle of its work in time");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        await Task.Delay(300, TestContext.Current.CancellationToken); // the request is in flight, not just arrived
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Crucible.Testing.Processes;

namespace Crucible.Cli.Tests;

/// <summary>
/// The real <c>crucible</c> process started in the background with its own temp folder (<c>TMPDIR</c>), so a test can
/// wait until it is mid-work, send it a signal as a user or CI system would, and then inspect what it left behind.
/// </summary>
public sealed class RunningCli : IDisposable
{
    /// <summary>SIGINT (Ctrl-C).</summary>
    public const int SigInt = 2;

    /// <summary>SIGTERM (what <c>kill</c> and CI systems send).</summary>
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private RunningCli(Process process, string tempDirectory)
    {
        _process = process;
        TempDirectory = tempDirectory;
    }

    /// <summary>The process id of the CLI (<c>env</c> execs it, so it is the same process).</summary>
    public int Pid => _process.Id;

    /// <summary>The temp folder the process was given.</summary>
    public string TempDirectory { get; }

    /// <summary>Standard output so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>crucible ARGS</c> in <paramref name="workingDirectory"/> with <c>TMPDIR</c> set to <paramref name="tempDirectory"/>.
    /// SIGINT is reset to its default first (<c>env --default-signal</c>): a test run started in the background of a
    /// shell inherits SIGINT ignored, which a process can neither catch nor be interrupted by.
    /// </summary>
    public static RunningCli Start(string workingDirectory, string tempDirectory, params string[] args) =>
        Start(workingDirectory, tempDirectory, keepInputOpen: false, args);

    /// <summary>
    /// As <see cref="Start(string, string, string[])"/>, but standard input stays open for the test to write to
    /// (<see cref="Input"/>) and close (a stdio server such as <c>crucible mcp</c> reads its requests there).
    /// </summary>
    public static RunningCli StartWithInput(string workingDirectory, string tempDirectory, params string[] args) =>
        Start(workingDirectory, tempDirectory, keepInputOpen: true, args);

    /// <summary>The process's standard input (open only after <see cref="StartWithInput"/>).</summary>
    public StreamWriter Input => _process.StandardInput;

    private static RunningCli Start(string workingDirectory, string tempDirectory, bool keepInputOpen, string[] args)
    {
        var start = new ProcessStartInfo("env")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["TMPDIR"] = tempDirectory;
        foreach (var a in new[] { "--default-signal=INT", "dotnet", CliProcess.CliDll }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }
        var process = new Process { StartInfo = start };
        var cli = new RunningCli(process, tempDirectory);
        process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        process.Start();
        if (!keepInputOpen)
        {
            process.StandardInput.Close();
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Waits until stderr holds <paramref name="text"/>; fails with what the process printed otherwise.</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || clock.Elapsed > timeout)
            {
                Assert.Fail($"crucible did not print '{text}' on stderr (exited: {_process.HasExited}). stderr:\n{Stderr}\nstdout:\n{Stdout}");
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the CLI process only (not its group), as <c>kill -SIG PID</c> does.</summary>
    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", ["-" + signal.ToString(CultureInfo.InvariantCulture), Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the exit, at most <paramref name="timeout"/> (a hang fails the test and kills the process).</summary>
    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"crucible did not exit within {timeout.TotalSeconds:F0} s of the signal. stderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drains the output readers
        return new CliResult(_process.ExitCode, Stdout, Stderr);
    }

    /// <summary>The processes descended from the CLI now, with their start times (so a reused pid is not mistaken for one).</summary>
    public IReadOnlyList<(int Pid, long StartTime)> Descendants() => ProcessTree.Descendants(Pid);

    /// <summary>Those of <paramref name="processes"/> that still run (same pid and start time).</summary>
    public static IReadOnlyList<int> StillRunning(IEnumerable<(int Pid, long StartTime)> processes) => ProcessTree.StillRunning(processes);

    /// <summary>Bound on the exit of the processes a stopped <c>crucible</c> killed (they die asynchronously).</summary>
    public static readonly TimeSpan ChildExitBound = TimeSpan.FromSeconds(30);

    /// <summary>Those of <paramref name="processes"/> still running <see cref="ChildExitBound"/> after now, with their command lines.</summary>
    public static Task<IReadOnlyList<string>> LeftBehindAsync(IReadOnlyList<(int Pid, long StartTime)> processes) =>
        ProcessTree.StillRunningAfterAsync(processes, ChildExitBound);

    /// <summary>The entries of the temp folder that Crucible made (<c>crucible-*</c>), left after the process ended.</summary>
    public IReadOnlyList<string> CrucibleTempEntries() =>
        [.. Directory.EnumerateFileSystemEntries(TempDirectory, "crucible-*").Select(Path.GetFileName).OfType<string>()];

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (sink)
        {
            sink.AppendLine(line);
        }
    }
}

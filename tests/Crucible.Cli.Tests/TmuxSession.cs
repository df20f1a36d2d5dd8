using System.Diagnostics;

namespace Crucible.Cli.Tests;

/// <summary>
/// A program running in a detached tmux session on a private tmux server (its own socket file, no user
/// configuration), driven as a user would: keys typed with <c>send-keys</c>, the screen read with
/// <c>capture-pane</c>. Disposing kills the session and the private server.
/// </summary>
public sealed class TmuxSession : IAsyncDisposable
{
    /// <summary>How often the screen is read while waiting for a text.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Target = "crucible-test";
    private readonly string _socket;
    private readonly string _config;

    private TmuxSession(string socket, string config) => (_socket, _config) = (socket, config);

    /// <summary>Starts <paramref name="command"/> in <paramref name="workingDirectory"/> on a <paramref name="width"/> x <paramref name="height"/> screen.</summary>
    public static async Task<TmuxSession> StartAsync(string workingDirectory, int width, int height, IReadOnlyList<string> command)
    {
        // remain-on-exit keeps the pane (and its last screen) when the program ends, so a crash stays readable.
        var name = Path.Combine(Path.GetTempPath(), $"crucible-tmux-{Guid.NewGuid().ToString("N")[..12]}");
        await File.WriteAllTextAsync(name + ".conf", "set-option -g remain-on-exit on\nset-option -g history-limit 10000\n");
        var session = new TmuxSession(name + ".sock", name + ".conf");
        var shellCommand = string.Join(' ', command.Select(Quote));
        await session.TmuxAsync("new-session", "-d", "-s", Target, "-x", $"{width}", "-y", $"{height}", "-c", workingDirectory, shellCommand);
        return session;
    }

    /// <summary>Types <paramref name="text"/> literally.</summary>
    public Task TypeAsync(string text) => TmuxAsync("send-keys", "-t", Target, "-l", text);

    /// <summary>Presses Enter.</summary>
    public Task EnterAsync() => PressAsync("Enter");

    /// <summary>Presses a key by its tmux name, e.g. <c>C-c</c> or <c>C-d</c>.</summary>
    public Task PressAsync(string key) => TmuxAsync("send-keys", "-t", Target, key);

    /// <summary>The program's exit status once it has ended, else null (the pane stays, remain-on-exit is on).</summary>
    public async Task<int?> ExitStatusAsync()
    {
        // tmux marks the pane dead a moment before it records how the program ended; until both are known
        // the program counts as still running. A death by signal is reported as 128 + the signal number.
        var state = (await TmuxAsync("display-message", "-p", "-t", Target, "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}:#{pane_pid}")).Trim().Split(':');
        if (state is not ["1", var status, var signal, var pid])
        {
            return null;
        }
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return status.Length > 0 ? int.Parse(status, culture) : signal.Length > 0 ? 128 + int.Parse(signal, culture) : ZombieExitStatus(int.Parse(pid, culture));
    }

    /// <summary>
    /// The exit status of a program that has ended but that tmux has not reaped (seen here: the pane is dead and its process a
    /// zombie for good, so tmux never learns the status): the kernel keeps it in field 52 of <c>/proc/PID/stat</c> in
    /// <c>waitpid</c> form. Null while the process is not a zombie.
    /// </summary>
    private static int? ZombieExitStatus(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[0] != "Z")
            {
                return null;
            }
            var code = int.Parse(fields[49], System.Globalization.CultureInfo.InvariantCulture); // field 52, counted from field 3
            return (code & 0x7f) == 0 ? (code >> 8) & 0xff : 128 + (code & 0x7f);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Waits until the program has ended, at most <paramref name="timeout"/>, and returns its exit status.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await ExitStatusAsync() is { } status)
            {
                return status;
            }
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"The program did not end within {timeout.TotalSeconds:F0} s. The screen:\n{await CaptureAsync()}");
            }
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The screen and its scroll-back as plain text, wrapped lines joined.</summary>
    public Task<string> CaptureAsync() => TmuxAsync("capture-pane", "-p", "-J", "-S", "-", "-t", Target);

    /// <summary>
    /// Reads the screen until <paramref name="condition"/> holds for it, at most <paramref name="timeout"/>; fails with
    /// <paramref name="what"/> and the last screen otherwise.
    /// </summary>
    public async Task<string> WaitForAsync(string what, Func<string, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var screen = await CaptureAsync();
            if (condition(screen))
            {
                return screen;
            }
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"The screen did not show {what} within {timeout.TotalSeconds:F0} s. The screen:\n{screen}");
            }
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits until the screen holds <paramref name="text"/> at least <paramref name="times"/> times.</summary>
    public Task<string> WaitForTextAsync(string text, TimeSpan timeout, int times = 1) =>
        WaitForAsync($"'{text}'{(times > 1 ? $" {times} times" : "")}", s => Occurrences(s, text) >= times, timeout);

    /// <summary>How many times <paramref name="text"/> occurs in <paramref name="screen"/>.</summary>
    public static int Occurrences(string screen, string text)
    {
        var count = 0;
        for (var i = screen.IndexOf(text, StringComparison.Ordinal); i >= 0; i = screen.IndexOf(text, i + text.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Best effort, never masking a test failure: the session first, then the private server and its files.
        await TmuxAsync("kill-session", "-t", Target).ContinueWith(_ => { }, TaskScheduler.Default);
        await TmuxAsync("kill-server").ContinueWith(_ => { }, TaskScheduler.Default);
        File.Delete(_config);
        File.Delete(_socket);
    }

    private async Task<string> TmuxAsync(params string[] args)
    {
        var start = new ProcessStartInfo("tmux")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -u: the screen holds UTF-8 (the CLI draws ● ✗ ⎿ ·) whatever the locale of the test run.
        foreach (var a in new[] { "-u", "-S", _socket, "-f", _config }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        }
        return await stdout;
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

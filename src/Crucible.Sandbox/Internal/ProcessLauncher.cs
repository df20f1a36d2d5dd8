using System.Collections.Concurrent;
using System.Diagnostics;

namespace Crucible.Sandbox.Internal;

/// <summary>
/// Starts every child process from one long-lived thread.
/// </summary>
/// <remarks>
/// Why: bubblewrap's <c>--die-with-parent</c> uses <c>PR_SET_PDEATHSIG</c>, which fires when the
/// parent <em>thread</em> that forked the child exits, not the parent process. A thread-pool thread
/// that retires after a start would SIGKILL a sandbox that is still running. This thread lives as
/// long as the process, so the signal fires exactly when Crucible itself dies, which is what we want.
/// </remarks>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = new();
    private static readonly Lazy<Thread> Worker = new(() =>
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "crucible-process-launcher" };
        thread.Start();
        return thread;
    });

    /// <summary>Starts <paramref name="info"/> on the launcher thread.</summary>
    public static Task<Process> StartAsync(ProcessStartInfo info)
    {
        _ = Worker.Value;
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task;
    }

    private static void Run()
    {
        foreach (var (info, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                Native.MarkInheritedDescriptorsCloseOnExec();
                started.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start."));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}

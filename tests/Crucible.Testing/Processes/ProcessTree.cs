using System.Globalization;

namespace Crucible.Testing.Processes;

/// <summary>
/// The processes descended from a process, read from <c>/proc</c> with their start times, so a test can check after a
/// signal that none of them still runs (a reused pid is not mistaken for one of them).
/// </summary>
public static class ProcessTree
{
    /// <summary>The processes descended from <paramref name="root"/> now, with their start times.</summary>
    public static IReadOnlyList<(int Pid, long StartTime)> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = stat.Parent;
            }
        }
        var found = new List<(int, long)>();
        foreach (var pid in parents.Keys)
        {
            for (var p = parents[pid]; p > 1 && parents.ContainsKey(p); p = parents[p])
            {
                if (p == root)
                {
                    if (Stat(pid) is { } s)
                    {
                        found.Add((pid, s.StartTime));
                    }
                    break;
                }
            }
        }
        return found;
    }

    /// <summary>The command lines of the processes descended from <paramref name="root"/> now (arguments joined by spaces).</summary>
    public static IReadOnlyList<string> DescendantCommandLines(int root) =>
        [.. Descendants(root).Select(p => CommandLine(p.Pid)).OfType<string>()];

    /// <summary>The processes descended from <paramref name="root"/> whose command line contains <paramref name="text"/> (e.g. a sandbox naming its folder).</summary>
    public static IReadOnlyList<(int Pid, long StartTime)> DescendantsMentioning(int root, string text) =>
        [.. Descendants(root).Where(p => CommandLine(p.Pid)?.Contains(text, StringComparison.Ordinal) == true)];

    /// <summary>Those of <paramref name="processes"/> that still run (same pid and start time, not a zombie).</summary>
    public static IReadOnlyList<int> StillRunning(IEnumerable<(int Pid, long StartTime)> processes) =>
        [.. processes.Where(p => Stat(p.Pid) is { } s && s.StartTime == p.StartTime && s.State != 'Z').Select(p => p.Pid)];

    /// <summary>
    /// Waits until none of <paramref name="processes"/> runs, for at most <paramref name="bound"/>, and returns those still
    /// running then, each with its command line. A killed process needs a moment to exit (a sandbox's inner processes die
    /// after bwrap, asynchronously, and a loaded machine stretches it): "left behind" means still running after the bound.
    /// </summary>
    public static async Task<IReadOnlyList<string>> StillRunningAfterAsync(IReadOnlyList<(int Pid, long StartTime)> processes, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            var running = StillRunning(processes);
            if (running.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return [.. running.Select(pid => $"{pid}: {CommandLine(pid) ?? "?"}")];
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (char State, int Parent, long StartTime)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

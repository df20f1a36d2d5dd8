using System.Globalization;

namespace Crucible.Sandbox.Internal;

/// <summary>One line of <c>/proc/PID/stat</c>, the fields process control needs.</summary>
internal readonly record struct ProcStat(int Pid, int ParentPid, int ProcessGroup, int Session, long StartTime, long CpuTicks, long ChildCpuTicks);

/// <summary>Reads the host process table from <c>/proc</c>.</summary>
internal static class ProcTable
{
    /// <summary>Clock ticks per second of <c>/proc/PID/stat</c> times (USER_HZ, 100 on every Linux ABI).</summary>
    public const int TicksPerSecond = 100;

    /// <summary>Every process visible now.</summary>
    public static Dictionary<int, ProcStat> Snapshot()
    {
        var result = new Dictionary<int, ProcStat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Read(pid) is { } stat)
            {
                result[pid] = stat;
            }
        }
        return result;
    }

    /// <summary>Reads one process; null when it is gone.</summary>
    public static ProcStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Parse(text);
    }

    /// <summary>Parses a stat line. The command name may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    public static ProcStat? Parse(string text)
    {
        var close = text.LastIndexOf(')');
        var open = text.IndexOf('(');
        if (close < 0 || open < 0 || !int.TryParse(text.AsSpan(0, open).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }
        // Fields after ')': [0]=state(3) [1]=ppid(4) [2]=pgrp(5) [3]=session(6) ... [11]=utime(14) [12]=stime(15)
        // [13]=cutime(16) [14]=cstime(17) ... [19]=starttime(22).
        var f = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 20)
        {
            return null;
        }
        long L(int i) => long.TryParse(f[i], CultureInfo.InvariantCulture, out var v) ? v : 0;
        return new ProcStat(pid, (int)L(1), (int)L(2), (int)L(3), L(19), L(11) + L(12), L(13) + L(14));
    }

    /// <summary>Processes descended from <paramref name="root"/> or in its process group, the root included.</summary>
    public static List<ProcStat> Tree(Dictionary<int, ProcStat> table, int root)
    {
        var children = new Dictionary<int, List<ProcStat>>();
        foreach (var stat in table.Values)
        {
            if (!children.TryGetValue(stat.ParentPid, out var list))
            {
                children[stat.ParentPid] = list = [];
            }
            list.Add(stat);
        }
        var result = new List<ProcStat>();
        var seen = new HashSet<int>();
        var queue = new Queue<int>();
        queue.Enqueue(root);
        foreach (var member in table.Values.Where(s => s.ProcessGroup == root))
        {
            queue.Enqueue(member.Pid);
        }
        while (queue.Count > 0)
        {
            var pid = queue.Dequeue();
            if (!seen.Add(pid) || !table.TryGetValue(pid, out var stat))
            {
                continue;
            }
            result.Add(stat);
            if (children.TryGetValue(pid, out var list))
            {
                foreach (var child in list)
                {
                    queue.Enqueue(child.Pid);
                }
            }
        }
        return result;
    }

    /// <summary>Number of open descriptors of a process, or 0 when it is gone.</summary>
    public static int OpenDescriptors(int pid)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}

using System.Globalization;

namespace Crucible.Core.IO;

/// <summary>
/// The one place Crucible makes temporary folders (task workspaces <c>crucible-ws-*</c>, grading trees
/// <c>crucible-grade-*</c>, per-call scratch <c>crucible-call-*</c>, task checks, critiques). Every folder lives under a
/// per-process parent <c>$TMPDIR/crucible-&lt;pid&gt;-&lt;starttime&gt;/</c> (mode 0700), so:
/// <list type="bullet">
/// <item>the process removes everything it made with one <see cref="DeleteRoot"/> on any exit path;</item>
/// <item>a later process removes the parents of processes that died without cleaning up (<c>kill -9</c>) with
/// <see cref="SweepStale"/>, and never a live process's: the owner is alive when <c>/proc/&lt;pid&gt;/stat</c> exists
/// and names the same start time (a reused pid has another start time).</item>
/// </list>
/// </summary>
public static class ProcessTemp
{
    /// <summary>The prefix of every per-process parent folder in the system temp folder.</summary>
    public const string Prefix = "crucible-";

    private static readonly Lazy<string> _root = new(CreateRoot, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>This process's parent of temporary folders, created (mode 0700) on first use.</summary>
    public static string Root => _root.Value;

    /// <summary>The name of this process's parent folder: <c>crucible-&lt;pid&gt;-&lt;starttime&gt;</c>.</summary>
    public static string RootName { get; } = $"{Prefix}{Environment.ProcessId}-{StartTime(Environment.ProcessId) ?? 0}";

    /// <summary>A new, not yet created path under <see cref="Root"/>: <c>&lt;prefix&gt;&lt;random&gt;</c>.</summary>
    /// <param name="prefix">What the folder holds, e.g. <c>crucible-ws-</c>.</param>
    public static string NewPath(string prefix) => Path.Combine(Root, prefix + Guid.NewGuid().ToString("N")[..16]);

    /// <summary>Removes this process's parent folder and everything in it (best effort; nothing is made after it).</summary>
    public static void DeleteRoot()
    {
        if (_root.IsValueCreated)
        {
            DeleteTree(_root.Value);
        }
    }

    /// <summary>
    /// Removes the parent folders of dead Crucible processes from <paramref name="tempDirectory"/> (default: the system
    /// temp folder) and returns their paths. A folder whose owner is alive, or whose name is not a parent's, is left alone.
    /// </summary>
    public static IReadOnlyList<string> SweepStale(string? tempDirectory = null)
    {
        var removed = new List<string>();
        var dir = tempDirectory ?? Path.GetTempPath();
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(dir, Prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return removed;
        }
        foreach (var path in candidates)
        {
            if (Owner(Path.GetFileName(path)) is not { } owner || IsAlive(owner.Pid, owner.StartTime))
            {
                continue;
            }
            DeleteTree(path);
            if (!Directory.Exists(path))
            {
                removed.Add(path);
            }
        }
        return removed;
    }

    /// <summary>The owner of a parent folder named <c>crucible-&lt;pid&gt;-&lt;starttime&gt;</c>, or null for any other name.</summary>
    public static (int Pid, long StartTime)? Owner(string folderName)
    {
        if (!folderName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = folderName[Prefix.Length..].Split('-');
        return parts is [var pid, var start]
            && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var p)
            && long.TryParse(start, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? (p, s) : null;
    }

    /// <summary>True when process <paramref name="pid"/> runs and started at <paramref name="startTime"/> (clock ticks since boot).</summary>
    public static bool IsAlive(int pid, long startTime) => StartTime(pid) is { } actual && actual == startTime;

    /// <summary>
    /// The start time of process <paramref name="pid"/> in clock ticks since boot (field 22 of <c>/proc/PID/stat</c>), or
    /// null when it does not run (or /proc cannot be read).
    /// </summary>
    public static long? StartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 is fields[19].
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
    }

    /// <summary>Deletes a folder tree, making read-only entries writable first when a plain delete fails (best effort).</summary>
    public static void DeleteTree(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories).Prepend(path))
            {
                try
                {
                    if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
                    {
                        File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }
                }
                catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
                {
                }
            }
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string CreateRoot()
    {
        var path = Path.Combine(Path.GetTempPath(), RootName);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}

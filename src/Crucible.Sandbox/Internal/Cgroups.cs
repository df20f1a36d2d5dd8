using System.Globalization;

namespace Crucible.Sandbox.Internal;

/// <summary>One mounted cgroup hierarchy and where this process sits in it.</summary>
/// <param name="Version">1 for a legacy hierarchy, 2 for the unified one.</param>
/// <param name="MountPoint">Where the hierarchy is mounted.</param>
/// <param name="OwnDirectory">Absolute folder of this process's own cgroup in the hierarchy.</param>
/// <param name="Controllers">Controllers of a v1 hierarchy (from the mount options), or the v2 controllers children of <paramref name="OwnDirectory"/> can use.</param>
internal sealed record CgroupHierarchy(int Version, string MountPoint, string OwnDirectory, IReadOnlySet<string> Controllers);

/// <summary>The cgroup hierarchies visible to this process, read from <c>/proc/self/mountinfo</c> and <c>/proc/self/cgroup</c>.</summary>
internal sealed class CgroupLayout
{
    private static readonly Lazy<CgroupLayout> Current = new(() =>
    {
        var layout = Parse(SafeRead("/proc/self/mountinfo"), SafeRead("/proc/self/cgroup"));
        layout.RemoveStaleCallGroups();
        return layout;
    });

    public CgroupLayout(IReadOnlyList<CgroupHierarchy> hierarchies) => Hierarchies = hierarchies;

    public IReadOnlyList<CgroupHierarchy> Hierarchies { get; }

    /// <summary>The layout of this process, discovered once.</summary>
    public static CgroupLayout ForThisProcess => Current.Value;

    /// <summary>A v1 hierarchy that has <paramref name="controller"/>.</summary>
    public CgroupHierarchy? V1(string controller) => Hierarchies.FirstOrDefault(h => h.Version == 1 && h.Controllers.Contains(controller));

    /// <summary>The unified (v2) hierarchy, if mounted.</summary>
    public CgroupHierarchy? Unified => Hierarchies.FirstOrDefault(h => h.Version == 2);

    /// <summary>Parses mountinfo and /proc/self/cgroup text; pure, so it can be tested with other machines' files.</summary>
    public static CgroupLayout Parse(string mountInfo, string selfCgroup)
    {
        // /proc/self/cgroup: "hierarchy-id:controller-list:path"; v2 is "0::path".
        var ownPaths = new Dictionary<string, string>(StringComparer.Ordinal);
        string? unifiedPath = null;
        foreach (var line in selfCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            if (parts[0] == "0" && parts[1].Length == 0)
            {
                unifiedPath = parts[2];
                continue;
            }
            foreach (var controller in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                ownPaths[controller] = parts[2];
            }
        }

        var result = new List<CgroupHierarchy>();
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
            var dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0)
            {
                continue;
            }
            var left = line[..dash].Split(' ');
            var right = line[(dash + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 3)
            {
                continue;
            }
            var root = Unescape(left[3]);
            var mountPoint = Unescape(left[4]);
            var fsType = right[0];
            if (fsType == "cgroup2" && unifiedPath is not null)
            {
                var own = Combine(mountPoint, Relative(unifiedPath, root));
                result.Add(new CgroupHierarchy(2, mountPoint, own, ReadControllers(own)));
            }
            else if (fsType == "cgroup")
            {
                var controllers = right[2].Split(',').Where(o => o is not ("rw" or "ro")).ToHashSet(StringComparer.Ordinal);
                var key = controllers.FirstOrDefault(ownPaths.ContainsKey);
                if (key is null || result.Any(h => h.Version == 1 && h.Controllers.Overlaps(controllers)))
                {
                    continue; // not ours, or the same hierarchy mounted twice
                }
                result.Add(new CgroupHierarchy(1, mountPoint, Combine(mountPoint, Relative(ownPaths[key], root)), controllers));
            }
        }
        return new CgroupLayout(result);
    }

    /// <summary>Removes empty call cgroups left behind by Crucible processes that died (the name carries their pid).</summary>
    private void RemoveStaleCallGroups()
    {
        foreach (var hierarchy in Hierarchies)
        {
            string[] children;
            try
            {
                children = Directory.GetDirectories(hierarchy.OwnDirectory, CallCgroup.NamePrefix + "*");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var child in children)
            {
                var name = Path.GetFileName(child);
                var pidText = name[CallCgroup.NamePrefix.Length..].Split('-')[0];
                if (int.TryParse(pidText, out var pid) && !Directory.Exists($"/proc/{pid}"))
                {
                    CallCgroup.KillMembers(child);
                    CallCgroup.TryRemoveDirectory(child);
                }
            }
        }
    }

    private static IReadOnlySet<string> ReadControllers(string ownDirectory)
    {
        // Controllers a child can use are those enabled in our own subtree_control.
        var text = SafeRead(Path.Combine(ownDirectory, "cgroup.subtree_control"));
        return text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }

    private static string Relative(string path, string root) =>
        root != "/" && path.StartsWith(root, StringComparison.Ordinal) ? path[root.Length..] : path;

    private static string Combine(string mountPoint, string relative) =>
        relative is "" or "/" ? mountPoint : mountPoint.TrimEnd('/') + "/" + relative.TrimStart('/');

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal (<c>\040</c>).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.Substring(i + 1, 3).All(c => c is >= '0' and <= '7'))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    internal static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}

/// <summary>Counters of a call cgroup at one moment.</summary>
internal readonly record struct CgroupSample(long OomKills, long PidsRefusals, TimeSpan? Cpu, long? PeakMemory);

/// <summary>
/// The cgroups of one call: a fresh child of this process's own cgroup in each hierarchy that
/// provides memory, pids, CPU accounting or the v2 kill switch. Created before the command starts,
/// the command's first process joins before it execs, and everything is killed and removed when the
/// call ends.
/// </summary>
internal sealed class CallCgroup : IDisposable
{
    public const string NamePrefix = "crucible-";
    private static int _sequence;

    private readonly List<string> _directories = [];

    private CallCgroup()
    {
    }

    /// <summary>Folder of the memory controller (v1 or v2), when one works.</summary>
    public string? MemoryDirectory { get; private set; }
    public int MemoryVersion { get; private set; }

    /// <summary>Folder of the pids controller, when one works.</summary>
    public string? PidsDirectory { get; private set; }
    public int PidsVersion { get; private set; }

    /// <summary>Folder with CPU usage (v1 cpuacct, or v2 cpu.stat which needs no controller).</summary>
    public string? CpuDirectory { get; private set; }
    public int CpuVersion { get; private set; }

    /// <summary>A v2 folder whose <c>cgroup.kill</c> kills every member at once.</summary>
    public string? KillDirectory { get; private set; }

    /// <summary>Why a controller is not used, for the enforcement record.</summary>
    public Dictionary<string, string> Problems { get; } = new(StringComparer.Ordinal);

    /// <summary>Folders the first process must join.</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>Creates the call's cgroups; controllers that cannot be used are listed in <see cref="Problems"/>.</summary>
    public static CallCgroup Create(CgroupLayout layout, long? memoryBytes, int? maxProcesses)
    {
        var call = new CallCgroup();
        // The name carries our pid so that a later process can remove groups left by one that crashed.
        var name = $"{NamePrefix}{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..8]}";
        var unified = layout.Unified;

        // v2 gives memory and pids only when our own cgroup delegates them to children.
        string? v2Directory = null;
        if (unified is not null)
        {
            v2Directory = call.TryMake(Path.Combine(unified.OwnDirectory, name), "cgroup v2");
            if (v2Directory is not null)
            {
                if (File.Exists(Path.Combine(v2Directory, "cgroup.kill")))
                {
                    call.KillDirectory = v2Directory;
                }
                if (File.Exists(Path.Combine(v2Directory, "cpu.stat")))
                {
                    (call.CpuDirectory, call.CpuVersion) = (v2Directory, 2);
                }
            }
        }

        if (v2Directory is not null && unified!.Controllers.Contains("memory"))
        {
            (call.MemoryDirectory, call.MemoryVersion) = (v2Directory, 2);
        }
        else if (layout.V1("memory") is { } memory && call.TryMake(Path.Combine(memory.OwnDirectory, name), "memory") is { } memoryDirectory)
        {
            (call.MemoryDirectory, call.MemoryVersion) = (memoryDirectory, 1);
        }
        else
        {
            call.Problems.TryAdd("memory", "no writable memory cgroup");
        }

        if (v2Directory is not null && unified!.Controllers.Contains("pids"))
        {
            (call.PidsDirectory, call.PidsVersion) = (v2Directory, 2);
        }
        else if (layout.V1("pids") is { } pids && call.TryMake(Path.Combine(pids.OwnDirectory, name), "pids") is { } pidsDirectory)
        {
            (call.PidsDirectory, call.PidsVersion) = (pidsDirectory, 1);
        }
        else
        {
            call.Problems.TryAdd("pids", "no writable pids cgroup");
        }

        // v1 cpuacct is preferred when mounted: it counts in nanoseconds and is what hybrid systems account with.
        if (layout.V1("cpuacct") is { } cpu && call.TryMake(Path.Combine(cpu.OwnDirectory, name), "cpuacct") is { } cpuDirectory)
        {
            (call.CpuDirectory, call.CpuVersion) = (cpuDirectory, 1);
        }
        else if (call.CpuDirectory is null)
        {
            call.Problems.TryAdd("cpu", "no writable cpuacct cgroup or cgroup v2 cpu.stat");
        }

        try
        {
            call.ApplyLimits(memoryBytes, maxProcesses);
        }
        catch
        {
            call.Dispose();
            throw;
        }
        return call;
    }

    private void ApplyLimits(long? memoryBytes, int? maxProcesses)
    {
        if (MemoryDirectory is not null && memoryBytes is { } bytes)
        {
            var value = bytes.ToString(CultureInfo.InvariantCulture);
            if (MemoryVersion == 1)
            {
                Write(MemoryDirectory, "memory.limit_in_bytes", value);
                // Also cap memory+swap so a command cannot swap its way past the limit (absent without swap accounting).
                TryWrite(MemoryDirectory, "memory.memsw.limit_in_bytes", value);
            }
            else
            {
                Write(MemoryDirectory, "memory.max", value);
                TryWrite(MemoryDirectory, "memory.swap.max", "0");
            }
        }
        if (PidsDirectory is not null && maxProcesses is { } max)
        {
            Write(PidsDirectory, "pids.max", max.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Moves <paramref name="pid"/> (not yet exec'd into the command) into every call cgroup.</summary>
    public void Attach(int pid)
    {
        var text = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in _directories)
        {
            Write(directory, "cgroup.procs", text);
        }
    }

    /// <summary>Reads the counters the monitor and the result need.</summary>
    public CgroupSample Sample()
    {
        long oom = 0, refusals = 0;
        long? peak = null;
        TimeSpan? cpu = null;
        if (MemoryDirectory is not null)
        {
            if (MemoryVersion == 1)
            {
                oom = Field(Read(MemoryDirectory, "memory.oom_control"), "oom_kill") ?? 0;
                peak = ParseLong(Read(MemoryDirectory, "memory.max_usage_in_bytes"));
            }
            else
            {
                oom = Field(Read(MemoryDirectory, "memory.events"), "oom_kill") ?? 0;
                peak = ParseLong(Read(MemoryDirectory, "memory.peak"));
            }
        }
        if (PidsDirectory is not null)
        {
            refusals = Field(Read(PidsDirectory, "pids.events"), "max") ?? 0;
        }
        if (CpuDirectory is not null)
        {
            cpu = CpuVersion == 1
                ? ParseLong(Read(CpuDirectory, "cpuacct.usage")) is { } ns ? TimeSpan.FromTicks(ns / 100) : null
                : Field(Read(CpuDirectory, "cpu.stat"), "usage_usec") is { } us ? TimeSpan.FromMicroseconds(us) : null;
        }
        return new CgroupSample(oom, refusals, cpu, peak);
    }

    /// <summary>Every process in the call's cgroups.</summary>
    public IReadOnlySet<int> Members()
    {
        var result = new HashSet<int>();
        foreach (var directory in _directories)
        {
            foreach (var line in Read(directory, "cgroup.procs").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(line, out var pid))
                {
                    result.Add(pid);
                }
            }
        }
        return result;
    }

    /// <summary>SIGKILLs every member: atomically through <c>cgroup.kill</c> when there is one, and by listing members in any case.</summary>
    public void KillAll()
    {
        if (KillDirectory is not null)
        {
            TryWrite(KillDirectory, "cgroup.kill", "1");
        }
        foreach (var directory in _directories)
        {
            KillMembers(directory);
        }
    }

    /// <summary>Kills members until none is left, waiting at most <paramref name="timeout"/>; true when the cgroups are empty.</summary>
    public async Task<bool> KillAndWaitEmptyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            KillAll();
            if (Members().Count == 0)
            {
                return true;
            }
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    internal static void KillMembers(string directory)
    {
        // Repeat: a member may fork between the listing and the kill. pids.max bounds how long this can go on.
        for (var round = 0; round < 20; round++)
        {
            var any = false;
            foreach (var line in Read(directory, "cgroup.procs").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(line, out var pid) && pid > 1)
                {
                    any |= Native.Kill(pid, Native.SIGKILL);
                }
            }
            if (!any)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var directory in _directories)
        {
            KillMembers(directory);
            TryRemoveDirectory(directory);
        }
        _directories.Clear();
    }

    internal static void TryRemoveDirectory(string directory)
    {
        // A cgroup folder is removed with rmdir even though it lists files; it fails with EBUSY while
        // members (even zombies not yet reaped) remain, so retry briefly.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                Directory.Delete(directory);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(10);
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private string? TryMake(string directory, string what)
    {
        try
        {
            Directory.CreateDirectory(directory);
            _directories.Add(directory);
            return directory;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problems.TryAdd(what, $"cannot create {directory}: {e.Message}");
            return null;
        }
    }

    private static string Read(string directory, string file) => CgroupLayout.SafeRead(Path.Combine(directory, file));

    private static void Write(string directory, string file, string value) => File.WriteAllText(Path.Combine(directory, file), value);

    private static void TryWrite(string directory, string file, string value)
    {
        try
        {
            Write(directory, file, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Reads "key value" lines (memory.events, pids.events, cpu.stat, memory.oom_control).</summary>
    internal static long? Field(string text, string key)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }
        return null;
    }

    private static long? ParseLong(string text) => long.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var value) ? value : null;
}

using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Text;
using System.Text.RegularExpressions;
using Crucible.Core.Sandbox;

namespace Crucible.Sandbox.Internal;

/// <summary>
/// Runs one call: starts the process tree held at a handshake, puts it in its cgroups and rlimits,
/// releases it, watches the limits, kills the whole tree, and builds the result.
/// </summary>
/// <remarks>
/// Launch chain: <c>/bin/sh -c 'read -r _ || exit 125; ...; exec "$@"'</c> → <c>setsid</c> → argv. The
/// shell blocks on its first stdin line while this class writes its pid into the call's cgroups and
/// sets rlimits with <c>prlimit(2)</c>, so nothing the command does runs outside them. <c>setsid</c>
/// then makes that same pid the leader of a new session and process group (a child of .NET is never a
/// group leader, so setsid does not fork), which is what <c>kill(-pgid)</c> targets.
/// </remarks>
internal sealed partial class CallRunner
{
    /// <summary>Smallest <see cref="ResourceLimits.MaxOpenFiles"/> accepted: the launch chain itself needs a few descriptors.</summary>
    public const int MinimumOpenFiles = 16;

    private const string HandshakeScript = "read -r _ || exit 125; if [ \"$1\" != - ]; then exec 3>\"$1\"; fi; shift; exec \"$@\"";
    private const int ReadChunkBytes = 1 << 20;

    private readonly LaunchPlan _plan;
    private readonly SandboxCommand _command;
    private readonly ResourceLimits _limits;
    private readonly ProcessControlOptions _options;
    private readonly CancellationToken _cancellation;
    private readonly LimitRecorder _hits = new();
    private readonly Dictionary<string, string> _enforcement;
    private readonly Dictionary<int, long> _tracked = [];
    private readonly Stopwatch _clock = new();

    private CallCgroup? _cgroup;
    private Process? _process;
    private int _rootPid;
    private int? _sandboxInitPid;
    private bool _stoppedByUs;
    private DiskUsageSample _diskBaseline;
    private DateTime _nextDiskScan;
    private TimeSpan _lastDiskScan;
    private TimeSpan? _procCpu;

    private CallRunner(LaunchPlan plan, SandboxCommand command, ResourceLimits limits, ProcessControlOptions options, CancellationToken cancellation)
    {
        _plan = plan;
        _command = command;
        _limits = limits;
        _options = options;
        _cancellation = cancellation;
        _enforcement = new Dictionary<string, string>(plan.Enforcement, StringComparer.Ordinal);
    }

    /// <summary>Runs <paramref name="plan"/> and returns when every process it started is gone.</summary>
    public static Task<SandboxResult> RunAsync(LaunchPlan plan, SandboxCommand command, ResourceLimits limits, ProcessControlOptions options, CancellationToken cancellation) =>
        new CallRunner(plan, command, limits, options, cancellation).RunAsync();

    /// <summary>Checks limits that would break the launch itself.</summary>
    public static void Validate(ResourceLimits limits)
    {
        static void Positive<T>(T? value, string name) where T : struct, IComparable<T>
        {
            if (value is { } v && v.CompareTo(default) <= 0)
            {
                throw new Core.BadInputException($"ResourceLimits.{name} is {v}; it must be positive.", $"Set {name} to a positive value, or to null for no limit.");
            }
        }
        Positive(limits.WallTime, nameof(limits.WallTime));
        Positive(limits.CpuTime, nameof(limits.CpuTime));
        Positive(limits.MemoryBytes, nameof(limits.MemoryBytes));
        Positive(limits.MaxProcesses, nameof(limits.MaxProcesses));
        Positive(limits.MaxFileSizeBytes, nameof(limits.MaxFileSizeBytes));
        Positive(limits.MaxDiskBytes, nameof(limits.MaxDiskBytes));
        if (limits.MaxOpenFiles is < MinimumOpenFiles)
        {
            throw new Core.BadInputException($"ResourceLimits.MaxOpenFiles is {limits.MaxOpenFiles}; the launch needs at least {MinimumOpenFiles}.", $"Set MaxOpenFiles to {MinimumOpenFiles} or more, or to null.");
        }
        if (limits.Output is null || limits.Output.HeadBytes < 0 || limits.Output.TailBytes < 0)
        {
            throw new Core.BadInputException("ResourceLimits.Output must have non-negative HeadBytes and TailBytes.", "Use OutputLimits.Default or give sizes of 0 or more.");
        }
    }

    private async Task<SandboxResult> RunAsync()
    {
        _clock.Start();
        if (_cancellation.IsCancellationRequested)
        {
            _hits.Record(LimitKind.Cancelled);
            return Result(-1, CapturedOutput.Empty, CapturedOutput.Empty, null);
        }

        var rlimits = PlanLimits();
        if (_limits.MaxDiskBytes is not null || _limits.MaxFileSizeBytes is not null)
        {
            _diskBaseline = DiskUsage.Measure(_plan.WritableHostRoots);
            _nextDiskScan = DateTime.UtcNow + _options.DiskScanInterval;
        }

        var stdout = new HeadTailBuffer(_limits.Output.HeadBytes, _limits.Output.TailBytes);
        var stderr = new HeadTailBuffer(_limits.Output.HeadBytes, _limits.Output.TailBytes);
        using var abandonOutput = new CancellationTokenSource();
        Task? readers = null;
        try
        {
            _process = await ProcessLauncher.StartAsync(StartInfo()).ConfigureAwait(false);
            _rootPid = _process.Id;
            try
            {
                _cgroup?.Attach(_rootPid);
                foreach (var (resource, soft, hard) in rlimits)
                {
                    Native.SetLimit(_rootPid, resource, soft, hard);
                }
            }
            catch
            {
                // Still held at the handshake: nothing of the command has run.
                Native.Kill(_rootPid, Native.SIGKILL);
                throw;
            }

            foreach (var stream in new[] { _process.StandardOutput.BaseStream, _process.StandardError.BaseStream })
            {
                if (stream is PipeStream pipe)
                {
                    Native.TryGrowPipe(pipe.SafePipeHandle, _options.PipeBufferBytes);
                }
            }
            readers = Task.WhenAll(
                PumpAsync(_process.StandardOutput.BaseStream, stdout, abandonOutput.Token),
                PumpAsync(_process.StandardError.BaseStream, stderr, abandonOutput.Token));
            _ = WriteStandardInputAsync(_process.StandardInput.BaseStream);

            await MonitorAsync().ConfigureAwait(false);
        }
        finally
        {
            await SweepAsync().ConfigureAwait(false);
        }

        try
        {
            await readers!.WaitAsync(_options.DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            abandonOutput.Cancel();
            await readers!.ConfigureAwait(false);
        }

        var exitCode = ExitCode(_process.ExitCode, stderr);
        var sample = _cgroup?.Sample();
        RecordFinalCauses(exitCode, sample);
        _cgroup?.Dispose();
        var result = Result(exitCode, stdout.ToCapturedOutput(), stderr.ToCapturedOutput(), sample);
        _process.Dispose();
        return result;
    }

    private ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo(_options.ShellPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _plan.HostWorkingDirectory,
        };
        // The first process gets exactly the plan's environment: no host variable (API keys!) survives.
        info.Environment.Clear();
        foreach (var (key, value) in _plan.HostEnvironment)
        {
            info.Environment[key] = value;
        }
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(HandshakeScript);
        info.ArgumentList.Add("crucible-call");
        info.ArgumentList.Add(_plan.StatusFile ?? "-");
        info.ArgumentList.Add(_options.SetsidPath);
        foreach (var arg in _plan.Argv)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    /// <summary>Decides cgroups vs rlimits for each limit and records the choice.</summary>
    private List<(int Resource, ulong Soft, ulong Hard)> PlanLimits()
    {
        var rlimits = new List<(int, ulong, ulong)> { (Native.RLIMIT_CORE, 0, 0) };
        var isRoot = Native.GetEffectiveUserId() == 0;

        if (_options.Cgroups != CgroupMode.Disabled)
        {
            _cgroup = CallCgroup.Create(CgroupLayout.ForThisProcess, _limits.MemoryBytes, _limits.MaxProcesses);
            if (_options.Cgroups == CgroupMode.Required && (_cgroup.MemoryDirectory is null || _cgroup.PidsDirectory is null || _cgroup.CpuDirectory is null))
            {
                var problems = string.Join("; ", _cgroup.Problems.Select(p => $"{p.Key}: {p.Value}"));
                _cgroup.Dispose();
                _cgroup = null;
                throw new SandboxUnavailableException(
                    $"Cgroups are required (ProcessControlOptions.Cgroups = Required) but not usable here: {problems}. " +
                    "Fix: run Crucible as root, or inside a cgroup with the memory and pids controllers delegated to it " +
                    "(e.g. `systemd-run --user --scope -p Delegate=yes crucible ...`), or set Cgroups = Auto to fall back to rlimits.");
            }
        }
        string V(int version) => $"cgroup v{version}";

        _enforcement[EnforcementKeys.WallTime] = _limits.WallTime is null ? $"{EnforcementKeys.NotEnforced}: no limit set" : "timer, then SIGTERM and SIGKILL of the tree";

        if (_limits.MemoryBytes is { } memory)
        {
            if (_cgroup?.MemoryDirectory is not null)
            {
                _enforcement[EnforcementKeys.Memory] = $"{V(_cgroup.MemoryVersion)} memory limit for the whole tree";
            }
            else
            {
                rlimits.Add((Native.RLIMIT_DATA, (ulong)memory, (ulong)memory));
                _enforcement[EnforcementKeys.Memory] = "RLIMIT_DATA per process (no memory cgroup)";
            }
        }
        else
        {
            _enforcement[EnforcementKeys.Memory] = $"{EnforcementKeys.NotEnforced}: no limit set";
        }

        if (_limits.MaxProcesses is { } processes)
        {
            if (_cgroup?.PidsDirectory is not null)
            {
                _enforcement[EnforcementKeys.Processes] = $"{V(_cgroup.PidsVersion)} pids limit for the whole tree";
            }
            else if (isRoot)
            {
                // The kernel skips RLIMIT_NPROC for root's kuid, even inside a user namespace.
                _enforcement[EnforcementKeys.Processes] = $"{EnforcementKeys.NotEnforced}: no pids cgroup, and RLIMIT_NPROC does not bind root";
            }
            else
            {
                // RLIMIT_NPROC counts every thread of the user, so allow what already runs plus the limit.
                var current = ThreadsOfUser(Native.GetEffectiveUserId());
                var value = (ulong)(current + processes);
                rlimits.Add((Native.RLIMIT_NPROC, value, value));
                _enforcement[EnforcementKeys.Processes] = $"RLIMIT_NPROC = {value} (the user's {current} threads + {processes})";
            }
        }
        else
        {
            _enforcement[EnforcementKeys.Processes] = $"{EnforcementKeys.NotEnforced}: no limit set";
        }

        if (_limits.CpuTime is { } cpu)
        {
            // Per-process backstop; the tree total is watched by the monitor.
            var seconds = (ulong)Math.Ceiling(cpu.TotalSeconds);
            rlimits.Add((Native.RLIMIT_CPU, seconds, seconds + 1));
            _enforcement[EnforcementKeys.CpuTime] = _cgroup?.CpuDirectory is not null
                ? $"{V(_cgroup.CpuVersion)} CPU usage of the tree, checked every {_options.MonitorInterval.TotalMilliseconds:0} ms; RLIMIT_CPU per process"
                : $"CPU of the process table tree, checked every {_options.MonitorInterval.TotalMilliseconds:0} ms; RLIMIT_CPU per process";
        }
        else
        {
            _enforcement[EnforcementKeys.CpuTime] = $"{EnforcementKeys.NotEnforced}: no limit set";
        }

        if (_limits.MaxFileSizeBytes is { } fileSize)
        {
            rlimits.Add((Native.RLIMIT_FSIZE, (ulong)fileSize, (ulong)fileSize));
            _enforcement[EnforcementKeys.FileSize] = "RLIMIT_FSIZE";
        }
        else
        {
            _enforcement[EnforcementKeys.FileSize] = $"{EnforcementKeys.NotEnforced}: no limit set";
        }

        if (_limits.MaxOpenFiles is { } files)
        {
            rlimits.Add((Native.RLIMIT_NOFILE, (ulong)files, (ulong)files));
            _enforcement[EnforcementKeys.OpenFiles] = "RLIMIT_NOFILE per process";
        }
        else
        {
            _enforcement[EnforcementKeys.OpenFiles] = $"{EnforcementKeys.NotEnforced}: no limit set";
        }

        _enforcement[EnforcementKeys.Disk] = _limits.MaxDiskBytes is null
            ? $"{EnforcementKeys.NotEnforced}: no limit set"
            : (_plan.SandboxTmpfs.Count > 0 ? "size-limited tmpfs; " : "") + $"growth of writable folders scanned every {_options.DiskScanInterval.TotalMilliseconds:0} ms or more";
        _enforcement[EnforcementKeys.Output] = $"first {_limits.Output.HeadBytes} and last {_limits.Output.TailBytes} bytes of each stream kept";
        _enforcement[EnforcementKeys.TreeKill] = string.Join(" + ", new[]
        {
            "process group",
            _plan.StatusFile is not null ? "pid namespace" : null,
            _cgroup?.KillDirectory is not null ? "cgroup.kill" : _cgroup?.Directories.Count > 0 ? "cgroup members" : "process table scan",
        }.Where(s => s is not null));
        return rlimits;
    }

    private async Task MonitorAsync()
    {
        var exited = _process!.WaitForExitAsync(CancellationToken.None);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _cancellation.Register(() => cancelled.TrySetResult());
        var started = _clock.Elapsed;

        while (true)
        {
            var wait = _options.MonitorInterval;
            if (_limits.WallTime is { } wall)
            {
                var remaining = wall - (_clock.Elapsed - started);
                wait = remaining < wait ? (remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) : wait;
            }
            await Task.WhenAny(exited, cancelled.Task, Task.Delay(wait)).ConfigureAwait(false);
            if (exited.IsCompleted)
            {
                return;
            }
            if (_cancellation.IsCancellationRequested)
            {
                _hits.Record(LimitKind.Cancelled);
                await StopAsync(exited).ConfigureAwait(false);
                return;
            }
            if (_limits.WallTime is { } limit && _clock.Elapsed - started >= limit)
            {
                _hits.Record(LimitKind.WallTime);
                await StopAsync(exited).ConfigureAwait(false);
                return;
            }
            if (CheckLimits())
            {
                await StopAsync(exited).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>One monitor tick. Returns true when a limit requires stopping the call.</summary>
    private bool CheckLimits()
    {
        _sandboxInitPid ??= ReadStatus("child-pid");
        var members = Members();

        if (_cgroup is not null)
        {
            var sample = _cgroup.Sample();
            if (sample.OomKills > 0)
            {
                _hits.Record(LimitKind.Memory);
            }
            if (sample.PidsRefusals > 0)
            {
                _hits.Record(LimitKind.Processes);
            }
            if (_limits.CpuTime is { } cpu && sample.Cpu is { } used && used >= cpu)
            {
                _hits.Record(LimitKind.CpuTime);
                return true;
            }
        }
        if (_cgroup?.CpuDirectory is null && _limits.CpuTime is { } cpuLimit && _procCpu is { } procCpu && procCpu >= cpuLimit)
        {
            _hits.Record(LimitKind.CpuTime);
            return true;
        }

        if (_limits.MaxOpenFiles is { } maxFiles && members.Any(pid => ProcTable.OpenDescriptors(pid) >= maxFiles))
        {
            _hits.Record(LimitKind.OpenFiles);
        }

        if ((_limits.MaxDiskBytes is not null || _limits.MaxFileSizeBytes is not null) && DateTime.UtcNow >= _nextDiskScan)
        {
            var scanStarted = Stopwatch.GetTimestamp();
            var stop = CheckDisk();
            _lastDiskScan = Stopwatch.GetElapsedTime(scanStarted);
            var next = _lastDiskScan * 10 > _options.DiskScanInterval ? _lastDiskScan * 10 : _options.DiskScanInterval;
            _nextDiskScan = DateTime.UtcNow + next;
            if (stop)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Disk growth and largest file; true when <see cref="ResourceLimits.MaxDiskBytes"/> is reached.</summary>
    private bool CheckDisk()
    {
        var usage = DiskUsage.Measure(_plan.WritableHostRoots);
        if (_limits.MaxFileSizeBytes is { } maxFile && usage.LargestFileBytes >= maxFile && _diskBaseline.LargestFileBytes < maxFile)
        {
            _hits.Record(LimitKind.FileSize);
        }
        if (_limits.MaxDiskBytes is not { } maxDisk)
        {
            return false;
        }
        var added = usage.TotalBytes - _diskBaseline.TotalBytes;
        if (_sandboxInitPid is { } init)
        {
            foreach (var mount in _plan.SandboxTmpfs)
            {
                // Until bubblewrap has pivoted into the new root, /proc/<init>/root is still the host's root,
                // and the path names the host's own folder: that is not the sandbox's tmpfs, so it is not counted.
                added += Native.UsedBytesUnlessSameFileSystem($"/proc/{init}/root{mount}", mount) ?? 0;
            }
        }
        if (added >= maxDisk)
        {
            _hits.Record(LimitKind.Disk);
            return true;
        }
        return false;
    }

    /// <summary>The call's processes now. Without cgroups, the process table is walked and every process seen is remembered (pid and start time) for the final kill.</summary>
    private IReadOnlyCollection<int> Members()
    {
        if (_cgroup is { Directories.Count: > 0 })
        {
            return _cgroup.Members();
        }
        var table = ProcTable.Snapshot();
        var roots = new HashSet<int>(_tracked.Keys) { _rootPid };
        long ticks = 0;
        foreach (var root in roots)
        {
            foreach (var stat in ProcTable.Tree(table, root))
            {
                if (!_tracked.TryGetValue(stat.Pid, out var start) || start == stat.StartTime)
                {
                    _tracked[stat.Pid] = stat.StartTime;
                }
            }
        }
        foreach (var pid in _tracked.Keys.ToList())
        {
            if (table.TryGetValue(pid, out var stat) && stat.StartTime == _tracked[pid])
            {
                ticks += stat.CpuTicks + stat.ChildCpuTicks;
            }
            else
            {
                _tracked.Remove(pid);
            }
        }
        // Never decreases: a reaped child's time moves into its parent's child time, or is lost with an orphan.
        var cpu = TimeSpan.FromSeconds((double)ticks / ProcTable.TicksPerSecond);
        _procCpu = _procCpu is { } previous && previous > cpu ? previous : cpu;
        return _tracked.Keys;
    }

    /// <summary>Stops the call: SIGTERM to the command's processes, SIGKILL to everything after the grace period.</summary>
    private async Task StopAsync(Task exited)
    {
        _stoppedByUs = true;
        if (_options.KillGrace > TimeSpan.Zero)
        {
            // bwrap itself and the sandbox's init are spared the SIGTERM: killing them would SIGKILL the
            // command at once and take its chance to shut down cleanly.
            var spared = new HashSet<int>();
            if (_plan.StatusFile is not null)
            {
                spared.Add(_rootPid);
                if ((_sandboxInitPid ??= ReadStatus("child-pid")) is { } init)
                {
                    spared.Add(init);
                }
            }
            else
            {
                Native.KillGroup(_rootPid, Native.SIGTERM);
            }
            foreach (var pid in Members().Where(p => !spared.Contains(p)))
            {
                Native.Kill(pid, Native.SIGTERM);
            }
            await Task.WhenAny(exited, Task.Delay(_options.KillGrace)).ConfigureAwait(false);
        }
        KillEverything();
        await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
    }

    private void KillEverything()
    {
        if (_rootPid <= 0)
        {
            return;
        }
        Native.KillGroup(_rootPid, Native.SIGKILL);
        if (_process is { HasExited: false })
        {
            Native.Kill(_rootPid, Native.SIGKILL);
        }
        _cgroup?.KillAll();
        if (_cgroup is not { Directories.Count: > 0 })
        {
            var table = ProcTable.Snapshot();
            foreach (var (pid, start) in _tracked)
            {
                if (pid != _rootPid && table.TryGetValue(pid, out var stat) && stat.StartTime == start)
                {
                    Native.Kill(pid, Native.SIGKILL);
                }
            }
            // Group members that were never seen by a tick (the call was shorter than one interval).
            foreach (var stat in table.Values.Where(s => s.ProcessGroup == _rootPid && s.Pid != _rootPid))
            {
                Native.Kill(stat.Pid, Native.SIGKILL);
            }
        }
    }

    /// <summary>Runs at the end of every call, however it ended: nothing the call started survives it.</summary>
    private async Task SweepAsync()
    {
        if (_process is null)
        {
            _cgroup?.Dispose();
            return;
        }
        if (!_process.HasExited)
        {
            _stoppedByUs = true;
            KillEverything();
        }
        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (_cgroup is null)
        {
            Members();
        }
        KillEverything();
        if (_cgroup is not null)
        {
            await _cgroup.KillAndWaitEmptyAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
    }

    private async Task WriteStandardInputAsync(Stream stdin)
    {
        try
        {
            // The first line releases the handshake; the rest is the command's own stdin.
            await stdin.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
            await stdin.FlushAsync().ConfigureAwait(false);
            if (_command.StandardInput is { Length: > 0 } text)
            {
                await stdin.WriteAsync(Encoding.UTF8.GetBytes(text)).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The command exited without reading its input.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                stdin.Dispose();
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task PumpAsync(Stream stream, HeadTailBuffer buffer, CancellationToken abandon)
    {
        var chunk = new byte[ReadChunkBytes];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(chunk, abandon).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                if (buffer.Append(chunk.AsSpan(0, n)))
                {
                    _hits.Record(LimitKind.Output);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private int ExitCode(int processExitCode, HeadTailBuffer stderr)
    {
        if (_plan.StatusFile is null)
        {
            return processExitCode;
        }
        if (ReadStatus("exit-code") is { } code)
        {
            return code;
        }
        if (_stoppedByUs)
        {
            return processExitCode;
        }
        // bwrap exited before the command could: it failed to set up the sandbox or to exec the command.
        var message = stderr.ToCapturedOutput().Text;
        if (ExecFailure().Match(message) is { Success: true } m)
        {
            return m.Groups[1].Value.Contains("No such file", StringComparison.Ordinal) ? 127 : 126;
        }
        throw new InvalidOperationException($"bubblewrap could not set up the sandbox (exit code {processExitCode}): {message.Trim()}");
    }

    private void RecordFinalCauses(int exitCode, CgroupSample? sample)
    {
        if (sample is { OomKills: > 0 })
        {
            _hits.Record(LimitKind.Memory);
        }
        if (sample is { PidsRefusals: > 0 })
        {
            _hits.Record(LimitKind.Processes);
        }
        if (exitCode == 128 + Native.SIGXCPU && _limits.CpuTime is not null)
        {
            _hits.Record(LimitKind.CpuTime);
        }
        if (exitCode == 128 + Native.SIGXFSZ && _limits.MaxFileSizeBytes is not null)
        {
            _hits.Record(LimitKind.FileSize);
        }
        if (_limits.MaxFileSizeBytes is { } maxFile && !_hits.Contains(LimitKind.FileSize))
        {
            var usage = DiskUsage.Measure(_plan.WritableHostRoots);
            if (usage.LargestFileBytes >= maxFile && _diskBaseline.LargestFileBytes < maxFile)
            {
                _hits.Record(LimitKind.FileSize);
            }
        }
    }

    private SandboxResult Result(int exitCode, CapturedOutput stdout, CapturedOutput stderr, CgroupSample? sample) => new()
    {
        ExitCode = exitCode,
        Signal = exitCode is > 128 and <= 128 + 64 ? exitCode - 128 : null,
        Stdout = stdout,
        Stderr = stderr,
        Elapsed = _clock.Elapsed,
        CpuTime = sample?.Cpu ?? _procCpu,
        PeakMemoryBytes = sample?.PeakMemory,
        LimitsHit = _hits.ToList(),
        Sandbox = _plan.SandboxName,
        Enforcement = _enforcement,
    };

    private int? ReadStatus(string key)
    {
        if (_plan.StatusFile is null)
        {
            return null;
        }
        var text = CgroupLayout.SafeRead(_plan.StatusFile);
        var match = Regex.Match(text, $"\"{Regex.Escape(key)}\"\\s*:\\s*(\\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static int ThreadsOfUser(uint uid)
    {
        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
            {
                continue;
            }
            var status = CgroupLayout.SafeRead(Path.Combine(directory, "status"));
            var uidLine = status.Split('\n').FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var threadsLine = status.Split('\n').FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal));
            if (uidLine?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == uid.ToString(CultureInfo.InvariantCulture)
                && int.TryParse(threadsLine?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1), out var threads))
            {
                count += threads;
            }
        }
        return count;
    }

    [GeneratedRegex(@"bwrap: execvp [^\n]*?: ([^\n]+)")]
    private static partial Regex ExecFailure();

    /// <summary>Limits in the order they first fired.</summary>
    private sealed class LimitRecorder
    {
        private readonly List<LimitKind> _hits = [];

        public void Record(LimitKind kind)
        {
            lock (_hits)
            {
                if (!_hits.Contains(kind))
                {
                    _hits.Add(kind);
                }
            }
        }

        public bool Contains(LimitKind kind)
        {
            lock (_hits)
            {
                return _hits.Contains(kind);
            }
        }

        public List<LimitKind> ToList()
        {
            lock (_hits)
            {
                return [.. _hits];
            }
        }
    }
}

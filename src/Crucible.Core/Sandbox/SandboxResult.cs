namespace Crucible.Core.Sandbox;

/// <summary>A resource or policy limit that ended (or constrained) a sandboxed call.</summary>
public enum LimitKind
{
    /// <summary>Wall-clock time ran out.</summary>
    WallTime,
    /// <summary>CPU time ran out.</summary>
    CpuTime,
    /// <summary>The memory limit was hit (the kernel killed a process or refused memory).</summary>
    Memory,
    /// <summary>The process-count limit refused a fork.</summary>
    Processes,
    /// <summary>A file reached the per-file size limit.</summary>
    FileSize,
    /// <summary>The command wrote more new data than the disk limit allows.</summary>
    Disk,
    /// <summary>Output beyond the retained head and tail was dropped (the command was not stopped).</summary>
    Output,
    /// <summary>The open-file limit refused a descriptor.</summary>
    OpenFiles,
    /// <summary>The caller cancelled the call.</summary>
    Cancelled,
}

/// <summary>The outcome of one sandboxed call. Every process the call started is gone when this exists.</summary>
public sealed record SandboxResult
{
    /// <summary>Exit code of the command; 128 + signal number when a signal killed it, -1 if it never started.</summary>
    public required int ExitCode { get; init; }

    /// <summary>The signal that killed the command, if one did.</summary>
    public int? Signal { get; init; }

    /// <summary>Standard output, capped at head and tail.</summary>
    public required CapturedOutput Stdout { get; init; }

    /// <summary>Standard error, capped at head and tail.</summary>
    public required CapturedOutput Stderr { get; init; }

    /// <summary>Wall time of the call.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>CPU time used by the tree, when the backend can measure it.</summary>
    public TimeSpan? CpuTime { get; init; }

    /// <summary>Peak memory of the tree in bytes, when the backend can measure it.</summary>
    public long? PeakMemoryBytes { get; init; }

    /// <summary>Limits that fired, first cause first. Empty when none did.</summary>
    public IReadOnlyList<LimitKind> LimitsHit { get; init; } = [];

    /// <summary>Name of the sandbox that ran the call, e.g. <c>bubblewrap</c>, or <c>none</c> for <c>--no-sandbox</c>.</summary>
    public required string Sandbox { get; init; }

    /// <summary>How each limit was enforced (e.g. <c>memory: cgroup</c>, <c>processes: rlimit</c>), for the record.</summary>
    public IReadOnlyDictionary<string, string> Enforcement { get; init; } = new Dictionary<string, string>();

    /// <summary>True when the command ran to completion with exit code 0 and no limit fired except <see cref="LimitKind.Output"/>.</summary>
    public bool Succeeded => ExitCode == 0 && LimitsHit.All(l => l == LimitKind.Output);

    /// <summary>The limit that stopped the call, if any (output truncation does not stop a call).</summary>
    public LimitKind? FatalLimit => LimitsHit.Where(l => l != LimitKind.Output).Cast<LimitKind?>().FirstOrDefault();
}

/// <summary>Output of one stream, keeping its head and its tail when it was too long.</summary>
/// <param name="Head">The first bytes of the stream, decoded as UTF-8 (cut at a character boundary).</param>
/// <param name="Tail">The last bytes of the stream when it was truncated, otherwise empty (cut at a character boundary).</param>
/// <param name="TotalBytes">How many bytes the stream carried in all.</param>
public sealed record CapturedOutput(string Head, string Tail, long TotalBytes)
{
    /// <summary>An empty stream.</summary>
    public static CapturedOutput Empty { get; } = new("", "", 0);

    /// <summary>
    /// Bytes dropped between the head and the tail (including the bytes of a character split by a
    /// cut). Zero when the whole stream was kept.
    /// </summary>
    public long OmittedBytes { get; init; }

    /// <summary>True when bytes between the head and the tail were dropped.</summary>
    public bool Truncated => OmittedBytes > 0;

    /// <summary>The retained text, with a marker where bytes were dropped.</summary>
    public string Text => Truncated ? $"{Head}\n[... {OmittedBytes} bytes omitted ...]\n{Tail}" : Head + Tail;

    /// <summary>Returns <see cref="Text"/>.</summary>
    public override string ToString() => Text;
}

/// <summary>
/// Thrown when the requested sandbox cannot run on this machine (bubblewrap missing, namespaces
/// disabled). The message names the fix.
/// </summary>
public sealed class SandboxUnavailableException(string message) : Exception(message);

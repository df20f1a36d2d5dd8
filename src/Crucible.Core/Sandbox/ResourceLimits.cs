namespace Crucible.Core.Sandbox;

/// <summary>Resource limits for one sandboxed call. Null disables a limit.</summary>
/// <remarks>
/// The defaults suit building and testing a small project: two minutes of wall time, five minutes of
/// CPU, 4 GiB of memory, 512 processes, 1 GiB per file, 2 GiB of new data on disk, 4096 open files,
/// and 64 KiB of output kept from the head and from the tail of each stream.
/// </remarks>
public sealed record ResourceLimits
{
    /// <summary>The default limits described on the type.</summary>
    public static ResourceLimits Default { get; } = new();

    /// <summary>Wall-clock time before the process tree is killed.</summary>
    public TimeSpan? WallTime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>CPU time of the whole tree.</summary>
    public TimeSpan? CpuTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Resident memory of the whole tree, in bytes.</summary>
    public long? MemoryBytes { get; init; } = 4L << 30;

    /// <summary>Number of processes and threads alive at once.</summary>
    public int? MaxProcesses { get; init; } = 512;

    /// <summary>Largest size of any single file written, in bytes.</summary>
    public long? MaxFileSizeBytes { get; init; } = 1L << 30;

    /// <summary>Total bytes the command may add to writable locations (workspace and temp).</summary>
    public long? MaxDiskBytes { get; init; } = 2L << 30;

    /// <summary>Open file descriptors per process.</summary>
    public int? MaxOpenFiles { get; init; } = 4096;

    /// <summary>How much of stdout and of stderr is kept.</summary>
    public OutputLimits Output { get; init; } = OutputLimits.Default;
}

/// <summary>How much output is retained: the first <see cref="HeadBytes"/> and the last <see cref="TailBytes"/> of each stream.</summary>
/// <param name="HeadBytes">Bytes kept from the start of the stream.</param>
/// <param name="TailBytes">Bytes kept from the end of the stream.</param>
public sealed record OutputLimits(int HeadBytes, int TailBytes)
{
    /// <summary>64 KiB from the head and 64 KiB from the tail.</summary>
    public static OutputLimits Default { get; } = new(64 * 1024, 64 * 1024);
}

using System.Runtime.InteropServices;

namespace Crucible.Sandbox.Internal;

/// <summary>The few libc calls the process control needs. Linux only (x86-64 and arm64 share these numbers).</summary>
internal static partial class Native
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGXCPU = 24;
    public const int SIGXFSZ = 25;

    public const int RLIMIT_CPU = 0;
    public const int RLIMIT_FSIZE = 1;
    public const int RLIMIT_DATA = 2;
    public const int RLIMIT_CORE = 4;
    public const int RLIMIT_NPROC = 6;
    public const int RLIMIT_NOFILE = 7;

    public const ulong RLIM_INFINITY = ulong.MaxValue;

    private const int F_GETFD = 1;
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;
    private const int F_SETPIPE_SZ = 1031;

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StatVfs
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong FilesAvailable;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong MaxNameLength;
        public int Spare0, Spare1, Spare2, Spare3, Spare4, Spare5;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "prlimit", SetLastError = true)]
    private static partial int SysPrlimit(int pid, int resource, in RLimit newLimit, out RLimit oldLimit);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysStatVfs(string path, out StatVfs buffer);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint SysRealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void SysFree(nint pointer);

    /// <summary>The canonical absolute path (every symbolic link resolved), or null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = SysRealPath(path, 0);
        if (resolved == 0)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            SysFree(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SysFcntl(int fd, int command, int argument);

    /// <summary>
    /// Sends <paramref name="signal"/>; returns false when the target is gone (ESRCH) or refused it
    /// (EPERM). Never throws: killing is cleanup, and cleanup must go on to the next target.
    /// </summary>
    public static bool Kill(int pid, int signal) => SysKill(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process in group <paramref name="pgid"/>; false when the group is gone.</summary>
    public static bool KillGroup(int pgid, int signal) => pgid > 1 && Kill(-pgid, signal);

    /// <summary>Sets soft and hard limit of <paramref name="resource"/> on another process (root or same user).</summary>
    public static void SetLimit(int pid, int resource, ulong soft, ulong hard)
    {
        var limit = new RLimit { Current = soft, Maximum = hard };
        if (SysPrlimit(pid, resource, limit, out _) != 0)
        {
            throw new InvalidOperationException($"prlimit({pid}, {resource}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>
    /// Bytes in use on the file system holding <paramref name="path"/>, or null when it cannot be read
    /// or is the same file system as <paramref name="unlessSameAs"/> (compared by file-system id).
    /// </summary>
    public static long? UsedBytesUnlessSameFileSystem(string path, string unlessSameAs)
    {
        if (SysStatVfs(path, out var s) != 0)
        {
            return null;
        }
        if (SysStatVfs(unlessSameAs, out var other) == 0 && other.FileSystemId == s.FileSystemId)
        {
            return null;
        }
        return (long)((s.Blocks - s.BlocksFree) * s.FragmentSize);
    }

    /// <summary>Bytes available to unprivileged writers on the file system holding <paramref name="path"/>.</summary>
    public static long? AvailableBytes(string path) =>
        SysStatVfs(path, out var s) == 0 ? (long)(s.BlocksAvailable * s.FragmentSize) : null;

    /// <summary>
    /// Marks every descriptor above 2 of this process close-on-exec, so that descriptors this process
    /// inherited from its own parent (a CI runner's pipes, a terminal) never leak into a child.
    /// </summary>
    public static void MarkInheritedDescriptorsCloseOnExec()
    {
        string[] entries;
        try
        {
            entries = Directory.GetFileSystemEntries("/proc/self/fd");
        }
        catch (IOException)
        {
            return;
        }
        foreach (var entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), out var fd) && fd > 2)
            {
                var flags = SysFcntl(fd, F_GETFD, 0);
                if (flags >= 0 && (flags & FD_CLOEXEC) == 0)
                {
                    SysFcntl(fd, F_SETFD, flags | FD_CLOEXEC);
                }
            }
        }
    }

    /// <summary>Best effort: grows a pipe's buffer so a fast writer needs fewer wake-ups of the reader.</summary>
    public static void TryGrowPipe(SafeHandle handle, int bytes)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            SysFcntl((int)handle.DangerousGetHandle(), F_SETPIPE_SZ, bytes);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}

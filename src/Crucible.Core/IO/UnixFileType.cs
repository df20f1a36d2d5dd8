using System.Runtime.InteropServices;

namespace Crucible.Core.IO;

/// <summary>The type of a directory entry, as <c>lstat(2)</c> reports it (links are not followed).</summary>
public enum FileKind
{
    /// <summary>The path does not exist or cannot be examined.</summary>
    Missing,
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A symbolic link.</summary>
    SymbolicLink,
    /// <summary>A named pipe. Opening one for reading can block forever.</summary>
    Fifo,
    /// <summary>A Unix socket.</summary>
    Socket,
    /// <summary>A character device.</summary>
    CharacterDevice,
    /// <summary>A block device.</summary>
    BlockDevice,
}

/// <summary>
/// Reads a path's file type without following links and without opening it. .NET reports FIFOs and
/// devices as ordinary files, and opening a FIFO blocks, so code that copies untrusted folders must
/// check the type first.
/// </summary>
public static partial class UnixFileType
{
    private const int S_IFMT = 0xF000;

    /// <summary>Returns the kind of <paramref name="path"/>.</summary>
    public static FileKind Get(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return FileKind.SymbolicLink;
        }
        if (Directory.Exists(path))
        {
            return FileKind.Directory;
        }
        if (!info.Exists)
        {
            return FileKind.Missing;
        }
        if (!OperatingSystem.IsLinux())
        {
            return FileKind.Regular;
        }
        var mode = LinuxMode(path);
        return (mode & S_IFMT) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Missing,
        };
    }

    private static unsafe int LinuxMode(string path)
    {
        // struct stat is 144 bytes on x86_64 and 128 on arm64; st_mode sits at offset 24 and 16 respectively.
        var offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => throw new PlatformNotSupportedException($"file-type probe not implemented for {RuntimeInformation.ProcessArchitecture}"),
        };
        var buffer = stackalloc byte[256];
        return Lstat(path, buffer) == 0 ? *(int*)(buffer + offset) : 0;
    }

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Lstat(string path, byte* buffer);
}

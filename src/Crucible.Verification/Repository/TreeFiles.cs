namespace Crucible.Verification.Repository;

/// <summary>Copies, overlays and removes the throwaway trees of a verification. Symbolic links are copied as links, never followed.</summary>
internal static class TreeFiles
{
    /// <summary>Copies every file, link and executable bit of <paramref name="from"/> to the new folder <paramref name="to"/>.</summary>
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (entry is DirectoryInfo)
            {
                Copy(entry.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
            }
        }
    }

    /// <summary>Applies <paramref name="changes"/> to <paramref name="tree"/>: deleted files go, added and modified ones are copied from <paramref name="source"/>.</summary>
    public static void Overlay(string tree, string source, IEnumerable<ChangedFile> changes)
    {
        foreach (var change in changes)
        {
            var target = Path.Combine(tree, change.Path);
            RemoveEntry(target);
            if (change.Kind == FileChangeKind.Deleted)
            {
                continue;
            }
            var from = new FileInfo(Path.Combine(source, change.Path));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (from.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else
            {
                File.Copy(from.FullName, target);
            }
        }
    }

    /// <summary>True when both paths are regular files with the same bytes and executable bit, or links with the same target.</summary>
    public static bool SameFile(string a, string b)
    {
        var (x, y) = (new FileInfo(a), new FileInfo(b));
        if (x.LinkTarget is not null || y.LinkTarget is not null)
        {
            return x.LinkTarget == y.LinkTarget;
        }
        return x.Exists && y.Exists && x.Length == y.Length
            && (File.GetUnixFileMode(a) & UnixFileMode.UserExecute) == (File.GetUnixFileMode(b) & UnixFileMode.UserExecute)
            && File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));
    }

    /// <summary>The text of a regular file, or null when it is missing or a link.</summary>
    public static string? ReadText(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null ? File.ReadAllText(path) : null;
    }

    /// <summary>Removes <paramref name="path"/> and everything below it; read-only entries left by test runs are made writable first. Never throws.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (!Directory.Exists(path))
            {
                return;
            }
            foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }))
            {
                TryMakeWritable(dir);
            }
            TryMakeWritable(path);
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryMakeWritable(string dir)
    {
        try
        {
            File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void RemoveEntry(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            info.Delete();
        }
        else if (Directory.Exists(path))
        {
            Delete(path);
        }
    }
}

using Crucible.Core.IO;
using Crucible.Core.Tasks;

namespace Crucible.Verification.Grading;

/// <summary>Writes task files into folders, and copies candidate folders without ever following links.</summary>
public static class Workspaces
{
    /// <summary>
    /// Writes the starting workspace of <paramref name="task"/> into <paramref name="target"/> (created
    /// if needed), then overlays <paramref name="overlay"/> when given (e.g. the reference solution).
    /// </summary>
    public static void Materialize(TaskSpec task, string target, IEnumerable<TaskFile>? overlay = null)
    {
        Directory.CreateDirectory(target);
        foreach (var f in task.StartingFiles)
        {
            WriteTaskFile(f, target);
        }
        foreach (var f in overlay ?? [])
        {
            WriteTaskFile(f, target);
        }
    }

    /// <summary>Writes one task file under <paramref name="root"/>, writable by its owner whatever the source's mode.</summary>
    public static void WriteTaskFile(TaskFile file, string root)
    {
        var dest = Resolve(root, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        if (File.Exists(dest) || IsLink(dest))
        {
            File.Delete(dest);
        }
        if (file.Content is not null)
        {
            File.WriteAllText(dest, file.Content);
        }
        else
        {
            File.Copy(file.SourcePath, dest, overwrite: true);
            File.SetUnixFileMode(dest, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    /// <summary>The bytes a task file holds (its adjusted content, or the file on disk).</summary>
    public static byte[] ReadTaskFile(TaskFile file) =>
        file.Content is not null ? System.Text.Encoding.UTF8.GetBytes(file.Content) : File.ReadAllBytes(file.SourcePath);

    /// <summary>
    /// Regular files under <paramref name="dir"/> as workspace-relative paths, skipping build outputs.
    /// Symbolic links and special files are reported in <paramref name="skipped"/>, never followed: a
    /// candidate's link to a host file must not make the harness read that file.
    /// </summary>
    public static IReadOnlyList<string> ListRegularFiles(string dir, ICollection<string>? skipped = null)
    {
        var result = new List<string>();
        var pending = new Stack<string>();
        pending.Push(dir);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            foreach (var entry in new DirectoryInfo(current).EnumerateFileSystemInfos())
            {
                var rel = PathGlob.Normalize(Path.GetRelativePath(dir, entry.FullName));
                switch (UnixFileType.Get(entry.FullName))
                {
                    case FileKind.Regular:
                        result.Add(rel);
                        break;
                    case FileKind.Directory:
                        if (!Tasks.NativeTaskSource.IsBuildOutput(rel + "/x"))
                        {
                            pending.Push(entry.FullName);
                        }
                        break;
                    case FileKind.SymbolicLink:
                        skipped?.Add($"{rel} (symbolic link, not followed)");
                        break;
                    case var other:
                        skipped?.Add($"{rel} ({other}, not a regular file)");
                        break;
                }
            }
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Joins <paramref name="root"/> and a workspace-relative path, refusing paths that leave the root.</summary>
    public static string Resolve(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var rootFull = Path.GetFullPath(root).TrimEnd('/') + "/";
        return full.StartsWith(rootFull, StringComparison.Ordinal)
            ? full
            : throw new InvalidOperationException($"path '{relative}' leaves the workspace");
    }

    /// <summary>Deletes a folder tree, making read-only entries writable first.</summary>
    public static void DeleteTree(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            foreach (var d in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}

namespace Crucible.Sandbox.Internal;

/// <summary>Per-call host scratch folders (mode 0700), deleted when the call ends.</summary>
internal static class Scratch
{
    public static string Create(ProcessControlOptions options)
    {
        // Under the process's temp parent, so an exit path that skips this call's cleanup still removes it.
        var root = options.ScratchRoot ?? Core.IO.ProcessTemp.Root;
        var path = Path.Combine(root, $"crucible-call-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Read-only files left by an unsandboxed command: make them writable and retry once.
            foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories))
            {
                try
                {
                    File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
                {
                }
            }
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}

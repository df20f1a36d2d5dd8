using System.IO.Enumeration;

namespace Crucible.Sandbox.Internal;

/// <summary>Total and largest file size under some folders, by apparent length (sparse files count in full).</summary>
internal readonly record struct DiskUsageSample(long TotalBytes, long LargestFileBytes);

/// <summary>Measures writable folders for the disk and file-size limits.</summary>
internal static class DiskUsage
{
    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Walks <paramref name="roots"/> without following symbolic links.</summary>
    public static DiskUsageSample Measure(IEnumerable<string> roots)
    {
        long total = 0, largest = 0;
        foreach (var root in roots)
        {
            if (!Directory.Exists(root))
            {
                continue;
            }
            var entries = new FileSystemEnumerable<long>(
                root,
                (ref FileSystemEntry e) => e.Length,
                Options)
            {
                ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory && (e.Attributes & FileAttributes.ReparsePoint) == 0,
                ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
            };
            try
            {
                foreach (var length in entries)
                {
                    total += length;
                    largest = Math.Max(largest, length);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder vanished mid-walk (the command deleted it): what was counted stands.
            }
        }
        return new DiskUsageSample(total, largest);
    }
}

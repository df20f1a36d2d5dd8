namespace Crucible.Server;

/// <summary>
/// Confines file names that come in requests: a name is a relative path of plain segments. Absolute paths, <c>..</c>,
/// <c>.</c>, empty segments, backslashes and control characters are refused, so every file a request writes lands inside
/// its job folder.
/// </summary>
public static class SafePaths
{
    /// <summary>Returns the normalised name, or throws 400 <c>bad_file_name</c>.</summary>
    /// <exception cref="ApiException">The name is not a plain relative path.</exception>
    public static string Check(string? name)
    {
        const string Fix = "send workspace-relative paths with '/' separators, e.g. 'src/Solution.cs', without '..', a leading '/', or backslashes";
        if (string.IsNullOrEmpty(name))
        {
            throw new ApiException(400, "bad_file_name", "a file name is empty", Fix);
        }
        if (name.Length > 4096 || name.Any(c => char.IsControl(c) || c == '\\'))
        {
            throw new ApiException(400, "bad_file_name", $"file name '{Shorten(name)}' has control characters, backslashes or is too long", Fix);
        }
        if (name.StartsWith('/') || name.StartsWith('~'))
        {
            throw new ApiException(400, "bad_file_name", $"file name '{Shorten(name)}' is absolute", Fix);
        }
        if (name.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ApiException(400, "bad_file_name", $"file name '{Shorten(name)}' has an empty, '.' or '..' segment", Fix);
        }
        return name;
    }

    /// <summary>
    /// The host path of <paramref name="relative"/> under <paramref name="root"/>, refusing a path whose existing parent
    /// folders include a link (nothing is ever written through a link).
    /// </summary>
    /// <exception cref="ApiException">The name is unsafe or a parent is a link.</exception>
    public static string Resolve(string root, string relative)
    {
        Check(relative);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(Path.GetFullPath(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ApiException(400, "bad_file_name", $"file name '{Shorten(relative)}' leaves the job folder", "send workspace-relative paths");
        }
        var dir = root;
        foreach (var segment in relative.Split('/'))
        {
            dir = Path.Combine(dir, segment);
            var info = new FileInfo(dir);
            if (info.Exists || Directory.Exists(dir))
            {
                if (info.LinkTarget is not null || new DirectoryInfo(dir).LinkTarget is not null)
                {
                    throw new ApiException(400, "bad_file_name", $"file name '{Shorten(relative)}' goes through a link", "send plain files; links are refused");
                }
            }
        }
        return full;
    }

    private static string Shorten(string s) => s.Length > 80 ? s[..80] + "..." : s;
}

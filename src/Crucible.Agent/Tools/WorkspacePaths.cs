using Crucible.Core.IO;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Tools;

/// <summary>Whether a path is resolved for reading or for writing (writes also respect the protected paths).</summary>
public enum PathAccess
{
    /// <summary>Reading or listing.</summary>
    Read,
    /// <summary>Creating, changing or deleting.</summary>
    Write,
}

/// <summary>A path the model gave, resolved inside the workspace.</summary>
/// <param name="FullPath">Absolute host path with every symbolic link resolved (what the tool opens).</param>
/// <param name="RelativePath">Path relative to the workspace root, forward slashes; empty for the root itself.</param>
/// <param name="Kind">What is there now (<see cref="FileKind.Missing"/> for a file about to be created).</param>
public sealed record ResolvedPath(string FullPath, string RelativePath, FileKind Kind)
{
    /// <summary>The relative path, or <c>.</c> for the root, for messages.</summary>
    public string Display => RelativePath.Length == 0 ? "." : RelativePath;
}

/// <summary>
/// The confinement boundary of every file tool. A model-given path is resolved against the workspace
/// root; the result must stay inside the root after resolving <c>..</c> and every symbolic link on the
/// way (existing parents, the final component, and links whose targets do not exist yet), must not be
/// a device, FIFO or socket, and — for writes — must not be a protected path.
/// </summary>
/// <remarks>
/// Invariant: the tools open <see cref="ResolvedPath.FullPath"/>, which contains no symbolic link and
/// no <c>..</c>, so what was checked is what is opened. Tools run one at a time, so a command cannot swap
/// a component for a link between the check and the use within one call.
/// </remarks>
public sealed class WorkspacePaths
{
    /// <summary>How many symbolic links one resolution may follow (as Linux's <c>MAXSYMLINKS</c>).</summary>
    public const int MaxLinkHops = 40;

    private readonly PathGlob[] _protected;

    /// <summary>Creates the confinement for <paramref name="workspaceRoot"/>.</summary>
    /// <param name="workspaceRoot">The workspace root (may itself be reached through links).</param>
    /// <param name="protectedWritePaths">Workspace-relative globs that file tools may never write (matched ignoring case).</param>
    public WorkspacePaths(string workspaceRoot, IEnumerable<string>? protectedWritePaths = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspaceRoot);
        Root = RealPath(Path.GetFullPath(workspaceRoot));
        _protected = (protectedWritePaths ?? AgentToolOptions.DefaultProtectedWritePaths).Select(p => new PathGlob(p.ToLowerInvariant())).ToArray();
    }

    /// <summary>The workspace root with links resolved.</summary>
    public string Root { get; }

    /// <summary>Resolves <paramref name="path"/>; throws <see cref="ToolInputException"/> naming the reason when it is refused.</summary>
    public ResolvedPath Resolve(string path, PathAccess access)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw Refuse(path, "the path is empty");
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw Refuse(path.Replace("\0", "\\0", StringComparison.Ordinal), "it contains a NUL character");
        }
        if (path.StartsWith('~'))
        {
            throw Refuse(path, "'~' paths point into a home folder, outside the workspace; give a path relative to the workspace root");
        }

        // Lexical normalisation first: '..' is resolved on the text so the OS never walks it.
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));
        if (!IsInside(full, Root))
        {
            throw Path.IsPathRooted(path)
                ? Refuse(path, $"it is an absolute path outside the workspace {Root}")
                : Refuse(path, "it escapes the workspace through '..'");
        }

        var real = RealPath(full);
        if (!IsInside(real, Root))
        {
            throw Refuse(path, $"it goes through a symbolic link that points outside the workspace (to {real})");
        }

        var kind = UnixFileType.Get(real);
        if (kind is FileKind.Fifo or FileKind.Socket or FileKind.CharacterDevice or FileKind.BlockDevice)
        {
            throw Refuse(path, $"it is a {Describe(kind)}, not a regular file");
        }

        var relative = real.Length == Root.Length ? "" : real[(Root.Length + 1)..];
        if (access == PathAccess.Write && IsProtected(relative))
        {
            throw Refuse(path, $"'{relative}' is protected: file tools never change .git/hooks, .git/config or .crucible/settings.json (the user edits those)");
        }
        return new ResolvedPath(real, relative, kind);
    }

    /// <summary>
    /// <paramref name="path"/> as written, normalised on its text only (<c>.</c> and <c>..</c>, no link followed), relative to
    /// the workspace root; null when it is empty or lies outside. Permission rules see it beside the resolved path, so a rule
    /// naming a link itself still matches.
    /// </summary>
    public string? Lexical(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal) || path.StartsWith('~'))
        {
            return null;
        }
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));
        return IsInside(full, Root) ? Relative(full) : null;
    }

    /// <summary>True when <paramref name="relativePath"/> (workspace-relative) may not be written by file tools.</summary>
    public bool IsProtected(string relativePath)
    {
        // Case-insensitive so that a case-insensitive file system (or a checkout copied from one) cannot be used to dodge the rule.
        var lower = relativePath.ToLowerInvariant();
        return _protected.Any(g => g.IsMatch(lower));
    }

    /// <summary>The workspace-relative form of an absolute path already known to be inside (for listings).</summary>
    public string Relative(string fullPath) => fullPath.Length == Root.Length ? "" : fullPath[(Root.Length + 1)..];

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it (both normalised).</summary>
    public static bool IsInside(string path, string root) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root.EndsWith('/') || path.Length > root.Length && path[root.Length] == '/'));

    /// <summary>
    /// Resolves every symbolic link in an absolute, normalised path, like <c>realpath -m</c>: components
    /// that do not exist are kept as they are, and a dangling link is replaced by its target.
    /// </summary>
    public static string RealPath(string absolutePath)
    {
        var pending = new Stack<string>(absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = "/";
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            var next = current == "/" ? "/" + part : current + "/" + part;
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                target = null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops)
            {
                throw new ToolInputException($"Refused '{absolutePath}': more than {MaxLinkHops} symbolic links (a link loop).");
            }
            foreach (var piece in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(piece);
            }
            if (target.StartsWith('/'))
            {
                current = "/";
            }
        }
        return current;
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "named pipe (FIFO)",
        FileKind.Socket => "socket",
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        _ => kind.ToString(),
    };

    private static ToolInputException Refuse(string path, string reason) => new($"Refused path '{path}': {reason}.");
}

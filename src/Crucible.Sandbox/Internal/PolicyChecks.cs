using Crucible.Core;
using Crucible.Core.Sandbox;

namespace Crucible.Sandbox.Internal;

/// <summary>A host path to mount: where it really is, and where the command sees it.</summary>
internal readonly record struct Mount(string Source, string Destination, bool Writable);

/// <summary>Validates a policy and a command before anything starts. Bad input gets a <see cref="BadInputException"/> naming the fix.</summary>
internal static class PolicyChecks
{
    /// <summary>
    /// The checks every backend makes on a call before anything else: the platform, the command, the environment and the limits.
    /// (What depends on the backend, such as whether hidden paths can be honoured, is checked by the backend.)
    /// </summary>
    public static void Call(SandboxCommand command, SandboxPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(policy);
        Platform.RequireLinux();
        Command(command);
        Environment(policy.Environment);
        CallRunner.Validate(policy.Limits);
    }

    /// <summary>The workspace's real path (symlinks resolved), after checking it exists.</summary>
    public static string Workspace(SandboxPolicy policy)
    {
        if (string.IsNullOrEmpty(policy.WorkspacePath) || !Path.IsPathFullyQualified(policy.WorkspacePath))
        {
            throw new BadInputException($"SandboxPolicy.WorkspacePath '{policy.WorkspacePath}' is not an absolute path.", "Give the workspace as an absolute host path.");
        }
        if (!Directory.Exists(policy.WorkspacePath) || Native.RealPath(policy.WorkspacePath) is not { } real)
        {
            throw new BadInputException($"The workspace {policy.WorkspacePath} does not exist.", "Create the workspace folder before running a command in it.");
        }
        if (real == "/")
        {
            throw new BadInputException("The workspace is the root folder /.", "Use a dedicated folder as the workspace.");
        }
        return real;
    }

    /// <summary>
    /// Extra mounts of the policy. Symlinks are refused: a command could replace a folder of its
    /// workspace with a link to <c>/root</c> and have the next call mount that.
    /// </summary>
    public static List<Mount> ExtraMounts(SandboxPolicy policy)
    {
        var mounts = new List<Mount>();
        foreach (var (paths, writable, name) in new[] { (policy.ReadOnlyPaths, false, nameof(policy.ReadOnlyPaths)), (policy.WritablePaths, true, nameof(policy.WritablePaths)) })
        {
            foreach (var path in paths)
            {
                if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
                {
                    throw new BadInputException($"SandboxPolicy.{name} entry '{path}' is not an absolute path.", "Give every extra mount as an absolute host path.");
                }
                var normal = Normalize(path);
                if (normal == "/")
                {
                    throw new BadInputException($"SandboxPolicy.{name} contains /, which would expose the whole host (home folders, keys).", "List only the folders the command needs.");
                }
                var real = Native.RealPath(normal)
                    ?? throw new BadInputException($"SandboxPolicy.{name} entry {path} does not exist.", "Create it first or remove it from the policy.");
                if (real != normal)
                {
                    throw new BadInputException($"SandboxPolicy.{name} entry {path} goes through a symbolic link (it is really {real}).", $"Use the real path {real}, after checking it is what you meant to expose.");
                }
                mounts.Add(new Mount(real, real, writable));
            }
        }
        return mounts;
    }

    /// <summary>
    /// The policy's hidden paths, as workspace-relative paths with whether each is a folder. Each must be an absolute path
    /// strictly inside the workspace, exist, and not go through a symbolic link (a link would hide, or expose, another path).
    /// </summary>
    public static List<(string Relative, bool IsDirectory)> HiddenPaths(SandboxPolicy policy, string hostWorkspace)
    {
        var hidden = new List<(string, bool)>();
        foreach (var path in policy.HiddenPaths)
        {
            if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
            {
                throw new BadInputException($"SandboxPolicy.HiddenPaths entry '{path}' is not an absolute path.", "Give every hidden path as an absolute host path inside the workspace.");
            }
            var normal = Normalize(path);
            if (!normal.StartsWith(hostWorkspace + "/", StringComparison.Ordinal))
            {
                throw new BadInputException($"SandboxPolicy.HiddenPaths entry {path} is not inside the workspace {hostWorkspace}.", "Hide only paths inside the workspace; the host outside it is not mounted anyway.");
            }
            if (Native.RealPath(normal) is not { } real || real != normal)
            {
                throw new BadInputException($"SandboxPolicy.HiddenPaths entry {path} does not exist or goes through a symbolic link.", "List existing files and folders by their real paths.");
            }
            hidden.Add((normal[(hostWorkspace.Length + 1)..], Directory.Exists(normal)));
        }
        return hidden;
    }

    /// <summary>The working directory inside the workspace, as a path relative to it ("" for the root).</summary>
    public static string WorkingDirectory(SandboxCommand command, string hostWorkspace)
    {
        var relative = command.WorkingDirectory ?? "";
        if (Path.IsPathRooted(relative) || relative.Split('/').Contains(".."))
        {
            throw new BadInputException($"SandboxCommand.WorkingDirectory '{relative}' must be a path inside the workspace, relative to it, without '..'.", "Give the working directory relative to the workspace root.");
        }
        relative = relative.Trim('/');
        if (relative.Length > 0 && !Directory.Exists(Path.Combine(hostWorkspace, relative)))
        {
            throw new BadInputException($"The working directory {relative} does not exist in the workspace {hostWorkspace}.", "Create it first, or run from the workspace root.");
        }
        return relative;
    }

    /// <summary>Checks variable names and values can be passed to a process.</summary>
    public static void Environment(IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (key, value) in environment)
        {
            if (string.IsNullOrEmpty(key) || key.Contains('=') || key.Contains('\0') || value is null || value.Contains('\0'))
            {
                throw new BadInputException($"SandboxPolicy.Environment has an invalid entry '{key}'.", "Variable names must be non-empty without '=' or NUL; values must not contain NUL.");
            }
        }
    }

    /// <summary>Checks the command itself.</summary>
    public static void Command(SandboxCommand command)
    {
        if (string.IsNullOrEmpty(command.FileName) || command.FileName.Contains('\0') || command.Arguments.Any(a => a is null || a.Contains('\0')))
        {
            throw new BadInputException($"The command '{command}' has an empty program name or a NUL character.", "Give a program name and arguments without NUL characters.");
        }
    }

    /// <summary>Collapses "." and "..", and trailing slashes, without touching the file system.</summary>
    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}

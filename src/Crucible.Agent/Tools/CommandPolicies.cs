using Crucible.Core.Sandbox;
using Crucible.Verification;
using Crucible.Verification.Grading;

namespace Crucible.Agent.Tools;

/// <summary>
/// Builds the sandbox policy of the agent's commands: the workspace writable, the protected paths
/// mounted read-only over it, the toolchains and the NuGet package folders read-only with the same
/// offline environment the verifier uses, and no network unless the settings allow it.
/// </summary>
public static class CommandPolicies
{
    /// <summary>
    /// The base policy for <see cref="ToolContext.CommandPolicy"/>. <paramref name="sandbox"/> is only used to
    /// obtain the verifier's defaults for the NuGet folders when the options leave them unset.
    /// </summary>
    public static SandboxPolicy Create(string workspaceRoot, AgentToolOptions options, ISandbox sandbox)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = WorkspacePaths.RealPath(Path.GetFullPath(workspaceRoot));
        var verifierDefaults = new VerifierOptions { Sandbox = sandbox };
        var nuget = options.NuGetPackagesDirectory ?? verifierDefaults.NuGetPackagesDirectory;
        var sources = options.LocalPackageSources ?? verifierDefaults.LocalPackageSources;
        var (env, toolPaths) = Toolchains.OfflineDotnet(nuget, sources);
        var readOnly = toolPaths.Select(WorkspacePaths.RealPath).ToList();
        return new SandboxPolicy
        {
            WorkspacePath = root,
            ReadOnlyPaths = readOnly.Distinct(StringComparer.Ordinal).ToList(),
            AllowNetwork = options.AllowNetwork,
            Environment = env,
        };
    }

    /// <summary>The policy for one command: <paramref name="basePolicy"/> with the call's timeout and network decision.</summary>
    public static SandboxPolicy ForCommand(SandboxPolicy basePolicy, AgentToolOptions options, string command, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(basePolicy);
        ArgumentNullException.ThrowIfNull(options);
        var guard = ProtectedMounts(basePolicy.WorkspacePath);
        return basePolicy with
        {
            ReadOnlyPaths = basePolicy.ReadOnlyPaths.Concat(guard.ReadOnly).Concat(ReadOnlyFiles(basePolicy.WorkspacePath, options.ReadOnlyInCommands))
                .Distinct(StringComparer.Ordinal).ToList(),
            WritablePaths = basePolicy.WritablePaths.Concat(guard.Writable).Distinct(StringComparer.Ordinal).ToList(),
            AllowNetwork = basePolicy.AllowNetwork || AllowsNetwork(options, command),
            Limits = basePolicy.Limits with { WallTime = timeout },
        };
    }

    /// <summary>The files of <paramref name="relativePaths"/> that exist now as regular files inside the workspace (links are skipped: file tools refuse them and mounting one would expose its target).</summary>
    public static IReadOnlyList<string> ReadOnlyFiles(string workspacePath, IEnumerable<string> relativePaths)
    {
        var root = WorkspacePaths.RealPath(Path.GetFullPath(workspacePath));
        var files = new List<string>();
        foreach (var relative in relativePaths)
        {
            var full = Path.GetFullPath(Path.Combine(root, relative));
            if (WorkspacePaths.IsInside(full, root) && full != root && WorkspacePaths.RealPath(full) == full && Core.IO.UnixFileType.Get(full) == Core.IO.FileKind.Regular)
            {
                files.Add(full);
            }
        }
        return files;
    }

    /// <summary>
    /// The files and folders of the workspace, as it is now, that <paramref name="globs"/> (the read-deny rules) match,
    /// as absolute paths in ordinal order for <see cref="SandboxPolicy.HiddenPaths"/>: the one workspace walk with git rules
    /// off (<see cref="WorkspaceWalkOptions.IncludingIgnored"/>), since a denied <c>.env</c> is usually git-ignored. The
    /// workspace's <c>.git</c> is skipped and links are neither listed nor followed (a link to a hidden file opens the hidden
    /// path, which the sandbox masks). A matched folder is listed without its contents.
    /// </summary>
    public static IReadOnlyList<string> HiddenPaths(string workspacePath, IReadOnlyList<string> globs)
    {
        if (globs.Count == 0)
        {
            return [];
        }
        var paths = new WorkspacePaths(workspacePath);
        var walker = new WorkspaceWalker(paths, globs, WorkspaceWalkOptions.IncludingIgnored);
        var hidden = walker.HiddenEntries().Select(rel => Path.Combine(paths.Root, rel)).ToList();
        hidden.Sort(StringComparer.Ordinal);
        return hidden;
    }

    /// <summary>
    /// Mounts that protect the workspace's protected paths from commands, computed as the workspace is now:
    /// <c>.git/hooks</c>, <c>.git/config</c>, <c>.crucible/settings.json</c> and Crucible's own records
    /// (<c>.crucible/sessions</c>, <c>.crucible/runs</c>, <c>.crucible/crucible.db</c>) read-only, and their folders
    /// <c>.git</c> and <c>.crucible</c> re-mounted writable on themselves so that they are mount points,
    /// which cannot be renamed away and replaced. A repository without <c>.git/hooks</c> gets an empty one,
    /// so a command cannot plant the first hook.
    /// </summary>
    public static (IReadOnlyList<string> ReadOnly, IReadOnlyList<string> Writable) ProtectedMounts(string workspacePath)
    {
        var root = WorkspacePaths.RealPath(Path.GetFullPath(workspacePath));
        var git = Path.Combine(root, ".git");
        if (Core.IO.UnixFileType.Get(git) == Core.IO.FileKind.Directory && Core.IO.UnixFileType.Get(Path.Combine(git, "hooks")) == Core.IO.FileKind.Missing)
        {
            Directory.CreateDirectory(Path.Combine(git, "hooks"));
        }
        var readOnly = new List<string>();
        var writable = new List<string>();
        foreach (var (folder, items) in new[] { (".git", new[] { "hooks", "config" }), (".crucible", new[] { "settings.json", "sessions", "runs", "crucible.db" }) })
        {
            var dir = Path.Combine(root, folder);
            if (Core.IO.UnixFileType.Get(dir) != Core.IO.FileKind.Directory)
            {
                continue;
            }
            writable.Add(dir);
            foreach (var item in items)
            {
                var full = Path.Combine(dir, item);
                // A protected path that is a link is not mounted (the mount would expose its target); file tools refuse it anyway.
                if (Core.IO.UnixFileType.Get(full) is Core.IO.FileKind.Regular or Core.IO.FileKind.Directory)
                {
                    readOnly.Add(full);
                }
            }
        }
        return (readOnly, writable);
    }

    /// <summary>True when the settings give <paramref name="command"/> the network.</summary>
    public static bool AllowsNetwork(AgentToolOptions options, string command) =>
        options.AllowNetwork || ShellCommands.AllPartsMatch(command, options.NetworkCommands);
}

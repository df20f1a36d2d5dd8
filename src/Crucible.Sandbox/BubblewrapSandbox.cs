using System.Globalization;
using Crucible.Core;
using Crucible.Core.Sandbox;
using Crucible.Sandbox.Internal;

namespace Crucible.Sandbox;

/// <summary>
/// Runs each command in a fresh bubblewrap sandbox: its own user, PID, IPC, UTS, cgroup and (unless
/// the policy allows the network) network namespaces; an allowlist of read-only system folders with
/// secrets masked; the workspace read-write; fresh size-limited tmpfs for <c>/tmp</c> and a fake home;
/// an empty environment plus the policy's; no capabilities; limits by cgroup and rlimit.
/// </summary>
/// <remarks>
/// Trust contract: see <see cref="ISandbox"/>. The call returns only when every process it started is
/// gone: the PID namespace dies with its first process, the session's process group and the call's
/// cgroups are SIGKILLed, and bubblewrap runs with <c>--die-with-parent</c> so a crash of Crucible
/// kills the sandbox too. What is enforced, and how, is recorded in <see cref="SandboxResult.Enforcement"/>.
/// </remarks>
public sealed class BubblewrapSandbox : ISandbox
{
    private readonly Lazy<IReadOnlyList<(string Path, bool IsDirectory)>> _masks;

    /// <summary>Creates the sandbox. Availability is checked on the first call, or eagerly with <see cref="EnsureAvailable"/>.</summary>
    public BubblewrapSandbox(BubblewrapOptions? options = null)
    {
        Options = options ?? BubblewrapOptions.Default;
        _masks = new Lazy<IReadOnlyList<(string, bool)>>(() => FindMasks(Options));
    }

    /// <summary>The options this sandbox was built with.</summary>
    public BubblewrapOptions Options { get; }

    /// <inheritdoc />
    public string Name => "bubblewrap";

    /// <inheritdoc />
    public bool IsIsolating => true;

    /// <summary>The <c>bwrap</c> executable these options resolve to (it may not exist).</summary>
    public string BwrapPath => Options.BwrapPath ?? FindOnPath("bwrap") ?? "/usr/bin/bwrap";

    /// <summary>
    /// Checks once per process and bwrap path that bubblewrap exists and can create user, PID and
    /// network namespaces here. Throws <see cref="SandboxUnavailableException"/> naming the fix otherwise.
    /// </summary>
    public void EnsureAvailable() => BubblewrapProbe.Check(this);

    /// <inheritdoc />
    public async Task<SandboxResult> ExecuteAsync(SandboxCommand command, SandboxPolicy policy, CancellationToken cancellationToken = default)
    {
        PolicyChecks.Call(command, policy);
        EnsureAvailable();

        var scratch = Scratch.Create(Options.Process);
        try
        {
            var statusFile = Path.Combine(scratch, "status.json");
            var layout = Layout(command, policy);
            var plan = new LaunchPlan
            {
                SandboxName = Name,
                Argv = [BwrapPath, .. Arguments(command, policy, layout)],
                HostWorkingDirectory = layout.HostWorkspace,
                HostEnvironment = new Dictionary<string, string>(),
                StatusFile = statusFile,
                WritableHostRoots = [layout.HostWorkspace, .. layout.Extra.Where(m => m.Writable).Select(m => m.Source)],
                SandboxTmpfs = policy.Limits.MaxDiskBytes is null ? [] : ["/tmp", Options.HomePath, "/dev/shm"],
                Enforcement = new Dictionary<string, string>
                {
                    [EnforcementKeys.Filesystem] = $"bubblewrap: read-only {string.Join(", ", SystemPathsPresent())}, policy paths; secrets masked; workspace read-write; fresh tmpfs /tmp and {Options.HomePath}",
                    [EnforcementKeys.Network] = policy.AllowNetwork ? "host network (policy allows it)" : "bubblewrap: own network namespace with loopback only",
                    [EnforcementKeys.Environment] = "bubblewrap --clearenv: policy variables plus HOME, TMPDIR, PATH, LANG",
                    [EnforcementKeys.Privileges] = $"user namespace as {Options.SandboxUid}:{Options.SandboxGid}, all capabilities dropped, no setuid{(Options.DisableNestedUserNamespaces ? ", nested user namespaces disabled" : "")}",
                    [EnforcementKeys.WorkspacePath] = layout.WorkspaceDestination,
                },
            };
            return await CallRunner.RunAsync(plan, command, policy.Limits, Options.Process, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Scratch.Delete(scratch);
        }
    }

    /// <summary>Where things are, on the host and inside.</summary>
    internal sealed record MountLayout(string HostWorkspace, string WorkspaceDestination, string WorkingDirectory, IReadOnlyList<Mount> Extra)
    {
        /// <summary>Workspace paths hidden from the command (<see cref="SandboxPolicy.HiddenPaths"/>), inside-sandbox paths with whether each is a folder.</summary>
        public IReadOnlyList<(string Destination, bool IsDirectory)> Hidden { get; init; } = [];
    }

    internal MountLayout Layout(SandboxCommand command, SandboxPolicy policy)
    {
        var hostWorkspace = PolicyChecks.Workspace(policy);
        var destination = policy.WorkspaceMountPath is null ? PolicyChecks.Normalize(policy.WorkspacePath) : CheckMountPath(policy.WorkspaceMountPath);
        var relative = PolicyChecks.WorkingDirectory(command, hostWorkspace);
        var extra = PolicyChecks.ExtraMounts(policy)
            .Select(m => InsideWorkspace(m.Source, hostWorkspace) is { } rest ? m with { Destination = Join(destination, rest) } : m)
            .ToList();
        var hidden = PolicyChecks.HiddenPaths(policy, hostWorkspace).Select(h => (Join(destination, h.Relative), h.IsDirectory)).ToList();
        return new MountLayout(hostWorkspace, destination, relative.Length == 0 ? destination : Join(destination, relative), extra) { Hidden = hidden };
    }

    /// <summary>The bwrap arguments (after the program name) for one call. Internal so tests can check the mount list itself.</summary>
    internal IReadOnlyList<string> Arguments(SandboxCommand command, SandboxPolicy policy, MountLayout layout)
    {
        var o = Options;
        var args = new List<string>
        {
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        };
        if (!policy.AllowNetwork)
        {
            args.Add("--unshare-net");
        }
        args.AddRange(["--uid", Num(o.SandboxUid), "--gid", Num(o.SandboxGid), "--hostname", o.Hostname]);
        args.AddRange(["--die-with-parent", "--new-session", "--cap-drop", "ALL"]);
        if (o.DisableNestedUserNamespaces)
        {
            args.Add("--disable-userns");
        }
        args.AddRange(["--json-status-fd", "3"]);

        args.Add("--clearenv");
        foreach (var (key, value) in Environment(policy))
        {
            args.AddRange(["--setenv", key, value]);
        }

        foreach (var path in o.SystemReadOnlyPaths)
        {
            if (Directory.Exists(path) && Native.RealPath(path) is { } real)
            {
                args.AddRange(["--ro-bind", real, path]);
            }
        }
        foreach (var path in o.SystemLinkPaths)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                args.AddRange(["--symlink", target, path]);
            }
            else if (Directory.Exists(path))
            {
                args.AddRange(["--ro-bind", path, path]);
            }
        }

        args.AddRange(["--proc", "/proc", "--dev", "/dev"]);
        var size = policy.Limits.MaxDiskBytes is { } disk ? new[] { "--size", disk.ToString(CultureInfo.InvariantCulture) } : [];
        args.AddRange([.. size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]);
        args.AddRange([.. size, "--tmpfs", "/tmp"]);
        args.AddRange([.. size, "--tmpfs", o.HomePath]);

        foreach (var (path, isDirectory) in _masks.Value)
        {
            args.AddRange(Mask(path, isDirectory));
        }

        // Parents before children, so a path inside the workspace is mounted over the workspace bind.
        var mounts = new List<Mount> { new(layout.HostWorkspace, layout.WorkspaceDestination, true) };
        mounts.AddRange(layout.Extra);
        foreach (var mount in mounts.OrderBy(m => m.Destination.Count(c => c == '/')).ThenBy(m => m.Destination, StringComparer.Ordinal))
        {
            args.AddRange([mount.Writable ? "--bind" : "--ro-bind", mount.Source, mount.Destination]);
        }

        // Hidden paths go last, over the workspace and any mount inside it: an empty read-only file or folder in their place.
        foreach (var (path, isDirectory) in layout.Hidden)
        {
            args.AddRange(Mask(path, isDirectory));
        }

        // The root tmpfs bwrap builds on is writable until now; nothing but the mounts above may be.
        args.AddRange(["--remount-ro", "/"]);
        args.AddRange(["--chdir", layout.WorkingDirectory, "--", command.FileName]);
        args.AddRange(command.Arguments);
        return args;
    }

    /// <summary>The bwrap arguments that put an empty read-only folder, or an unopenable read-only node, in place of <paramref name="path"/>.</summary>
    private static string[] Mask(string path, bool isDirectory) =>
        isDirectory ? ["--size", "4096", "--tmpfs", path, "--remount-ro", path] : ["--ro-bind", "/dev/null", path];

    /// <summary>The command's environment: defaults, then the policy's variables.</summary>
    internal Dictionary<string, string> Environment(SandboxPolicy policy)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = Options.HomePath,
            ["TMPDIR"] = "/tmp",
            ["PATH"] = Options.Process.DefaultPath,
            ["LANG"] = Options.Process.DefaultLang,
        };
        foreach (var (key, value) in policy.Environment)
        {
            env[key] = value;
        }
        return env;
    }

    private IEnumerable<string> SystemPathsPresent() =>
        Options.SystemReadOnlyPaths.Where(Directory.Exists).Concat(Options.SystemLinkPaths.Where(p => Path.Exists(p)));

    private string CheckMountPath(string path)
    {
        if (!Path.IsPathFullyQualified(path))
        {
            throw new BadInputException($"SandboxPolicy.WorkspaceMountPath '{path}' is not an absolute path.", "Give an absolute path such as /work/task-1234.");
        }
        var normal = PolicyChecks.Normalize(path);
        if (normal == "/")
        {
            throw new BadInputException("SandboxPolicy.WorkspaceMountPath is /, which would replace the whole sandbox file system.", "Mount the workspace at its own path, e.g. /work/task-1234.");
        }
        // The workspace may sit inside the fresh /tmp or home tmpfs, but neither replace them nor touch system folders.
        var replaceable = new[] { "/tmp", Options.HomePath };
        var system = Options.SystemReadOnlyPaths.Concat(Options.SystemLinkPaths).Concat(["/proc", "/dev"]);
        foreach (var folder in system.Concat(replaceable))
        {
            var inside = normal.StartsWith(folder + "/", StringComparison.Ordinal) && !replaceable.Contains(folder);
            if (normal == folder || inside)
            {
                throw new BadInputException($"SandboxPolicy.WorkspaceMountPath {path} would replace or sit inside {folder}.", "Mount the workspace at its own path, e.g. /work/task-1234.");
            }
        }
        return normal;
    }

    private static string? InsideWorkspace(string path, string workspace) =>
        path == workspace ? "" : path.StartsWith(workspace + "/", StringComparison.Ordinal) ? path[(workspace.Length + 1)..] : null;

    private static string Join(string root, string relative) => relative.Length == 0 ? root : root.TrimEnd('/') + "/" + relative;

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Masked paths that exist: the fixed list plus every not-world-readable entry under the scanned folders.</summary>
    private static IReadOnlyList<(string, bool)> FindMasks(BubblewrapOptions options)
    {
        var found = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var path in options.MaskedPaths)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null && (info.Exists || Directory.Exists(path)))
            {
                found[path] = Directory.Exists(path);
            }
        }
        foreach (var root in options.MaskUnreadableUnder.Where(Directory.Exists))
        {
            var entries = new System.IO.Enumeration.FileSystemEnumerable<(string Path, bool IsDirectory)>(
                root,
                (ref System.IO.Enumeration.FileSystemEntry e) => (e.ToFullPath(), e.IsDirectory),
                new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) =>
                    (e.Attributes & FileAttributes.ReparsePoint) == 0 && !IsWorldReadable(e.ToFullPath(), e.IsDirectory),
                ShouldRecursePredicate = (ref System.IO.Enumeration.FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
            };
            foreach (var (path, isDirectory) in entries)
            {
                found[path] = isDirectory;
            }
        }
        // A masked folder hides everything inside it; masking its children too would fail (no mount point).
        var folders = found.Where(f => f.Value).Select(f => f.Key + "/").ToList();
        return found.Where(f => !folders.Any(folder => f.Key.StartsWith(folder, StringComparison.Ordinal)))
            .Select(f => (f.Key, f.Value)).ToList();
    }

    private static bool IsWorldReadable(string path, bool isDirectory)
    {
        try
        {
            var mode = File.GetUnixFileMode(path);
            return mode.HasFlag(UnixFileMode.OtherRead) && (!isDirectory || mode.HasFlag(UnixFileMode.OtherExecute));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    internal static string? FindOnPath(string program)
    {
        foreach (var folder in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

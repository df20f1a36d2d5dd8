namespace Crucible.Sandbox;

/// <summary>How <see cref="BubblewrapSandbox"/> builds the sandbox. Plain data with documented defaults.</summary>
/// <remarks>
/// Defaults: <c>bwrap</c> found on the host <c>PATH</c> (then <c>/usr/bin/bwrap</c>); <c>/usr</c>,
/// <c>/etc</c> and <c>/opt</c> mounted read-only, plus <c>/bin</c>, <c>/sbin</c>, <c>/lib</c>,
/// <c>/lib32</c>, <c>/lib64</c>, <c>/libx32</c> recreated as the symlinks (or read-only binds) they are on
/// the host; secret files under <c>/etc</c> masked (the fixed list in <see cref="MaskedPaths"/> plus
/// every entry under <c>/etc</c> that is not world-readable); user 1000:1000 inside; host name
/// <c>sandbox</c>; fake home <c>/home/sandbox</c> on a tmpfs; nested user namespaces disabled.
/// </remarks>
public sealed record BubblewrapOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static BubblewrapOptions Default { get; } = new();

    /// <summary>Path of the <c>bwrap</c> executable. Null looks for <c>bwrap</c> on the host <c>PATH</c>, then at <c>/usr/bin/bwrap</c>.</summary>
    public string? BwrapPath { get; init; }

    /// <summary>System folders mounted read-only at the same path, when they exist. Never <c>/</c>, <c>/root</c> or <c>/home</c>.</summary>
    public IReadOnlyList<string> SystemReadOnlyPaths { get; init; } = ["/usr", "/etc", "/opt"];

    /// <summary>
    /// Top-level paths reproduced as on the host: a symlink (merged /usr: <c>/bin → usr/bin</c>) becomes the
    /// same symlink, a real folder is mounted read-only, a missing one is skipped.
    /// </summary>
    public IReadOnlyList<string> SystemLinkPaths { get; init; } = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    /// <summary>
    /// Secret files and folders hidden inside the sandbox when present: a file is covered by
    /// <c>/dev/null</c>, a folder by an empty read-only tmpfs. Needed because the command runs as the
    /// host user mapped into a user namespace, so files of that user (root here) stay readable by their
    /// owner even though the command has no capabilities.
    /// </summary>
    public IReadOnlyList<string> MaskedPaths { get; init; } =
    [
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
        "/etc/security/opasswd", "/etc/ssl/private", "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key",
        "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_dsa_key", "/etc/krb5.keytab", "/etc/docker",
    ];

    /// <summary>
    /// Folders scanned (once per options instance) for entries that are not world-readable; each one
    /// found is masked like <see cref="MaskedPaths"/>. Catches secrets no fixed list knows about.
    /// </summary>
    public IReadOnlyList<string> MaskUnreadableUnder { get; init; } = ["/etc"];

    /// <summary>The fake, empty, writable home folder inside (a tmpfs sized like the disk limit); <c>HOME</c> points to it.</summary>
    public string HomePath { get; init; } = "/home/sandbox";

    /// <summary>User id of the command inside the sandbox. Not 0, so tools behave as for an ordinary user.</summary>
    public int SandboxUid { get; init; } = 1000;

    /// <summary>Group id of the command inside the sandbox.</summary>
    public int SandboxGid { get; init; } = 1000;

    /// <summary>Host name inside the sandbox (its own UTS namespace).</summary>
    public string Hostname { get; init; } = "sandbox";

    /// <summary>Pass <c>--disable-userns</c> (bubblewrap 0.8+) so that <c>unshare</c> inside fails and cannot regain capabilities.</summary>
    public bool DisableNestedUserNamespaces { get; init; } = true;

    /// <summary>How the process tree is started, limited, watched and killed.</summary>
    public ProcessControlOptions Process { get; init; } = ProcessControlOptions.Default;
}

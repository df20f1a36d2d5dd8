namespace Crucible.Core.Sandbox;

/// <summary>
/// What a sandboxed command may see and use. A policy is plain data: it can be logged, stored in a
/// verdict, compared and tested against attacks.
/// </summary>
/// <remarks>
/// Defaults: the workspace is the only writable path, the host filesystem is visible read-only
/// through <see cref="ReadOnlyPaths"/> (system folders only; home folders are never mounted), there is
/// no network, the environment is empty except <see cref="Environment"/>, and
/// <see cref="ResourceLimits.Default"/> applies.
/// </remarks>
public sealed record SandboxPolicy
{
    /// <summary>Absolute host path of the workspace, mounted read-write.</summary>
    public required string WorkspacePath { get; init; }

    /// <summary>
    /// Path at which the workspace appears inside the sandbox. Null mounts it at the same path as on
    /// the host. The verifier sets a random path here so that graded code cannot rely on where it runs.
    /// </summary>
    public string? WorkspaceMountPath { get; init; }

    /// <summary>Extra host paths mounted read-only at the same path (package caches, toolchains, templates).</summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];

    /// <summary>Extra host paths mounted read-write at the same path (for example a build output folder).</summary>
    public IReadOnlyList<string> WritablePaths { get; init; } = [];

    /// <summary>
    /// Host paths inside the workspace that the command must not read: inside the sandbox a file reads as empty and a
    /// folder as an empty folder, and neither can be written, renamed or removed (each is a read-only mount point). The
    /// agent puts the files of its read-deny rules here, so <c>bash</c> cannot read what <c>read</c> may not. Hiding
    /// needs an isolating sandbox: a sandbox that cannot hide refuses a policy that lists any path. Default: none.
    /// </summary>
    public IReadOnlyList<string> HiddenPaths { get; init; } = [];

    /// <summary>Whether the command may reach the network. Off by default: the sandbox gets its own empty network namespace.</summary>
    public bool AllowNetwork { get; init; }

    /// <summary>
    /// The complete environment of the command, apart from <c>HOME</c>, <c>TMPDIR</c>, <c>PATH</c> and
    /// <c>LANG</c>, which the sandbox sets itself unless given here. Host variables are never inherited.
    /// Do not put secrets here: the values are visible to the command by design.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Resource limits.</summary>
    public ResourceLimits Limits { get; init; } = ResourceLimits.Default;
}

using Crucible.Core;
using Crucible.Core.Sandbox;
using Crucible.Sandbox.Internal;

namespace Crucible.Sandbox;

/// <summary>
/// Runs commands directly on the host, for the explicit <c>--no-sandbox</c> flag only. It isolates
/// nothing (the command sees the whole file system and the network) but still controls the process
/// tree exactly like the sandbox does: its own session and process group, an environment reduced to
/// the policy's allowlist with a fresh per-call HOME and TMPDIR, limits by cgroup or rlimit, the wall
/// clock, head-and-tail output, and the tree killed at the end of every call.
/// </summary>
/// <remarks>
/// Results carry <see cref="SandboxResult.Sandbox"/> = <c>none</c> and say in
/// <see cref="SandboxResult.Enforcement"/> what was not isolated, so a run made this way can never
/// pass for a sandboxed one. Without a writable cgroup, a daemon that double-forks faster than one
/// monitor interval can escape the final kill; with one, nothing escapes.
/// </remarks>
public sealed class UnsandboxedRunner : ISandbox
{
    /// <summary>Creates the runner.</summary>
    public UnsandboxedRunner(ProcessControlOptions? options = null) => Options = options ?? ProcessControlOptions.Default;

    /// <summary>The options this runner was built with.</summary>
    public ProcessControlOptions Options { get; }

    /// <inheritdoc />
    public string Name => "none";

    /// <inheritdoc />
    public bool IsIsolating => false;

    /// <inheritdoc />
    public async Task<SandboxResult> ExecuteAsync(SandboxCommand command, SandboxPolicy policy, CancellationToken cancellationToken = default)
    {
        PolicyChecks.Call(command, policy);
        var workspace = PolicyChecks.Workspace(policy);
        var relative = PolicyChecks.WorkingDirectory(command, workspace);
        PolicyChecks.ExtraMounts(policy);
        if (policy.HiddenPaths.Count > 0)
        {
            throw new BadInputException($"SandboxPolicy.HiddenPaths lists {policy.HiddenPaths.Count} path(s), but without a sandbox nothing can be hidden from a command.", "Run with the bubblewrap sandbox, or leave HiddenPaths empty.");
        }

        var scratch = Scratch.Create(Options);
        try
        {
            var home = Directory.CreateDirectory(Path.Combine(scratch, "home")).FullName;
            var tmp = Directory.CreateDirectory(Path.Combine(scratch, "tmp")).FullName;
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["HOME"] = home,
                ["TMPDIR"] = tmp,
                ["PATH"] = Options.DefaultPath,
                ["LANG"] = Options.DefaultLang,
            };
            foreach (var (key, value) in policy.Environment)
            {
                environment[key] = value;
            }
            var plan = new LaunchPlan
            {
                SandboxName = Name,
                Argv = [command.FileName, .. command.Arguments],
                HostWorkingDirectory = relative.Length == 0 ? workspace : Path.Combine(workspace, relative),
                HostEnvironment = environment,
                WritableHostRoots = [workspace, scratch, .. policy.WritablePaths],
                Enforcement = new Dictionary<string, string>
                {
                    [EnforcementKeys.Filesystem] = $"{EnforcementKeys.NotEnforced}: --no-sandbox, the command sees and may write the whole host file system",
                    [EnforcementKeys.Network] = $"{EnforcementKeys.NotEnforced}: --no-sandbox, host network",
                    [EnforcementKeys.Environment] = "cleared: policy variables plus a per-call HOME and TMPDIR, PATH, LANG",
                    [EnforcementKeys.Privileges] = $"{EnforcementKeys.NotEnforced}: --no-sandbox, runs as the host user",
                    [EnforcementKeys.WorkspacePath] = policy.WorkspaceMountPath is null
                        ? workspace
                        : $"{workspace} ({EnforcementKeys.NotEnforced}: WorkspaceMountPath {policy.WorkspaceMountPath} needs a sandbox)",
                },
            };
            return await CallRunner.RunAsync(plan, command, policy.Limits, Options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Scratch.Delete(scratch);
        }
    }
}

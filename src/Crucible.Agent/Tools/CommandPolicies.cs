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
        var env = new Dictionary<string, string>(Toolchains.DotnetEnvironment(Directory.Exists(nuget) ? nuget : null), StringComparer.Ordinal);
        if (sources.Count > 0)
        {
            // MSBuild reads environment variables as properties: restores also look in the local folders, offline.
            env["RestoreAdditionalProjectSources"] = string.Join(';', sources);
        }
        var readOnly = new List<string>();
        readOnly.AddRange(new[] { nuget }.Concat(sources).Concat(Toolchains.DotnetMounts()).Where(Directory.Exists)
            .Select(p => WorkspacePaths.RealPath(Path.GetFullPath(p))));
        // Commands get the same protection as file tools for the protected paths that exist.
        foreach (var relative in new[] { ".git/hooks", ".git/config", ".crucible/settings.json" })
        {
            var full = Path.Combine(root, relative);
            if ((File.Exists(full) || Directory.Exists(full)) && new FileInfo(full).LinkTarget is null)
            {
                readOnly.Add(full);
            }
        }
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
        return basePolicy with
        {
            AllowNetwork = basePolicy.AllowNetwork || AllowsNetwork(options, command),
            Limits = basePolicy.Limits with { WallTime = timeout },
        };
    }

    /// <summary>True when the settings give <paramref name="command"/> the network.</summary>
    public static bool AllowsNetwork(AgentToolOptions options, string command) =>
        options.AllowNetwork || ShellCommands.AllPartsMatch(command, options.NetworkCommands);
}

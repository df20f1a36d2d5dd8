using Crucible.Core.Sandbox;

namespace Crucible.Verification.Grading;

/// <summary>Sandbox environments for the toolchains the runners use. Nothing from the host environment is inherited.</summary>
public static class Toolchains
{
    /// <summary>The folder holding the <c>dotnet</c> host (links resolved), e.g. <c>/usr/share/dotnet</c>.</summary>
    public static string DotnetRoot { get; } = FindDotnetRoot();

    /// <summary>The <c>dotnet</c> executable.</summary>
    public static string DotnetExe => Path.Combine(DotnetRoot, "dotnet");

    /// <summary>The default PATH inside the sandbox.</summary>
    public static string SandboxPath => $"{DotnetRoot}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/go/bin";

    /// <summary>Environment for running <c>dotnet</c> offline and quietly.</summary>
    public static IReadOnlyDictionary<string, string> DotnetEnvironment(string? nugetPackages = null)
    {
        var env = new Dictionary<string, string>
        {
            ["PATH"] = SandboxPath,
            ["DOTNET_ROOT"] = DotnetRoot,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
            ["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "true",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["NUGET_CERT_REVOCATION_MODE"] = "offline",
            ["LANG"] = "C.UTF-8",
            // One GC heap per process: graded test processes are small, and server GC would reserve memory per core.
            ["DOTNET_gcServer"] = "0",
        };
        if (nugetPackages is not null)
        {
            env["NUGET_PACKAGES"] = nugetPackages;
        }
        return env;
    }

    /// <summary>
    /// The offline NuGet setup every sandboxed <c>dotnet</c> command gets (the agent's commands and a
    /// repository's test command alike): <see cref="DotnetEnvironment"/> with <c>NUGET_PACKAGES</c> set when
    /// <paramref name="nugetPackages"/> exists, the <paramref name="localSources"/> offered to restores as
    /// additional sources, the NuGet vulnerability audit off (it needs the network), and the existing folders a restore reads, to mount read-only (absolute, links not resolved: callers that
    /// need real paths resolve them).
    /// </summary>
    public static (Dictionary<string, string> Environment, IReadOnlyList<string> ReadOnlyPaths) OfflineDotnet(string nugetPackages, IReadOnlyList<string> localSources)
    {
        var env = new Dictionary<string, string>(DotnetEnvironment(Directory.Exists(nugetPackages) ? nugetPackages : null), StringComparer.Ordinal);
        if (localSources.Count > 0)
        {
            // MSBuild reads environment variables as properties: restores also look in the local folders, offline.
            env["RestoreAdditionalProjectSources"] = string.Join(';', localSources);
        }
        // The vulnerability audit needs the network; offline it can only warn (NU1900), and repositories that treat
        // warnings as errors (xoofx/Tomlyn's test project) then fail their restore. Found by the real-repository sample.
        env["NuGetAudit"] = "false";
        var readOnly = new[] { nugetPackages }.Concat(localSources).Concat(DotnetMounts()).Where(Directory.Exists)
            .Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        return (env, readOnly);
    }

    /// <summary>Host paths a dotnet command needs mounted read-only (the SDK when it lives outside the default system mounts).</summary>
    public static IReadOnlyList<string> DotnetMounts() => DotnetRoot.StartsWith("/usr/", StringComparison.Ordinal) ? [] : [DotnetRoot];

    private static string FindDotnetRoot()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } r && File.Exists(Path.Combine(r, "dotnet")))
        {
            return r;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate))
            {
                var resolved = new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? candidate;
                return Path.GetDirectoryName(resolved)!;
            }
        }
        // The running process is itself a dotnet app: its runtime sits in <root>/shared/Microsoft.NETCore.App/<version>/.
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
    }

    /// <summary>A policy for a graded step: the grading workspace at its randomised mount, no network, the task's limits.</summary>
    public static SandboxPolicy GradingPolicy(RunContext context, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? readOnly = null) => new()
    {
        WorkspacePath = context.GradingDir,
        WorkspaceMountPath = context.MountDir,
        ReadOnlyPaths = readOnly ?? [],
        AllowNetwork = false,
        Environment = environment,
        Limits = context.Task.Limits.Resources with { WallTime = timeout },
    };
}

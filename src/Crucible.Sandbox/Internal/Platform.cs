using Crucible.Core.Sandbox;

namespace Crucible.Sandbox.Internal;

/// <summary>The sandbox and the runner rely on Linux (namespaces, cgroups, /proc, prlimit).</summary>
internal static class Platform
{
    public static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new SandboxUnavailableException("Crucible runs commands only on Linux (it needs namespaces, cgroups and /proc). Fix: run Crucible on Linux or in a Linux container or VM.");
        }
    }
}

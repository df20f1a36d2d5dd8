using Crucible.Core.Sandbox;
using Crucible.Sandbox;

namespace Crucible.Cli;

/// <summary>Chooses the sandbox implementation for a command.</summary>
internal static class SandboxSelection
{
    /// <summary>
    /// bubblewrap, checked once (throws <see cref="SandboxUnavailableException"/> naming the fix when it
    /// cannot run); or the unsandboxed runner only when the user asked for it with <c>--no-sandbox</c>.
    /// </summary>
    public static ISandbox Create(bool noSandbox)
    {
        if (noSandbox)
        {
            return new UnsandboxedRunner();
        }
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        return sandbox;
    }
}

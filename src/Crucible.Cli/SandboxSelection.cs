using Crucible.Core.Sandbox;

namespace Crucible.Cli;

/// <summary>Chooses the sandbox implementation for a command.</summary>
internal static class SandboxSelection
{
    public static ISandbox Create(bool noSandbox) => throw new NotImplementedException("wired when the sandbox lands");
}

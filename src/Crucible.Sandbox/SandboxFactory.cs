using Crucible.Core.Sandbox;

namespace Crucible.Sandbox;

/// <summary>Chooses the <see cref="ISandbox"/> for a run.</summary>
public static class SandboxFactory
{
    /// <summary>
    /// Returns the bubblewrap sandbox after checking it works here, or the <see cref="UnsandboxedRunner"/>
    /// when the user passed <c>--no-sandbox</c>. Never falls back silently: a machine without
    /// bubblewrap gets a <see cref="SandboxUnavailableException"/> that names the fix.
    /// </summary>
    /// <param name="noSandbox">True only for the explicit <c>--no-sandbox</c> user flag.</param>
    /// <param name="options">Bubblewrap options; their <see cref="BubblewrapOptions.Process"/> also configures the unsandboxed runner.</param>
    public static ISandbox Create(bool noSandbox = false, BubblewrapOptions? options = null)
    {
        options ??= BubblewrapOptions.Default;
        if (noSandbox)
        {
            return new UnsandboxedRunner(options.Process);
        }
        var sandbox = new BubblewrapSandbox(options);
        sandbox.EnsureAvailable();
        return sandbox;
    }
}

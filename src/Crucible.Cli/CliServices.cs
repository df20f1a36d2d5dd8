using Crucible.Core.Sandbox;
using Crucible.Verification;

namespace Crucible.Cli;

/// <summary>Creates the long-lived services commands share (sandbox, verifier, state folder).</summary>
internal static class CliServices
{
    /// <summary>The project's state folder: <c>.crucible/</c> in the current directory.</summary>
    public static string StateDirectory => Path.Combine(Environment.CurrentDirectory, ".crucible");

    /// <summary>The result database.</summary>
    public static string DatabasePath => Path.Combine(StateDirectory, "crucible.db");

    /// <summary>
    /// The bubblewrap sandbox, or — only when the user passed <c>--no-sandbox</c> — the unsandboxed
    /// runner, whose name (<c>none</c>) is recorded in every verdict.
    /// </summary>
    /// <exception cref="SandboxUnavailableException">bubblewrap or namespaces are missing; the message names the fix.</exception>
    public static ISandbox CreateSandbox(bool noSandbox) => SandboxSelection.Create(noSandbox);

    /// <summary>The reward-hacking checks attached to evaluation verdicts (the constitution's integrity rules).</summary>
    public static Crucible.Core.Integrity.IIntegrityChecker? CreateIntegrityChecker() => IntegrityCheckerFactory?.Invoke();

    /// <summary>The constitution's integrity checks (static analysis of each candidate against its task).</summary>
    public static Func<Crucible.Core.Integrity.IIntegrityChecker>? IntegrityCheckerFactory { get; set; } = () => new Crucible.Constitution.IntegrityChecker();

    /// <summary>A verifier over <paramref name="sandbox"/> with default options.</summary>
    public static Verifier CreateVerifier(ISandbox sandbox) => new(new VerifierOptions { Sandbox = sandbox });
}

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

    /// <summary>Creates the model client for a model spec (set by the model providers at merge; null until then).</summary>
    public static Func<string, Microsoft.Extensions.AI.IChatClient>? ChatClientFactory { get; set; }

    /// <summary>Creates the agent's tools for a workspace root (set by the agent toolset at merge; null until then).</summary>
    public static Func<string, IReadOnlyList<Crucible.Agent.Tools.IAgentTool>>? AgentToolsFactory { get; set; }

    /// <summary>Creates the permission gate of a <c>crucible run</c> (set by the permissions area at merge; null until then).</summary>
    public static Func<Commands.PermissionSetup, Crucible.Agent.Permissions.IPermissionGate>? PermissionGateFactory { get; set; }

    /// <summary>Prices a model's calls from its spec (set by the pricing area at merge); null or a null result means unknown prices.</summary>
    public static Func<string, Func<Microsoft.Extensions.AI.UsageDetails, decimal?>?>? PricingFactory { get; set; }

    /// <summary>A verifier over <paramref name="sandbox"/> with default options.</summary>
    public static Verifier CreateVerifier(ISandbox sandbox) => new(new VerifierOptions { Sandbox = sandbox });
}

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

    /// <summary>
    /// True when the user passed <c>--cache</c>: identical model requests are replayed from the response
    /// cache in <c>.crucible/</c> instead of calling the provider. Read when the model factory is first used.
    /// </summary>
    public static bool CacheResponses { get; set; }

    private static readonly Lazy<Crucible.Models.ModelClientFactory> Models = new(() =>
        Crucible.Models.ModelClientFactory.ForProject(Environment.CurrentDirectory, cache: CacheResponses));

    private static readonly Lazy<System.Text.Json.JsonElement> SettingsDocument = new(() =>
        System.Text.Json.JsonSerializer.SerializeToElement(Crucible.Models.Settings.SettingsLoader.Load(projectDirectory: Environment.CurrentDirectory).Sections));

    /// <summary>The model factory of this process (settings, keys, retries, usage ledger, optional cache).</summary>
    public static Crucible.Models.ModelClientFactory ModelFactory => Models.Value;

    /// <summary>
    /// The project's and user's settings as one document (the sections the agent reads: <c>permissions</c>,
    /// <c>sandbox</c>, <c>testCommand</c>).
    /// </summary>
    public static System.Text.Json.JsonElement Settings => SettingsDocument.Value;

    /// <summary>Creates the model client for a model spec: the provider behind retries, usage recording and the optional cache.</summary>
    public static Func<string, Microsoft.Extensions.AI.IChatClient>? ChatClientFactory { get; set; } = spec => ModelFactory.Create(spec);

    /// <summary>Creates the agent's tools for a workspace root, with the settings' network and test-command keys.</summary>
    public static Func<string, IReadOnlyList<Crucible.Agent.Tools.IAgentTool>>? AgentToolsFactory { get; set; } = workspace =>
    {
        var permissions = Crucible.Agent.Permissions.PermissionSettings.FromSettings(Settings);
        var protectedTests = Crucible.Agent.Permissions.ProtectedTestFiles.Scan(workspace);
        var options = Crucible.Agent.Tools.AgentToolOptions.FromSettings(Settings) with
        {
            HiddenPaths = permissions.ReadDenyGlobs(),
            ReadOnlyInCommands = permissions.AllowTestEdits || AllowTestEdits ? [] : protectedTests.Paths,
        };
        return Crucible.Agent.Tools.AgentToolset.CreateDefault(options);
    };

    /// <summary>True when the user passed <c>--allow-test-edits</c> (read by the tools and the gate).</summary>
    public static bool AllowTestEdits { get; set; }

    /// <summary>Creates the permission gate of a run: the settings' rules and mode, overridden by the command line.</summary>
    public static Func<Commands.PermissionSetup, Crucible.Agent.Permissions.IPermissionGate>? PermissionGateFactory { get; set; } = setup =>
    {
        var settings = Crucible.Agent.Permissions.PermissionSettings.FromSettings(Settings);
        if (setup.Mode is { } mode)
        {
            settings = settings with { Mode = Crucible.Agent.Permissions.PermissionModes.Parse(mode) };
        }
        if (setup.AllowTestEdits)
        {
            settings = settings with { AllowTestEdits = true };
        }
        var protectedTests = Crucible.Agent.Permissions.ProtectedTestFiles.Scan(setup.WorkspaceRoot);
        return setup.Interactive
            ? Crucible.Agent.Permissions.PermissionGate.Interactive(settings, protectedTests, Commands.ApprovalPrompt.AskAsync)
            : Crucible.Agent.Permissions.PermissionGate.Headless(settings, protectedTests);
    };

    /// <summary>Prices a model's calls from its spec with the price table (built in, or the user's override); null for unknown prices.</summary>
    public static Func<string, Func<Microsoft.Extensions.AI.UsageDetails, decimal?>?>? PricingFactory { get; set; } = spec =>
    {
        var parsed = ModelFactory.Parse(spec);
        return usage => ModelFactory.Costs.Cost(Crucible.Models.UsageConversion.ToTokenUsage(usage), parsed.Model, parsed.Provider);
    };

    /// <summary>A verifier over <paramref name="sandbox"/> with default options.</summary>
    public static Verifier CreateVerifier(ISandbox sandbox) => new(new VerifierOptions { Sandbox = sandbox });
}

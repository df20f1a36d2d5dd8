using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.SubAgents;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Microsoft.Extensions.AI;

namespace Crucible.Agent;

/// <summary>What the permission gate of one workspace is built from.</summary>
/// <param name="WorkspaceRoot">The workspace (a repository, or an eval attempt's copy).</param>
/// <param name="Mode">The mode given on the command line; null uses the settings' mode or the default.</param>
/// <param name="Interactive">False in headless mode (<c>-p</c>, eval): the gate must never prompt.</param>
/// <param name="AllowTestEdits">True when <c>--allow-test-edits</c> was given.</param>
/// <param name="TestCommand">The repository's test command: the scripts and make files it runs are protected like tests.</param>
/// <param name="Task">The task the agent works on (eval), whose grading tests are protected even when they do not exist yet.</param>
public sealed record AgentGateSetup(string WorkspaceRoot, PermissionMode? Mode, bool Interactive, bool AllowTestEdits, string? TestCommand = null, TaskSpec? Task = null);

/// <summary>
/// Everything an agent is assembled from except the workspace and the model client: the settings document
/// (<c>permissions</c>, <c>sandbox</c>, <c>testCommand</c>), the sandbox and verifier, limits, pricing and how
/// the user is asked. Shared by <c>crucible run</c> and the eval's agent solver, so both get the same tools,
/// gate, sub-agent and command policy. Defaults are documented on each property.
/// </summary>
public sealed record AgentAssemblyOptions
{
    /// <summary>The sandbox every command of the agent (and the harness's test run) executes in.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>The verifier behind <c>run_tests</c> and "done means verified"; null leaves the agent without it. Default: null.</summary>
    public IVerifier? Verifier { get; init; }

    /// <summary>The user's and project's settings as one document. Default: an empty object (every default applies).</summary>
    public JsonElement Settings { get; init; } = EmptySettings;

    /// <summary>The model spec recorded with the session. Default: null.</summary>
    public string? Model { get; init; }

    /// <summary>Prices one model call; null when the price is unknown. Default: null (no pricing).</summary>
    public Func<UsageDetails, decimal?>? Pricing { get; init; }

    /// <summary>Limits of one request. Default <see cref="AgentLimits.Default"/>.</summary>
    public AgentLimits Limits { get; init; } = AgentLimits.Default;

    /// <summary>The permission mode given by the caller; null uses the settings' or the default. Default: null.</summary>
    public PermissionMode? PermissionMode { get; init; }

    /// <summary>Let the agent change the test files that existed at the start (<c>--allow-test-edits</c>). Default: false.</summary>
    public bool AllowTestEdits { get; init; }

    /// <summary>Asks the user about a call; null makes the gate headless (it never prompts). Default: null.</summary>
    public Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>>? Prompt { get; init; }

    /// <summary>Offer the <c>task</c> sub-agent tool. Default: true.</summary>
    public bool SubAgents { get; init; } = true;

    /// <summary>Stream the model's answers (<see cref="AssistantTextDelta"/> events). Default: false.</summary>
    public bool Streaming { get; init; }

    /// <summary>The repository's test command (run by the verifier when the agent is done); null uses the settings' <c>testCommand</c>, else the session start's <c>.crucible/settings.json</c> or a detected one. Default: null.</summary>
    public string? TestCommand { get; init; }

    /// <summary>Creates the tools for a workspace; null uses <see cref="AgentAssembly.DefaultTools"/>. Default: null.</summary>
    public Func<string, IReadOnlyList<IAgentTool>>? Tools { get; init; }

    /// <summary>Creates the permission gate; null uses <see cref="AgentAssembly.DefaultGate"/>. Default: null.</summary>
    public Func<AgentGateSetup, IPermissionGate>? Gate { get; init; }

    private static JsonElement EmptySettings { get; } = JsonDocument.Parse("{}").RootElement.Clone();
}

/// <summary>
/// Assembles the agent for a workspace: tools (the default toolset shaped by the settings' network, hidden-path
/// and protected-test rules), the permission gate, the <c>task</c> sub-agent tool sharing the parent's budget,
/// limits, pricing, the command policy and the verifier. The one place both <c>crucible run</c> and the eval's
/// <see cref="AgentSolver"/> build an agent.
/// </summary>
public sealed class AgentAssembly(AgentAssemblyOptions options)
{
    /// <summary>The options in force.</summary>
    public AgentAssemblyOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>
    /// The default tools for <paramref name="workspaceRoot"/>: the settings' tool options, with the read-deny
    /// rules hidden from searches and, unless test edits are allowed, the existing test files read-only in commands.
    /// </summary>
    /// <exception cref="Core.BadInputException">A settings key is malformed.</exception>
    public static IReadOnlyList<IAgentTool> DefaultTools(string workspaceRoot, JsonElement settings, bool allowTestEdits)
    {
        var permissions = PermissionSettings.FromSettings(settings);
        var toolOptions = AgentToolOptions.FromSettings(settings);
        var protectedTests = ProtectedTestFiles.Scan(workspaceRoot, testCommand: toolOptions.TestCommand ?? TestCommands.Detect(workspaceRoot));
        toolOptions = toolOptions with
        {
            HiddenPaths = permissions.ReadDenyGlobs(),
            ReadOnlyInCommands = permissions.AllowTestEdits || allowTestEdits ? [] : protectedTests.Paths,
        };
        return AgentToolset.CreateDefault(toolOptions);
    }

    /// <summary>
    /// The default gate: the settings' rules and mode, overridden by <paramref name="setup"/>; interactive gates
    /// ask through <paramref name="prompt"/>, headless ones never prompt.
    /// </summary>
    /// <exception cref="Core.BadInputException">A rule or mode in the settings is invalid.</exception>
    public static IPermissionGate DefaultGate(AgentGateSetup setup, JsonElement settings, Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>>? prompt)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var permissions = PermissionSettings.FromSettings(settings);
        if (setup.Mode is { } mode)
        {
            permissions = permissions with { Mode = mode };
        }
        if (setup.AllowTestEdits)
        {
            permissions = permissions with { AllowTestEdits = true };
        }
        var protectedTests = ProtectedTestFiles.Scan(setup.WorkspaceRoot, setup.Task, testCommand: setup.TestCommand);
        return setup.Interactive && prompt is not null
            ? PermissionGate.Interactive(permissions, protectedTests, prompt)
            : PermissionGate.Headless(permissions, protectedTests);
    }

    /// <summary>The tools for <paramref name="workspaceRoot"/> (without the sub-agent tool).</summary>
    public IReadOnlyList<IAgentTool> CreateTools(string workspaceRoot) =>
        Options.Tools is { } tools ? tools(workspaceRoot) : DefaultTools(workspaceRoot, Options.Settings, Options.AllowTestEdits);

    /// <summary>The gate for <paramref name="workspaceRoot"/>: interactive exactly when a prompt was given.</summary>
    /// <param name="workspaceRoot">The workspace.</param>
    /// <param name="task">The task the agent works on (eval), whose grading tests the gate protects too; null in a repository.</param>
    public IPermissionGate CreateGate(string workspaceRoot, TaskSpec? task = null)
    {
        // The test command decides which scripts and make files are test infrastructure (protected like tests).
        var testCommand = Options.TestCommand ?? AgentToolOptions.FromSettings(Options.Settings).TestCommand ?? TestCommands.Detect(workspaceRoot);
        var setup = new AgentGateSetup(workspaceRoot, Options.PermissionMode, Interactive: Options.Prompt is not null, Options.AllowTestEdits, testCommand, task);
        return Options.Gate is { } gate ? gate(setup) : DefaultGate(setup, Options.Settings, Options.Prompt);
    }

    /// <summary>The sandbox policy of the agent's commands in <paramref name="workspaceRoot"/> (offline package folders, toolchains, the settings' network rule).</summary>
    public SandboxPolicy CommandPolicy(string workspaceRoot) =>
        CommandPolicies.Create(workspaceRoot, AgentToolOptions.FromSettings(Options.Settings), Options.Sandbox);

    /// <summary>
    /// The session setup of one agent in <paramref name="workspaceRoot"/>. The <c>task</c> sub-agent tool (when
    /// enabled and not already among the tools) charges the budget of <paramref name="session"/> and records its
    /// events in that session's transcript; it is read at each call, so the session may be opened after this.
    /// </summary>
    public AgentSessionSetup CreateSetup(string workspaceRoot, IChatClient client, Func<AgentSession?> session, TaskSpec? task = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(session);
        var workspace = Path.GetFullPath(workspaceRoot);
        var tools = CreateTools(workspace).ToList();
        var gate = CreateGate(workspace, task);
        if (Options.SubAgents && tools.All(t => t.Name != "task"))
        {
            tools.Add(new SubAgentTool(client, [.. tools], gate, () => session()?.CurrentBudget, pricing: Options.Pricing, record: e => session()?.Conversation.Emit(e)));
        }
        return new AgentSessionSetup
        {
            Client = client,
            Tools = tools,
            Gate = gate,
            ToolContext = new ToolContext
            {
                WorkspaceRoot = workspace,
                Sandbox = Options.Sandbox,
                // The bash tool and the harness's own test run after "done" both start from this policy.
                CommandPolicy = CommandPolicy(workspace),
                Task = task,
                Verifier = Options.Verifier,
            },
            Options = new AgentOptions { Limits = Options.Limits, Pricing = Options.Pricing, Streaming = Options.Streaming },
            Model = Options.Model,
            // Either switch lets the agent change tests, and then the verdict is not strict either.
            AllowTestEdits = Options.AllowTestEdits || PermissionSettings.FromSettings(Options.Settings).AllowTestEdits,
            // Settings are read at the start, so a settings testCommand is the start's; null lets the verifier read the base's.
            TestCommand = Options.TestCommand ?? AgentToolOptions.FromSettings(Options.Settings).TestCommand,
        };
    }
}

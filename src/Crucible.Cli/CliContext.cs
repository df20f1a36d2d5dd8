using System.CommandLine;
using System.Text.Json;
using Crucible.Agent;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Crucible.Core.Integrity;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Models;
using Crucible.Models.Caching;
using Crucible.Models.Pricing;
using Crucible.Models.Settings;
using Crucible.Verification;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Crucible.Cli;

/// <summary>
/// What one invocation of <c>crucible</c> runs with: its folders, consoles, environment, cancellation and the
/// factories of the services commands use. <see cref="CliApp.RunProcessAsync(string[])"/> builds the production one
/// (<see cref="CliContext.ForProcess"/>); tests build their own (scripted models, capture consoles, temporary folders), so
/// two invocations in one process never share state. Defaults are documented on each property.
/// </summary>
internal sealed record CliSetup
{
    /// <summary>The folder the command works in (the repository for <c>run</c> and <c>review</c>; relative paths resolve against it).</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>
    /// Where Crucible keeps its state (results, runs, sessions, response cache), as <c>--state-dir</c> gives it.
    /// Default: null, meaning <c>CRUCIBLE_STATE_DIR</c>, else the settings' <c>state_dir</c>, else <c>.crucible/</c> in
    /// <see cref="WorkingDirectory"/> (<see cref="CliContext.StateDirectory"/>).
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>The user's home folder (user settings, price table). Default: the current user's.</summary>
    public string Home { get; init; } = SettingsLoader.DefaultHome;

    /// <summary>Reads an environment variable (API keys). Default: the process environment.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Results: tables, JSON, the agent's answers.</summary>
    public required IAnsiConsole Out { get; init; }

    /// <summary>Progress, warnings and errors, so <c>--json</c> output stays clean.</summary>
    public required IAnsiConsole Err { get; init; }

    /// <summary>True when <see cref="Err"/> is an interactive terminal (progress bars are drawn only then). Default: false.</summary>
    public bool ErrIsTerminal { get; init; }

    /// <summary>What the user types (the interactive prompt, approvals). Default: an empty reader (end of input at once).</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary>Cancels the whole invocation (in addition to <see cref="Interrupts"/>). Default: none.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// SIGINT and SIGTERM as cooperative cancellation of this invocation (every command's token is linked to it). Default:
    /// one that no signal reaches (tests call <see cref="CliInterrupts.Raise"/>); the process's registers the signals.
    /// </summary>
    public CliInterrupts Interrupts { get; init; } = new();

    /// <summary>True when <see cref="Input"/> is a terminal: the interactive prompt gets line editing and history. Default: false.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Replay identical model requests from the response cache in the state folder (<c>--cache</c>). Default: false.</summary>
    public bool CacheResponses { get; init; }

    /// <summary>Builds the provider client for a connection; null uses the real providers. Default: null.</summary>
    public Func<ProviderConnection, IChatClient>? ProviderFactory { get; init; }

    /// <summary>Creates the model client for a spec; null uses <see cref="CliContext.Models"/> (retries, usage ledger, optional cache). Default: null.</summary>
    public Func<string, IChatClient>? ChatClients { get; init; }

    /// <summary>Prices a model's calls from its spec; null uses the price table of <see cref="CliContext.Models"/>. Default: null.</summary>
    public Func<string, Func<UsageDetails, decimal?>?>? Pricing { get; init; }

    /// <summary>Creates the sandbox, given <c>--no-sandbox</c>. Default: bubblewrap, checked once, or the unsandboxed runner when asked.</summary>
    public Func<bool, ISandbox> SandboxFactory { get; init; } = SandboxSelection.Create;

    /// <summary>
    /// Creates a verifier over a sandbox for a command that grades up to the given number of attempts at once (<c>--jobs</c>
    /// of <c>eval</c>, <c>harvest</c> and <c>tasks check</c>, <c>--slots</c> of <c>worker</c>; 1 elsewhere). The context disposes
    /// every verifier it created at the end of the command. Default: <see cref="Verifier"/> with <see cref="DefaultVerifierOptions"/>.
    /// </summary>
    public Func<ISandbox, int, IVerifier> VerifierFactory { get; init; } = (sandbox, concurrency) => new Verifier(DefaultVerifierOptions(sandbox, concurrency));

    /// <summary>
    /// The default verifier's options: the documented defaults, with as many pre-started C# test processes kept spare as
    /// attempts are graded at once (<see cref="Crucible.Verification.Dotnet.PrestartPolicy.ForConcurrency"/>).
    /// </summary>
    public static VerifierOptions DefaultVerifierOptions(ISandbox sandbox, int concurrency) => new()
    {
        Sandbox = sandbox,
        CSharpPrestart = Crucible.Verification.Dotnet.PrestartPolicy.Default.ForConcurrency(concurrency),
    };

    /// <summary>
    /// The reward-hacking checks attached to evaluation verdicts, given the sandbox. Default: the constitution's
    /// integrity checks, then differential testing against the task's reference (<c>integrity.does-not-generalise</c>).
    /// </summary>
    public Func<ISandbox, IIntegrityChecker?> IntegrityCheckerFactory { get; init; } = sandbox =>
        new CompositeIntegrityChecker(new Crucible.Constitution.IntegrityChecker(), new Crucible.Verification.Differential.DifferentialChecker(sandbox));

    /// <summary>Asks the user about a tool call in interactive <c>run</c>; null uses <see cref="Commands.ApprovalPrompt"/> over <see cref="Err"/> and <see cref="Input"/>. Default: null.</summary>
    public Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>>? ApprovalPrompt { get; init; }

    /// <summary>Creates the agent's tools for a workspace; null uses <see cref="AgentAssembly.DefaultTools"/>. Default: null.</summary>
    public Func<string, IReadOnlyList<IAgentTool>>? AgentTools { get; init; }

    /// <summary>Creates the agent's permission gate; null uses <see cref="AgentAssembly.DefaultGate"/>. Default: null.</summary>
    public Func<AgentGateSetup, IPermissionGate>? PermissionGate { get; init; }

    /// <summary>
    /// Opens a URL in the user's browser for <c>view --open</c>, returning null or what went wrong. Default:
    /// <see cref="Commands.ViewCommand.OpenWithXdgOpen"/> (<c>setsid xdg-open URL</c>).
    /// </summary>
    public Func<Uri, string?> OpenBrowser { get; init; } = Commands.ViewCommand.OpenWithXdgOpen;
}

/// <summary>
/// The composition root of one invocation: the <see cref="CliSetup"/> it was made from, and the services built
/// from it on first use (settings, model factory). Every command is created with one (<c>static Command
/// Create(CliContext context)</c>) and reads nothing process-wide.
/// </summary>
internal sealed class CliContext : IDisposable
{
    private readonly Lazy<CrucibleSettings> _settings;
    private readonly Lazy<JsonElement> _settingsDocument;
    private readonly Lazy<ModelClientFactory> _models;
    private readonly Lazy<PromptReader> _prompt;
    // Shared with the contexts derived from this one (WithResponseCache), so the command's action disposes them all.
    private readonly OwnedVerifiers _verifiers;

    /// <summary>Creates the context of <paramref name="setup"/>; nothing is loaded until it is used.</summary>
    public CliContext(CliSetup setup)
        : this(setup, new OwnedVerifiers())
    {
    }

    private CliContext(CliSetup setup, OwnedVerifiers verifiers)
    {
        Setup = setup ?? throw new ArgumentNullException(nameof(setup));
        _verifiers = verifiers;
        _settings = new(() => SettingsLoader.Load(Setup.Home, WorkingDirectory));
        _settingsDocument = new(() => JsonSerializer.SerializeToElement(_settings.Value.Sections));
        _prompt = new(() =>
        {
            var writer = Err.Profile.Out.Writer;
            if (!Setup.InputIsTerminal)
            {
                return new PromptReader(Input, writer, null);
            }
            var options = new LineEditorOptions();
            var editor = new LineEditor(writer, () => Console.ReadKey(intercept: true), Path.Combine(StateDirectory, options.HistoryFileName), options);
            return new PromptReader(Input, writer, editor);
        });
        _models = new(() => new ModelClientFactory(new ModelClientFactoryOptions
        {
            Settings = _settings.Value,
            Environment = Setup.Environment,
            Prices = PriceTable.Load(_settings.Value, Setup.Home),
            CachePath = Setup.CacheResponses ? Path.Combine(StateDirectory, ResponseCache.DefaultFileName) : null,
            ProviderFactory = Setup.ProviderFactory,
        }));
    }

    /// <summary>The production context: the current folder, the process's consoles, environment, standard input and signals.</summary>
    public static CliContext ForProcess(CliInterrupts interrupts) => new(new CliSetup
    {
        Interrupts = interrupts,
        InputIsTerminal = !Console.IsInputRedirected,
        WorkingDirectory = System.Environment.CurrentDirectory,
        Out = CliConsole.Create(Console.Out, Console.IsOutputRedirected),
        Err = CliConsole.Create(Console.Error, Console.IsErrorRedirected),
        ErrIsTerminal = !Console.IsErrorRedirected,
        Input = Console.In,
    });

    /// <summary>What this context was made from (with <c>--state-dir</c> applied).</summary>
    public CliSetup Setup { get; private set; }

    /// <summary>The folder the command works in, as a full path.</summary>
    public string WorkingDirectory => Path.GetFullPath(Setup.WorkingDirectory);

    /// <summary>The environment variable that puts Crucible's state elsewhere (below <c>--state-dir</c>, above the settings' <c>state_dir</c>).</summary>
    public const string StateDirVariable = "CRUCIBLE_STATE_DIR";

    /// <summary>
    /// Crucible's state folder, first found of: <c>--state-dir</c> (<see cref="CliSetup.StateDirectory"/>, set by
    /// <see cref="UseStateDirectory"/>), <c>CRUCIBLE_STATE_DIR</c>, the settings' <c>state_dir</c>, and <c>.crucible/</c> in
    /// the working folder. Relative paths resolve against the working folder.
    /// </summary>
    public string StateDirectory => _stateDirectory ??= ResolveStateDirectory();

    private string? _stateDirectory;

    private string ResolveStateDirectory()
    {
        var chosen = Setup.StateDirectory
            ?? (Setup.Environment(StateDirVariable) is { Length: > 0 } env ? env : null)
            ?? Settings.StateDir;
        return chosen is { } dir ? Path.GetFullPath(dir, WorkingDirectory) : Path.Combine(WorkingDirectory, SettingsLoader.FolderName);
    }

    /// <summary>
    /// Applies the global <c>--state-dir</c> option to <see cref="Setup"/> (so contexts derived from this one keep it);
    /// called once, after parsing and before the command runs.
    /// </summary>
    internal void UseStateDirectory(string? directory)
    {
        if (directory is not null)
        {
            Setup = Setup with { StateDirectory = directory };
            _stateDirectory = null;
        }
    }

    /// <summary>The result database.</summary>
    public string DatabasePath => Path.Combine(StateDirectory, "crucible.db");

    /// <summary>The folder of eval runs.</summary>
    public string RunsDirectory => Path.Combine(StateDirectory, "runs");

    /// <summary>The session store's folder.</summary>
    public string SessionsDirectory => Path.Combine(StateDirectory, "sessions");

    /// <summary>Results.</summary>
    public IAnsiConsole Out => Setup.Out;

    /// <summary>Progress, warnings and errors.</summary>
    public IAnsiConsole Err => Setup.Err;

    /// <summary>True when progress bars may be drawn on <see cref="Err"/>.</summary>
    public bool ErrIsTerminal => Setup.ErrIsTerminal && Err.Profile.Capabilities.Interactive;

    /// <summary>What the user types.</summary>
    public TextReader Input => Setup.Input;

    /// <summary>SIGINT and SIGTERM of this invocation.</summary>
    public CliInterrupts Interrupts => Setup.Interrupts;

    /// <summary>The user's and project's settings.</summary>
    /// <exception cref="Core.BadInputException">A settings file is malformed.</exception>
    public CrucibleSettings Settings => _settings.Value;

    /// <summary>The settings as one document (the sections the agent reads: <c>permissions</c>, <c>sandbox</c>, <c>testCommand</c>).</summary>
    public JsonElement SettingsDocument => _settingsDocument.Value;

    /// <summary>The model factory of this invocation (settings, keys, retries, usage ledger, optional cache), created on first use.</summary>
    public ModelClientFactory Models => _models.Value;

    /// <summary>A new context like this one with <c>--cache</c> on or off; its services are created afresh and the caller disposes it.</summary>
    public CliContext WithResponseCache(bool cache) => new(Setup with { CacheResponses = cache }, _verifiers);

    /// <summary>Resolves a path the user gave against the working folder.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>Creates the model client for <paramref name="spec"/>.</summary>
    /// <exception cref="Core.BadInputException">The spec is malformed or its key is missing.</exception>
    public IChatClient CreateChatClient(string spec) => Setup.ChatClients is { } clients ? clients(spec) : Models.Create(spec);

    /// <summary>
    /// Prices a model's calls from its spec; null when the price table (built in, or the user's) has no price for the
    /// model, so callers report the cost as unknown rather than as $0.
    /// </summary>
    public Func<UsageDetails, decimal?>? Pricing(string spec)
    {
        if (Setup.Pricing is { } pricing)
        {
            return pricing(spec);
        }
        var parsed = Models.Parse(spec);
        if (Models.Options.Prices.Find(parsed.Model, parsed.Provider) is null)
        {
            return null;
        }
        var costs = Models.Costs;
        return usage => costs.Cost(UsageConversion.ToTokenUsage(usage), parsed.Model, parsed.Provider);
    }

    /// <summary>The sandbox, or the unsandboxed runner when <paramref name="noSandbox"/>.</summary>
    /// <exception cref="SandboxUnavailableException">bubblewrap or namespaces are missing; the message names the fix.</exception>
    public ISandbox CreateSandbox(bool noSandbox) => Setup.SandboxFactory(noSandbox);

    /// <summary>
    /// A verifier over <paramref name="sandbox"/> for up to <paramref name="concurrency"/> attempts graded at once. It lives
    /// until the end of the command: the action set by <see cref="SetAction"/> disposes it (stopping its pre-started test
    /// processes and removing their folders) however the command ends.
    /// </summary>
    public IVerifier CreateVerifier(ISandbox sandbox, int concurrency = 1)
    {
        var verifier = Setup.VerifierFactory(sandbox, Math.Max(1, concurrency));
        _verifiers.Add(verifier);
        return verifier;
    }

    /// <summary>
    /// The verifier that dispatches to <c>crucible worker</c> processes through <paramref name="endpoints"/> (for
    /// <c>--broker</c>/<c>--db</c>), connected and with its topology declared; reconnect notices go to stderr. The caller
    /// disposes it.
    /// </summary>
    public Task<Distributed.BrokerVerifier> ConnectBrokerVerifierAsync(Distributed.Endpoints endpoints, CancellationToken cancellationToken) =>
        Distributed.BrokerVerifier.ConnectAsync(endpoints, log: Warn, ct: cancellationToken);

    /// <summary>The integrity checks for eval verdicts, running their processes in <paramref name="sandbox"/>.</summary>
    public IIntegrityChecker? CreateIntegrityChecker(ISandbox sandbox) => Setup.IntegrityCheckerFactory(sandbox);

    /// <summary>
    /// The integrity checks for eval verdicts; without <paramref name="differential"/>, differential testing is left out
    /// (<c>--no-differential</c>: it runs the reference and the candidate once more per passing attempt).
    /// </summary>
    public IIntegrityChecker? CreateIntegrityChecker(ISandbox sandbox, bool differential) => (differential, CreateIntegrityChecker(sandbox)) switch
    {
        (true, var checker) => checker,
        (false, Crucible.Verification.Differential.DifferentialChecker) => null,
        (false, CompositeIntegrityChecker composite) => composite.Without(c => c is Crucible.Verification.Differential.DifferentialChecker),
        (false, var checker) => checker,
    };

    /// <summary>The approval prompt of interactive runs.</summary>
    public Func<PermissionRequest, CancellationToken, ValueTask<UserAnswer>> ApprovalPrompt =>
        Setup.ApprovalPrompt ?? new Commands.ApprovalPrompt(Err, Prompt).AskAsync;

    /// <summary>
    /// The one reader of what the user types in this invocation (prompt and approvals), created on first use: a line editor
    /// with the repository's history when <see cref="CliSetup.InputIsTerminal"/>, else lines of <see cref="Input"/>.
    /// </summary>
    public PromptReader Prompt => _prompt.Value;

    /// <summary>
    /// The agent assembly options every agent of this invocation starts from: the settings, the tool and gate
    /// overrides of the setup, and <paramref name="sandbox"/> with its verifier.
    /// </summary>
    public AgentAssemblyOptions AgentOptions(ISandbox sandbox) => new()
    {
        Sandbox = sandbox,
        Verifier = CreateVerifier(sandbox),
        Settings = SettingsDocument,
        Tools = Setup.AgentTools,
        Gate = Setup.PermissionGate,
    };

    /// <summary>Writes a warning line to stderr.</summary>
    public void Warn(string message) => Err.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    /// <summary>
    /// Sets <paramref name="command"/>'s action: <paramref name="action"/> gets a token cancelled by a signal
    /// (<see cref="CliSetup.Interrupts"/>) or <see cref="CliSetup.Cancellation"/>. Every command sets its action this way,
    /// so each one stops cooperatively on SIGINT and SIGTERM.
    /// </summary>
    public void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction(async (parse, ct) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, Setup.Cancellation, Setup.Interrupts.Token);
            try
            {
                return await action(parse, linked.Token).ConfigureAwait(false);
            }
            finally
            {
                await _verifiers.DisposeAllAsync().ConfigureAwait(false);
            }
        });
    }

    /// <summary>The verifiers created through this context and the ones derived from it, disposed at the end of the command.</summary>
    private sealed class OwnedVerifiers
    {
        private readonly List<IAsyncDisposable> _owned = [];

        public void Add(IVerifier verifier)
        {
            if (verifier is IAsyncDisposable disposable)
            {
                lock (_owned)
                {
                    _owned.Add(disposable);
                }
            }
        }

        public async Task DisposeAllAsync()
        {
            List<IAsyncDisposable> owned;
            lock (_owned)
            {
                owned = [.. _owned];
                _owned.Clear();
            }
            foreach (var verifier in owned)
            {
                await verifier.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_models.IsValueCreated)
        {
            _models.Value.Dispose();
        }
    }
}

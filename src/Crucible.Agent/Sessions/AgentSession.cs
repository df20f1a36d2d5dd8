using Crucible.Agent.Context;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Crucible.Core;
using Crucible.Core.Verification;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Sessions;

/// <summary>What a session is made of. The tools, gate and client are supplied by the caller.</summary>
public sealed record AgentSessionSetup
{
    /// <summary>The model.</summary>
    public required IChatClient Client { get; init; }

    /// <summary>The tools offered to the model.</summary>
    public required IReadOnlyList<IAgentTool> Tools { get; init; }

    /// <summary>The permission gate every call passes.</summary>
    public required IPermissionGate Gate { get; init; }

    /// <summary>What tools may use; <see cref="ToolContext.WorkspaceRoot"/> is the session's workspace.</summary>
    public required ToolContext ToolContext { get; init; }

    /// <summary>Loop options (limits, pricing, streaming). <see cref="AgentOptions.VerifyWhenDone"/>, <see cref="AgentOptions.Context"/> and <see cref="AgentOptions.Review"/> are filled in by the session when left unset.</summary>
    public AgentOptions Options { get; init; } = new();

    /// <summary>Context policy; null uses the defaults. Default: null.</summary>
    public ContextPolicy? Context { get; init; }

    /// <summary>Model spec recorded with the session.</summary>
    public string? Model { get; init; }

    /// <summary>Home folder for instruction files; null uses the user's. Default: null.</summary>
    public string? Home { get; init; }

    /// <summary>
    /// Run the tests when the model is done: the task's through <see cref="ToolContext.Verifier"/>, or the
    /// repository's. Default true. The eval turns it off because it grades every attempt itself.
    /// </summary>
    public bool VerifyWhenDone { get; init; } = true;

    /// <summary>
    /// Run the constitution review when the model is done, alongside the tests (only when
    /// <see cref="VerifyWhenDone"/> is on too): its integrity findings go back to the model as a critique
    /// for <see cref="AgentOptions.MaxIntegrityCritiqueRounds"/> rounds, then flag the verdict. A task is
    /// reviewed against its starting files, a repository against the commit the session started from
    /// (kept in the session's state folder, so a resumed session compares with the same commit).
    /// Default: true.
    /// </summary>
    public bool ReviewWhenDone { get; init; } = true;

    /// <summary>Configured repository test command (from settings); null detects one. Default: null.</summary>
    public string? TestCommand { get; init; }

    /// <summary>
    /// Where the originals of a repository's protected test files are kept, one folder per session id. It must
    /// be outside the workspace (the agent could otherwise rewrite the originals). Default:
    /// <c>$XDG_STATE_HOME/crucible/protected</c>, else <c>~/.local/state/crucible/protected</c>.
    /// </summary>
    public string ProtectedFilesRoot { get; init; } = DefaultProtectedFilesRoot();

    /// <summary>The default of <see cref="ProtectedFilesRoot"/>.</summary>
    public static string DefaultProtectedFilesRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(root, "crucible", "protected");
    }

    /// <summary>When the transcript is synced to disk. Default <see cref="TranscriptDurability.SyncEachStep"/>.</summary>
    public TranscriptDurability Durability { get; init; } = TranscriptDurability.SyncEachStep;

    /// <summary>When true, existing test files are not protected (<c>--allow-test-edits</c>). Default: false.</summary>
    public bool AllowTestEdits { get; init; }
}

/// <summary>
/// A session: a conversation recorded in a transcript (and the index, when kept in a <see cref="SessionStore"/>),
/// run one user request at a time by the <see cref="AgentLoop"/>. Sessions survive a kill: every step is on
/// disk when the next begins, and <see cref="Resume"/> restores the exact conversation.
/// </summary>
public sealed class AgentSession : IDisposable
{
    private readonly TranscriptWriter _transcript;
    private readonly SessionStore? _store;
    private readonly AgentLoop _loop;

    private AgentSession(string id, AgentSessionSetup setup, TranscriptWriter transcript, SessionStore? store, AgentConversation conversation, string stateDirectory)
    {
        Id = id;
        _transcript = transcript;
        _store = store;
        Conversation = conversation;
        StateDirectory = stateDirectory;
        Setup = setup;
        var options = setup.Options;
        // Every call of the session goes through this registry; the context manager counts the same declarations the model is sent.
        var tools = new ToolRegistry(setup.Tools);
        if (options.Context is null)
        {
            options = options with { Context = new ContextManager(setup.Context ?? new ContextPolicy(), setup.ToolContext.WorkspaceRoot, tools.AITools) };
        }
        var task = setup.ToolContext.Task;
        RepositoryVerification? repository = null;
        if (task is null)
        {
            // The originals are kept outside the workspace, where the agent's tools and commands cannot reach them.
            repository = RepositoryVerification.Start(setup.ToolContext.WorkspaceRoot, Path.Combine(setup.ProtectedFilesRoot, id), setup.TestCommand, protectTests: !setup.AllowTestEdits);
        }
        if (options.VerifyWhenDone is null && setup.VerifyWhenDone)
        {
            var ctx = setup.ToolContext;
            if (task is not null && ctx.Verifier is { } verifier)
            {
                options = options with
                {
                    VerifyWhenDone = ct => verifier.VerifyAsync(task, ctx.WorkspaceRoot, new VerifyOptions { ArtifactsPath = Path.Combine(stateDirectory, "verify", Conversation.LastStep.ToString(System.Globalization.CultureInfo.InvariantCulture)) }, ct),
                };
            }
            else if (repository is not null)
            {
                options = options with { VerifyWhenDone = ct => repository.VerifyAsync(ctx.Sandbox, ctx.CommandPolicy, ct) };
            }
        }
        if (options.Review is null && setup.VerifyWhenDone && setup.ReviewWhenDone)
        {
            var root = setup.ToolContext.WorkspaceRoot;
            options = options with { Review = task is not null ? DoneReview.ForTask(task, root) : DoneReview.ForRepository(root, SessionBaseCommit(root, stateDirectory)) };
        }
        _loop = new AgentLoop(setup.Client, tools, setup.Gate, setup.ToolContext with { SessionDirectory = stateDirectory }, options);
    }

    /// <summary>The commit a repository session started from: recorded in the state folder at the first start, read back on resume.</summary>
    private static string? SessionBaseCommit(string workspace, string stateDirectory)
    {
        var file = Path.Combine(stateDirectory, "review-base-commit");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }
        var head = DoneReview.HeadCommit(workspace);
        if (head is not null)
        {
            Directory.CreateDirectory(stateDirectory);
            File.WriteAllText(file, head);
        }
        return head;
    }

    /// <summary>The session id.</summary>
    public string Id { get; }

    /// <summary>The transcript file.</summary>
    public string TranscriptPath => _transcript.Path;

    /// <summary>The session's state folder (protected-file snapshot, verification logs).</summary>
    public string StateDirectory { get; }

    /// <summary>The conversation.</summary>
    public AgentConversation Conversation { get; }

    /// <summary>
    /// When the transcript had a bad line on resume: the line, and where the damaged file was moved (the session
    /// resumed from the events before that line). Null otherwise.
    /// </summary>
    public string? Repaired { get; private init; }

    /// <summary>What the session was built from.</summary>
    public AgentSessionSetup Setup { get; }

    /// <summary>The budget of the run in progress, for the <c>task</c> tool's sub-agents (null between runs).</summary>
    public AgentBudget? CurrentBudget => _loop.CurrentBudget;

    /// <summary>The loop's effective options.</summary>
    public AgentOptions Options => _loop.Options;

    /// <summary>
    /// Starts a session. With a <paramref name="store"/> it is indexed and its transcript goes in the store's
    /// folder; otherwise (eval attempts) it is written to <paramref name="transcriptPath"/>.
    /// </summary>
    public static AgentSession Start(AgentSessionSetup setup, SessionStore? store, string? title, IEnumerable<IAgentEventSink>? sinks = null, string? transcriptPath = null)
    {
        var root = setup.ToolContext.WorkspaceRoot;
        string id, path, state;
        if (store is not null)
        {
            var info = store.Create(root, title, setup.Model);
            (id, path, state) = (info.Id, info.TranscriptPath, store.StateDirectory(info.Id));
        }
        else
        {
            path = transcriptPath ?? throw new ArgumentException("a transcript path is needed when no session store is given", nameof(transcriptPath));
            id = SessionStore.NewId();
            state = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "session");
        }
        var instructions = InstructionFiles.Load(root, setup.Home);
        var task = setup.ToolContext.Task;
        var taskContext = task is null ? null : $"You are working on the task '{task.Id}'. Files you may change: {string.Join(", ", task.Editable)}. The task's tests are graded from pristine copies.";
        var system = new ChatMessage(ChatRole.System, SystemPrompt.Build(instructions, SystemPrompt.ReadNotes(root), taskContext));
        var transcript = new TranscriptWriter(path, setup.Durability);
        var conversation = new AgentConversation([], [transcript, .. sinks ?? []]);
        var session = new AgentSession(id, setup, transcript, store, conversation, state);
        session.Follow();
        conversation.Emit(new SessionStarted(id, root, task?.Id ?? title, setup.Model, Resumed: false));
        conversation.Add(system);
        return session;
    }

    /// <summary>
    /// Restores a session from its transcript: the exact conversation (after its last compaction), with
    /// results added for tool calls a killed process left without one. A torn last line is ignored.
    /// </summary>
    /// <exception cref="BadInputException">The transcript is missing.</exception>
    public static AgentSession Resume(AgentSessionSetup setup, SessionStore store, SessionInfo info, IEnumerable<IAgentEventSink>? sinks = null)
    {
        if (!File.Exists(info.TranscriptPath))
        {
            throw new BadInputException($"session {info.Id} has no transcript at {info.TranscriptPath}", "start a new session without --resume/--continue");
        }
        return Restore(setup, store, info.Id, info.TranscriptPath, store.StateDirectory(info.Id), sinks);
    }

    /// <summary>Restores a session from a transcript that is not in a store (eval artifacts).</summary>
    public static AgentSession ResumeFile(AgentSessionSetup setup, string transcriptPath, IEnumerable<IAgentEventSink>? sinks = null) =>
        Restore(setup, null, Path.GetFileNameWithoutExtension(transcriptPath), transcriptPath, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(transcriptPath))!, "session"), sinks);

    private static AgentSession Restore(AgentSessionSetup setup, SessionStore? store, string id, string path, string state, IEnumerable<IAgentEventSink>? sinks)
    {
        var contents = TranscriptReader.ReadValid(path);
        string? repaired = null;
        if (contents.BadLine is { } bad)
        {
            // Keep the damaged file whole for the user and continue from a copy of its valid part, so the session
            // goes on from the last good event and the new events are not appended after a line no reader accepts.
            var moved = StateException.MoveAside(path);
            File.WriteAllLines(path, File.ReadLines(moved, System.Text.Encoding.UTF8).Take(contents.ValidLines), new System.Text.UTF8Encoding(false));
            repaired = $"transcript {path} line {bad} is not a valid event ({contents.Problem}); the session resumes from the {contents.Events.Count} event(s) before it; the damaged file was moved to {moved}";
        }
        var events = contents.Events;
        var messages = TranscriptReader.Conversation(events);
        var started = events.OfType<SessionStarted>().FirstOrDefault();
        if (started is not null)
        {
            id = started.SessionId;
        }
        var transcript = new TranscriptWriter(path, setup.Durability);
        var conversation = new AgentConversation(messages, [transcript, .. sinks ?? []], TranscriptReader.LastStep(events));
        var session = new AgentSession(id, setup, transcript, store, conversation, state) { Repaired = repaired };
        session.Follow();
        conversation.Emit(new SessionStarted(id, setup.ToolContext.WorkspaceRoot, started?.Task, setup.Model ?? started?.Model, Resumed: true));
        CloseDanglingCalls(conversation);
        return session;
    }

    /// <summary>Runs one user request.</summary>
    public async Task<AgentRunResult> RunAsync(string request, CancellationToken cancellationToken = default)
    {
        _store?.Index.Update(Id, "running", Conversation.LastStep);
        var result = await _loop.RunAsync(Conversation, request, null, cancellationToken).ConfigureAwait(false);
        _store?.Index.Update(Id, result.Status.ToWire(), Conversation.LastStep);
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _transcript.Dispose();
    }

    private void Follow()
    {
        if (_store is { } store)
        {
            _transcript.AfterWrite = e =>
            {
                if (e is StepCompleted s)
                {
                    store.Index.Update(Id, "running", s.Step);
                }
            };
        }
    }

    private static void CloseDanglingCalls(AgentConversation conversation)
    {
        var answered = conversation.Messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).Select(r => r.CallId).ToHashSet(StringComparer.Ordinal);
        var last = conversation.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant);
        if (last is null)
        {
            return;
        }
        var open = last.Contents.OfType<FunctionCallContent>().Where(c => !answered.Contains(c.CallId)).ToList();
        if (open.Count > 0)
        {
            conversation.Add(new ChatMessage(ChatRole.Tool, [.. open.Select(c => (AIContent)new FunctionResultContent(c.CallId, "no result: the session stopped before this call finished; check the workspace before repeating it"))]));
        }
    }
}

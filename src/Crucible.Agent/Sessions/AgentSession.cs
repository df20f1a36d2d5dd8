using Crucible.Agent.Context;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Crucible.Core;
using Crucible.Core.Verification;
using Crucible.Verification.Repository;
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

    /// <summary>Repository test command (<c>--test-command</c>); null takes the session start's <c>.crucible/settings.json</c> <c>testCommand</c>, else detects one. Default: null.</summary>
    public string? TestCommand { get; init; }

    /// <summary>
    /// Verifies a repository session's work (see <see cref="SessionVerification"/>); null uses a
    /// <see cref="RepositoryVerifier"/> whose <see cref="TestCommandRunner"/> runs in <see cref="ToolContext.Sandbox"/>. Default: null.
    /// </summary>
    public RepositoryVerifier? RepositoryVerifier { get; init; }

    /// <summary>
    /// Verify a repository session only after a request that changed the working tree (interactive mode: "hi" runs no
    /// tests). When false every request that ends with the model done is verified (headless runs, whose exit code is the
    /// verdict). Default: false.
    /// </summary>
    public bool VerifyOnlyAfterChanges { get; init; }

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
    private readonly ApprovedWrites _approvedWrites;
    private string? _requestStartTree;

    private AgentSession(string id, AgentSessionSetup setup, TranscriptWriter transcript, SessionStore? store, AgentConversation conversation, string stateDirectory, ApprovedWrites approved)
    {
        Id = id;
        _approvedWrites = approved;
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
        if (task is null && setup.VerifyWhenDone)
        {
            var sandbox = setup.ToolContext.Sandbox;
            var verifier = setup.RepositoryVerifier
                ?? new RepositoryVerifier(new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox }), ToolchainFingerprint.Compute(sandbox.Name));
            // The start is captured before the model's first call, so nothing the agent does can be part of the base.
            Repository = SessionVerification.Start(
                setup.ToolContext.WorkspaceRoot, id, verifier, setup.TestCommand, setup.AllowTestEdits,
                Path.ChangeExtension(transcript.Path, ".verdict.json"), Path.Combine(stateDirectory, "verify-cache"));
        }
        if (options.VerifyWhenDone is null && setup.VerifyWhenDone)
        {
            var ctx = setup.ToolContext;
            if (task is not null && ctx.Verifier is { } verifier)
            {
                options = options with
                {
                    VerifyWhenDone = async ct => await verifier.VerifyAsync(task, ctx.WorkspaceRoot, new VerifyOptions { ArtifactsPath = Path.Combine(stateDirectory, "verify", Conversation.LastStep.ToString(System.Globalization.CultureInfo.InvariantCulture)) }, ct).ConfigureAwait(false),
                };
            }
            else if (Repository is { } repository)
            {
                options = options with { VerifyWhenDone = ct => VerifyRepositoryAsync(repository, ct) };
            }
        }
        if (options.Review is null && setup.VerifyWhenDone && setup.ReviewWhenDone)
        {
            var root = setup.ToolContext.WorkspaceRoot;
            // A task with a reference solution is also compared with it on generated inputs (differential testing).
            options = options with { Review = task is not null ? DoneReview.ForTask(task, root, behaviour: new Crucible.Verification.Differential.DifferentialChecker(setup.ToolContext.Sandbox)) : DoneReview.ForRepository(root, Repository?.BaseCommit) };
        }
        _loop = new AgentLoop(setup.Client, tools, setup.Gate, setup.ToolContext with { SessionDirectory = stateDirectory }, options);
    }

    /// <summary>Verifies a repository session, unless only changed requests are verified and this one changed nothing.</summary>
    private async Task<Verdict?> VerifyRepositoryAsync(SessionVerification repository, CancellationToken ct)
    {
        if (Setup.VerifyOnlyAfterChanges && _requestStartTree is { } before && repository.CurrentTree() == before)
        {
            return null;
        }
        return await repository.VerifyAsync(_approvedWrites.Paths, ct).ConfigureAwait(false);
    }

    /// <summary>The verification of a repository session (its start commit, its verdict file); null for a task or when the session does not verify.</summary>
    public SessionVerification? Repository { get; }

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
        var approved = new ApprovedWrites();
        var conversation = new AgentConversation([], [transcript, approved, .. sinks ?? []]);
        var session = new AgentSession(id, setup, transcript, store, conversation, state, approved);
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
        var approved = new ApprovedWrites();
        foreach (var e in events)
        {
            approved.OnEvent(e); // writes approved before a restart stay approved
        }
        var conversation = new AgentConversation(messages, [transcript, approved, .. sinks ?? []], TranscriptReader.LastStep(events));
        var session = new AgentSession(id, setup, transcript, store, conversation, state, approved) { Repaired = repaired };
        session.Follow();
        conversation.Emit(new SessionStarted(id, setup.ToolContext.WorkspaceRoot, started?.Task, setup.Model ?? started?.Model, Resumed: true));
        CloseDanglingCalls(conversation);
        return session;
    }

    /// <summary>Runs one user request.</summary>
    public async Task<AgentRunResult> RunAsync(string request, CancellationToken cancellationToken = default)
    {
        _store?.Index.Update(Id, "running", Conversation.LastStep);
        _requestStartTree = Setup.VerifyOnlyAfterChanges ? Repository?.CurrentTree() : null;
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

    /// <summary>
    /// Paths written by file-tool calls the gate allowed (<see cref="PermissionGate.PathWritingTools"/>). The gate asks for every
    /// protected test and every new test-infrastructure file, so a protected path in this set was approved.
    /// </summary>
    private sealed class ApprovedWrites : IAgentEventSink
    {
        private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _allowedCalls = new(StringComparer.Ordinal);

        public IReadOnlySet<string> Paths => _paths;

        public void OnEvent(AgentEvent e)
        {
            switch (e is SubAgentEvent sub ? sub.Event : e)
            {
                case ToolCallStarted { Allowed: true } s when PermissionGate.PathWritingTools.Contains(s.Tool):
                    _allowedCalls[s.CallId] = s.Tool;
                    break;
                case ToolCallFinished { IsError: false } f when _allowedCalls.Remove(f.CallId):
                    _paths.UnionWith(f.ChangedPaths);
                    break;
            }
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

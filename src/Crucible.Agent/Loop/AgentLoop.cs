using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Crucible.Agent.Context;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Crucible.Core.Usage;
using Crucible.Models;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Loop;

/// <summary>
/// The agent loop, in the spirit of mini-swe-agent: a linear history, the model picks tools, every call
/// passes the permission gate, results (errors and denials included) go back to the model, and the run
/// ends when the model answers without a tool call — after which the constitution review
/// (<see cref="AgentOptions.Review"/>) may send integrity findings back as a critique for a bounded
/// number of rounds, and then the harness, not the model, runs the tests (<see cref="AgentOptions.VerifyWhenDone"/>). Limits, the stuck detector and fatal errors end
/// the run early with a typed <see cref="AgentRunStatus"/>.
/// </summary>
public sealed class AgentLoop
{
    private readonly IChatClient _client;
    private readonly ToolRegistry _tools;
    private readonly IPermissionGate _gate;
    private readonly ToolContext _toolContext;
    private readonly AgentOptions _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates a loop.</summary>
    /// <param name="client">The model.</param>
    /// <param name="tools">The tools the model may call (their order is the order the model sees).</param>
    /// <param name="gate">Decides on every call.</param>
    /// <param name="toolContext">What tools may use (workspace, sandbox, verifier).</param>
    /// <param name="options">Limits and policies.</param>
    /// <param name="clock">Time source (tests pass a fake one).</param>
    public AgentLoop(IChatClient client, IReadOnlyList<IAgentTool> tools, IPermissionGate gate, ToolContext toolContext, AgentOptions options, TimeProvider? clock = null)
        : this(client, new ToolRegistry(tools), gate, toolContext, options, clock)
    {
    }

    /// <summary>Creates a loop whose calls all go through <paramref name="tools"/> (declarations, permission requests, invocation).</summary>
    /// <param name="client">The model.</param>
    /// <param name="tools">The registry the model's calls are dispatched through (its order is the order the model sees).</param>
    /// <param name="gate">Decides on every call.</param>
    /// <param name="toolContext">What tools may use (workspace, sandbox, verifier).</param>
    /// <param name="options">Limits and policies.</param>
    /// <param name="clock">Time source (tests pass a fake one).</param>
    public AgentLoop(IChatClient client, ToolRegistry tools, IPermissionGate gate, ToolContext toolContext, AgentOptions options, TimeProvider? clock = null)
    {
        _client = client;
        _tools = tools ?? throw new ArgumentNullException(nameof(tools));
        _gate = gate;
        _toolContext = toolContext;
        _options = options;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The options the loop runs with.</summary>
    public AgentOptions Options => _options;

    /// <summary>The budget of the run in progress (null between runs); the <c>task</c> tool makes its sub-agents' budgets children of it.</summary>
    public AgentBudget? CurrentBudget { get; private set; }

    /// <summary>
    /// Adds <paramref name="request"/> as a user message and runs until the model is done or a limit ends
    /// the run. <paramref name="budget"/> defaults to a fresh one from <see cref="AgentOptions.Limits"/>;
    /// a sub-agent passes a child of its parent's.
    /// </summary>
    public async Task<AgentRunResult> RunAsync(AgentConversation conversation, string request, AgentBudget? budget = null, CancellationToken cancellationToken = default)
    {
        budget ??= AgentBudget.For(_options.Limits, _clock);
        CurrentBudget = budget;
        var spentAtStart = budget.Spent;
        var stuck = new StuckDetector(_options.Stuck);
        var nudges = 0;
        var steps = 0;
        var reviews = 0;
        string? finalText = null;
        conversation.Add(new ChatMessage(ChatRole.User, request));

        using var wallClock = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wallClock.CancelAfter(Max(TimeSpan.Zero, budget.EffectiveDeadline - _clock.GetUtcNow()));
        var ct = wallClock.Token;

        AgentRunResult End(AgentRunStatus status, string? message, Core.Verification.Verdict? verdict = null, bool modelCallFailed = false)
        {
            var result = new AgentRunResult(status, message, steps, Subtract(budget.Spent, spentAtStart), verdict, finalText) { ModelCallFailed = modelCallFailed };
            conversation.Emit(new RunEnded(status, message, steps, result.Usage, verdict?.Status, verdict?.CountsAsPass, finalText));
            CurrentBudget = null;
            return result;
        }

        try
        {
            while (true)
            {
                if (steps >= _options.Limits.MaxSteps)
                {
                    return End(AgentRunStatus.MaxSteps, $"stopped after {steps} steps (limit {_options.Limits.MaxSteps})");
                }
                if (budget.Exhausted() is { } spent)
                {
                    return End(spent, spent == AgentRunStatus.MaxTokens ? $"token limit reached ({budget.Spent.Tokens.TotalInputTokens + budget.Spent.Tokens.OutputTokens} used)" : $"dollar limit reached (${budget.Spent.CostUsd:F4} spent)");
                }
                ct.ThrowIfCancellationRequested();
                var step = conversation.NextStep();
                steps++;

                if (_options.Context is { } context && context.ShouldCompact(conversation.Messages))
                {
                    await context.CompactAsync(_client, conversation, budget, _options.Pricing, ct).ConfigureAwait(false);
                }

                ChatResponse response;
                try
                {
                    response = await CallModelAsync(conversation, budget, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The run cannot go on without the model (authentication, unknown model, retries exhausted).
                    conversation.Emit(new StepCompleted(step));
                    return End(AgentRunStatus.Error, DescribeModelFailure(e), modelCallFailed: true);
                }
                var (usage, cost) = Charge(response, conversation.Messages, budget);
                var assistant = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant) ?? new ChatMessage(ChatRole.Assistant, response.Text);
                conversation.Add(assistant);
                conversation.Emit(new UsageRecorded(step, usage.Tokens, cost, Subtract(budget.Spent, spentAtStart)));
                if (!string.IsNullOrWhiteSpace(assistant.Text))
                {
                    finalText = assistant.Text;
                    conversation.Emit(new AssistantText(step, assistant.Text));
                }

                var calls = assistant.Contents.OfType<FunctionCallContent>().ToList();
                if (calls.Count == 0)
                {
                    // Done — but only the harness can say whether the work is right.
                    conversation.Emit(new StepCompleted(step));
                    var (flags, critique) = await ReviewAsync(step, ++reviews, conversation, ct).ConfigureAwait(false);
                    if (critique is not null)
                    {
                        conversation.Add(new ChatMessage(ChatRole.User, critique)
                        {
                            AdditionalProperties = new AdditionalPropertiesDictionary { [ContextManager.KindProperty] = "integrity-critique" },
                        });
                        continue;
                    }
                    Core.Verification.Verdict? verdict = null;
                    if (_options.VerifyWhenDone is { } verify)
                    {
                        try
                        {
                            verdict = await verify(ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            return End(AgentRunStatus.Error, $"verification failed: {e.Message}");
                        }
                        if (verdict is not null)
                        {
                            if (flags.Count > 0)
                            {
                                verdict = verdict with { Integrity = [.. verdict.Integrity, .. flags] };
                            }
                            conversation.Emit(new VerdictRecorded(verdict));
                        }
                    }
                    return End(AgentRunStatus.Completed, null, verdict);
                }

                var (results, signature, fatal) = await RunToolsAsync(step, calls, conversation, ct).ConfigureAwait(false);
                conversation.Add(new ChatMessage(ChatRole.Tool, [.. results]));
                if (fatal is not null)
                {
                    conversation.Emit(new StepCompleted(step));
                    return End(AgentRunStatus.Error, fatal);
                }

                if (stuck.Observe(signature) is { } loop)
                {
                    if (nudges >= _options.Stuck.NudgesBeforeStop)
                    {
                        conversation.Emit(new StepCompleted(step));
                        return End(AgentRunStatus.Stuck, $"stuck: {loop}, after {nudges} nudge(s)");
                    }
                    nudges++;
                    conversation.Emit(new Nudged(step, loop));
                    conversation.Add(new ChatMessage(ChatRole.User, _options.Stuck.NudgeMessage)
                    {
                        AdditionalProperties = new AdditionalPropertiesDictionary { [ContextManager.KindProperty] = "nudge" },
                    });
                }
                conversation.Emit(new StepCompleted(step));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            CloseOpenCalls(conversation, "interrupted by the user before this call ran");
            return End(AgentRunStatus.Interrupted, "interrupted");
        }
        catch (OperationCanceledException) when (wallClock.IsCancellationRequested)
        {
            CloseOpenCalls(conversation, "the run's time limit was reached before this call ran");
            return End(AgentRunStatus.Timeout, $"wall-time limit reached ({_options.Limits.WallTime})");
        }
    }

    /// <summary>
    /// Runs <see cref="AgentOptions.Review"/> (when set) and records it. Returns the critique to send when
    /// integrity findings fired and rounds are left; otherwise the findings to attach to the verdict.
    /// </summary>
    private async Task<(IReadOnlyList<Core.Verification.IntegrityFlag> Flags, string? Critique)> ReviewAsync(int step, int round, AgentConversation conversation, CancellationToken ct)
    {
        if (_options.Review is not { } review)
        {
            return ([], null);
        }
        Constitution.Review.ReviewResult result;
        try
        {
            result = review.Run();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A review that cannot run (e.g. git failed) does not stop the run; the verdict still decides.
            conversation.Emit(new ReviewRecorded(step, round, review.Source, [], 0, [$"the review could not run: {e.Message}"], FedBack: false));
            return ([], null);
        }
        var flags = DoneReview.Flags(result);
        var errors = result.Report.Errors;
        if (flags.Count == 0 && review.Behaviour is not null)
        {
            try
            {
                flags = await review.CheckBehaviourAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors = [.. errors, $"differential testing could not run: {e.Message}"];
            }
        }
        var feedBack = flags.Count > 0 && round <= _options.MaxIntegrityCritiqueRounds;
        conversation.Emit(new ReviewRecorded(step, round, review.Source, flags, result.Report.Findings.Count - DoneReview.Flags(result).Count, errors, feedBack));
        return feedBack ? (flags, DoneReview.Critique(flags, round, _options.MaxIntegrityCritiqueRounds)) : (flags, null);
    }

    private static string DescribeModelFailure(Exception e) => e is ModelCallException m
        ? $"model call failed ({m.Kind}): {m.Message}{(m.Fix is { } fix ? $" — fix: {fix}" : "")}"
        : $"model call failed: {e.Message}";

    private async Task<ChatResponse> CallModelAsync(AgentConversation conversation, AgentBudget budget, CancellationToken ct)
    {
        var options = _options.ChatOptions?.Clone() ?? new ChatOptions();
        options.Tools = [.. _tools.AITools];
        options.ToolMode = ChatToolMode.Auto;
        options.AllowMultipleToolCalls = true;
        options.MaxOutputTokens = (int)Math.Max(1, Math.Min(_options.Limits.MaxOutputTokensPerCall, budget.TokensLeft));
        // The history is sent as it is: system prompt first (stable, cacheable), then the turns in order.
        if (!_options.Streaming)
        {
            return await _client.GetResponseAsync(conversation.Messages, options, ct).ConfigureAwait(false);
        }
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in _client.GetStreamingResponseAsync(conversation.Messages, options, ct).ConfigureAwait(false))
        {
            updates.Add(update);
            if (update.Text is { Length: > 0 } delta)
            {
                conversation.Emit(new AssistantTextDelta(delta));
            }
        }
        return updates.ToChatResponse();
    }

    /// <summary>Charges the call to the budget: provider usage when reported, else the estimator's counts.</summary>
    private (UsageTotals Usage, decimal? Cost) Charge(ChatResponse response, IReadOnlyList<ChatMessage> prompt, AgentBudget budget)
    {
        var details = response.Usage ?? new UsageDetails
        {
            InputTokenCount = TokenEstimator.Estimate(prompt),
            OutputTokenCount = TokenEstimator.Estimate(response.Messages),
        };
        _options.Context?.ObserveUsage(response.Usage, prompt.Count);
        // Tokens count as reported (limits behave the same on a rerun), but a replay from the response cache cost nothing.
        var cost = IsCacheReplay(response) ? 0m : _options.Pricing?.Invoke(details);
        var usage = new UsageTotals(UsageConversion.ToTokenUsage(details), cost ?? 0m, 1);
        budget.Charge(usage);
        return (usage, cost);
    }

    /// <summary>
    /// True when <paramref name="response"/> was replayed from the response cache (<c>--cache</c>) instead of calling the
    /// provider. A streamed replay marks its updates, which <c>ToChatResponse</c> may put on the response or its messages.
    /// </summary>
    internal static bool IsCacheReplay(ChatResponse response) =>
        Crucible.Models.Caching.CachingChatClient.IsReplay(response.AdditionalProperties)
        || response.Messages.Any(m => Crucible.Models.Caching.CachingChatClient.IsReplay(m.AdditionalProperties));

    private async Task<(List<AIContent> Results, string Signature, string? Fatal)> RunToolsAsync(int step, List<FunctionCallContent> calls, AgentConversation conversation, CancellationToken ct)
    {
        var results = new List<AIContent>();
        var signature = new StringBuilder();
        foreach (var call in calls)
        {
            var clock = Stopwatch.StartNew();
            var arguments = default(JsonElement);
            // One path for every call: unknown tools, parse errors, the request from the tool's resolved paths, the gate, the run.
            var outcome = await _tools.InvokeAsync(
                call,
                _toolContext,
                _gate,
                a =>
                {
                    arguments = a.Arguments;
                    conversation.Emit(new ToolCallStarted(step, call.CallId, a.Tool, a.Arguments, a.Summary, a.Allowed, a.Reason));
                },
                ct).ConfigureAwait(false);
            var result = outcome.Result;
            string? fatal = null;
            if (outcome.Failure is { } failure)
            {
                // A throw is a harness failure: the model saw only the generic text, the details go to the transcript, and the run
                // stops with a typed status (the tool's state is unknown and retrying cannot fix the harness). The message names no
                // exception text either, because a sub-agent's run message goes back to its parent model.
                conversation.Emit(new HarnessError(step, call.CallId, call.Name, failure.GetType().FullName ?? failure.GetType().Name, failure.Message, failure.StackTrace ?? "", failure.InnerException?.ToString()));
                fatal = $"tool '{call.Name}' failed unexpectedly; the details are in the transcript (harness_error)";
            }
            conversation.Emit(new ToolCallFinished(step, call.CallId, call.Name, result.IsError, result.Content, result.ChangedPaths, clock.ElapsedMilliseconds));
            results.Add(new FunctionResultContent(call.CallId, result.Content));
            signature.Append(call.Name).Append('\u0001').Append(arguments.GetRawText()).Append('\u0001').Append(result.Content).Append('\u0002');
            if (fatal is not null)
            {
                foreach (var skipped in calls.SkipWhile(c => c != call).Skip(1))
                {
                    results.Add(new FunctionResultContent(skipped.CallId, "not run: the run stopped after a harness failure"));
                }
                return (results, signature.ToString(), fatal);
            }
        }
        return (results, signature.ToString(), null);
    }

    /// <summary>Gives every tool call without a result one, so the history stays valid for the next request.</summary>
    private static void CloseOpenCalls(AgentConversation conversation, string reason)
    {
        var last = conversation.Messages.Count == 0 ? null : conversation.Messages[^1];
        if (last?.Role == ChatRole.Assistant && last.Contents.OfType<FunctionCallContent>().ToList() is { Count: > 0 } open)
        {
            conversation.Add(new ChatMessage(ChatRole.Tool, [.. open.Select(c => (AIContent)new FunctionResultContent(c.CallId, reason))]));
        }
    }

    private static UsageTotals Subtract(UsageTotals a, UsageTotals b) => new(
        new TokenUsage(
            a.Tokens.InputTokens - b.Tokens.InputTokens,
            a.Tokens.OutputTokens - b.Tokens.OutputTokens,
            a.Tokens.CacheWriteTokens - b.Tokens.CacheWriteTokens,
            a.Tokens.CacheReadTokens - b.Tokens.CacheReadTokens,
            a.Tokens.CacheWrite1hTokens - b.Tokens.CacheWrite1hTokens,
            a.Tokens.ReasoningTokens - b.Tokens.ReasoningTokens),
        a.CostUsd - b.CostUsd,
        a.Calls - b.Calls);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

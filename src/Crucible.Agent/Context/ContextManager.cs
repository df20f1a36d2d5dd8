using System.Text;
using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Core.Usage;
using Crucible.Models;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Context;

/// <summary>
/// When compaction happens and what it keeps. Defaults: a 200,000-token window, compaction at 80% of it,
/// the last 4 turns kept verbatim, the summary limited to 4,096 output tokens.
/// </summary>
public sealed record ContextPolicy
{
    /// <summary>The model's context window in tokens. Default 200,000.</summary>
    public long WindowTokens { get; init; } = 200_000;

    /// <summary>Compact when the estimated prompt reaches this fraction of the window. Default 0.8.</summary>
    public double CompactAtFraction { get; init; } = 0.8;

    /// <summary>Turns (an assistant message with its tool results) kept verbatim at the end. Default 4.</summary>
    public int KeepLastTurns { get; init; } = 4;

    /// <summary>Output tokens allowed for the summary. Default 4,096.</summary>
    public int SummaryMaxOutputTokens { get; init; } = 4_096;

    /// <summary>The instructions the model gets to write the summary.</summary>
    public string SummaryPrompt { get; init; } = DefaultSummaryPrompt;

    /// <summary>The default summary instructions.</summary>
    public const string DefaultSummaryPrompt = """
        You are summarizing the earlier part of a coding session so the work can continue in a smaller context.
        Write a concise summary that lets the agent continue without the original messages:
        1. the goal and the user's requests, in their own words where they matter;
        2. what was done: files read and changed (with paths), commands run and what they showed;
        3. facts learned about the code (names, signatures, conventions, failing tests and why);
        4. what remains to do and any open problem.
        Keep exact paths, identifiers and error messages. Do not invent anything; do not call tools.
        """;
}

/// <summary>
/// Counts a conversation's tokens and, near the window, replaces older turns with a summary written by
/// the model. The new history keeps verbatim: the system prompt (instruction files, notes at session
/// start), the current notes file, the todo list, the user's last request and the last
/// <see cref="ContextPolicy.KeepLastTurns"/> turns.
/// </summary>
public sealed class ContextManager(ContextPolicy policy, string workspaceRoot, IEnumerable<AITool>? tools = null)
{
    /// <summary>Marks the messages the harness adds (in <see cref="ChatMessage.AdditionalProperties"/>) so they are not mistaken for the user's requests.</summary>
    public const string KindProperty = "crucible_kind";

    /// <summary>The name of the tool whose last result is the todo list.</summary>
    public const string TodoToolName = "todo";

    private readonly long _toolTokens = tools is null ? 0 : TokenEstimator.Estimate(tools);
    private long? _knownPromptTokens;
    private int _knownPromptCount;

    /// <summary>The policy.</summary>
    public ContextPolicy Policy => policy;

    /// <summary>
    /// Estimated prompt tokens: the provider's count for the last prompt, when known and still a prefix,
    /// plus the estimate of the messages added since; otherwise the estimate of everything.
    /// </summary>
    public long EstimatePrompt(IReadOnlyList<ChatMessage> messages) =>
        _knownPromptTokens is { } known && messages.Count >= _knownPromptCount
            ? known + TokenEstimator.Estimate(messages.Skip(_knownPromptCount))
            : _toolTokens + TokenEstimator.Estimate(messages);

    /// <summary>True when the prompt is near the window.</summary>
    public bool ShouldCompact(IReadOnlyList<ChatMessage> messages) => EstimatePrompt(messages) >= policy.WindowTokens * policy.CompactAtFraction;

    /// <summary>Remembers the provider's input count for a prompt of <paramref name="promptCount"/> messages.</summary>
    public void ObserveUsage(UsageDetails? usage, int promptCount)
    {
        if (usage?.InputTokenCount is { } input)
        {
            _knownPromptTokens = input;
            _knownPromptCount = promptCount;
        }
    }

    /// <summary>Compacts <paramref name="conversation"/> in place (recorded as a <see cref="Compacted"/> event). Does nothing when there are no older turns to fold.</summary>
    public async Task CompactAsync(IChatClient client, AgentConversation conversation, AgentBudget budget, Func<UsageDetails, decimal?>? pricing, CancellationToken ct)
    {
        var messages = conversation.Messages;
        var head = messages.Count > 0 && messages[0].Role == ChatRole.System ? 1 : 0;
        var tailStart = TailStart(messages, head, policy.KeepLastTurns);
        if (tailStart <= head)
        {
            return;
        }
        var before = EstimatePrompt(messages);
        var older = messages.Skip(head).Take(tailStart - head).ToList();
        var todo = LastTodo(messages);
        var lastRequest = LastUserRequest(messages);

        var request = new List<ChatMessage>
        {
            new(ChatRole.System, policy.SummaryPrompt),
            new(ChatRole.User, Render(older)),
        };
        var response = await client.GetResponseAsync(request, new ChatOptions { MaxOutputTokens = policy.SummaryMaxOutputTokens }, ct).ConfigureAwait(false);
        var details = response.Usage ?? new UsageDetails { InputTokenCount = TokenEstimator.Estimate(request), OutputTokenCount = TokenEstimator.Estimate(response.Messages) };
        budget.Charge(new UsageTotals(UsageConversion.ToTokenUsage(details), Loop.AgentLoop.IsCacheReplay(response) ? 0m : pricing?.Invoke(details) ?? 0m, 1));

        var summary = new ChatMessage(ChatRole.User, ComposeSummary(response.Text, SystemPrompt.ReadNotes(workspaceRoot), todo, lastRequest));
        summary.AdditionalProperties = new AdditionalPropertiesDictionary { [KindProperty] = "compaction", ["crucible_todo"] = todo, ["crucible_request"] = lastRequest };
        var history = messages.Take(head).Append(summary).Concat(messages.Skip(tailStart)).ToList();
        _knownPromptTokens = null;
        conversation.Replace(history, before, EstimatePrompt(history));
    }

    /// <summary>The summary message's text: the model's summary, then the pinned items verbatim.</summary>
    public static string ComposeSummary(string summary, string? notes, string? todo, string? lastRequest)
    {
        var sb = new StringBuilder("[Earlier turns of this session were compacted. Summary:]\n").Append(summary.Trim()).Append('\n');
        if (!string.IsNullOrWhiteSpace(notes))
        {
            sb.Append("\n[Notes, ").Append(SystemPrompt.NotesPath).Append(", verbatim:]\n").Append(notes).Append('\n');
        }
        if (!string.IsNullOrWhiteSpace(todo))
        {
            sb.Append("\n[Todo list, verbatim:]\n").Append(todo).Append('\n');
        }
        if (!string.IsNullOrWhiteSpace(lastRequest))
        {
            sb.Append("\n[The user's last request, verbatim:]\n").Append(lastRequest).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Index where the kept tail begins: the assistant message that starts the N-th turn from the end.
    /// Starting at an assistant message keeps every tool result with its call.
    /// </summary>
    private static int TailStart(IReadOnlyList<ChatMessage> messages, int head, int keepTurns)
    {
        var turns = 0;
        for (var i = messages.Count - 1; i >= head; i--)
        {
            if (messages[i].Role == ChatRole.Assistant && ++turns == keepTurns)
            {
                return i;
            }
        }
        return head;
    }

    /// <summary>The text of the last result of the <c>todo</c> tool, or the todo pinned by an earlier compaction.</summary>
    public static string? LastTodo(IReadOnlyList<ChatMessage> messages)
    {
        var todoCalls = new HashSet<string>(StringComparer.Ordinal);
        string? last = null;
        foreach (var m in messages)
        {
            if (m.AdditionalProperties?.TryGetValue("crucible_todo", out var pinned) == true && Text(pinned) is { } p)
            {
                last = p;
            }
            foreach (var c in m.Contents)
            {
                if (c is FunctionCallContent call && call.Name == TodoToolName)
                {
                    todoCalls.Add(call.CallId);
                }
                else if (c is FunctionResultContent r && todoCalls.Contains(r.CallId) && Text(r.Result) is { } text)
                {
                    last = text;
                }
            }
        }
        return last;
    }

    /// <summary>The last message the user wrote (not a nudge or a summary), or the one pinned by an earlier compaction.</summary>
    public static string? LastUserRequest(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            if (m.Role != ChatRole.User)
            {
                continue;
            }
            if (m.AdditionalProperties?.TryGetValue(KindProperty, out var kind) == true)
            {
                if (Text(kind) == "compaction" && m.AdditionalProperties.TryGetValue("crucible_request", out var pinned) && Text(pinned) is { } p)
                {
                    return p;
                }
                continue;
            }
            if (m.Contents.OfType<TextContent>().Any())
            {
                return m.Text;
            }
        }
        return null;
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        JsonElement e => e.GetRawText(),
        var other => other.ToString(),
    };

    /// <summary>Renders turns as plain text for the summarizer.</summary>
    private static string Render(IEnumerable<ChatMessage> messages)
    {
        var sb = new StringBuilder("Summarize this part of the session:\n");
        foreach (var m in messages)
        {
            foreach (var c in m.Contents)
            {
                switch (c)
                {
                    case TextContent t when !string.IsNullOrWhiteSpace(t.Text):
                        sb.Append('\n').Append(m.Role.Value).Append(": ").Append(t.Text);
                        break;
                    case FunctionCallContent call:
                        sb.Append("\ntool call ").Append(call.Name).Append(' ').Append(JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions));
                        break;
                    case FunctionResultContent r:
                        sb.Append("\ntool result: ").Append(Text(r.Result));
                        break;
                }
            }
        }
        return sb.ToString();
    }
}

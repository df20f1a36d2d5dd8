using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Loop;

/// <summary>
/// Something that happened in a session. Every event except <see cref="AssistantTextDelta"/> is a line
/// of the transcript; the same JSON is what <c>--output-format stream-json</c> prints.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SessionStarted), "session_start")]
[JsonDerivedType(typeof(MessageAdded), "message")]
[JsonDerivedType(typeof(AssistantText), "assistant_text")]
[JsonDerivedType(typeof(AssistantTextDelta), "assistant_delta")]
[JsonDerivedType(typeof(ToolCallStarted), "tool_call")]
[JsonDerivedType(typeof(ToolCallFinished), "tool_result")]
[JsonDerivedType(typeof(HarnessError), "harness_error")]
[JsonDerivedType(typeof(UsageRecorded), "usage")]
[JsonDerivedType(typeof(Nudged), "nudge")]
[JsonDerivedType(typeof(Compacted), "compaction")]
[JsonDerivedType(typeof(VerdictRecorded), "verdict")]
[JsonDerivedType(typeof(ReviewRecorded), "review")]
[JsonDerivedType(typeof(StepCompleted), "step")]
[JsonDerivedType(typeof(RunEnded), "result")]
[JsonDerivedType(typeof(SubAgentEvent), "subagent")]
public abstract record AgentEvent
{
    /// <summary>When it happened (UTC).</summary>
    public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>A session started or was resumed.</summary>
/// <param name="SessionId">Session id.</param>
/// <param name="Cwd">Workspace root.</param>
/// <param name="Task">Task id, or null for a repository session.</param>
/// <param name="Model">Model spec, when known.</param>
/// <param name="Resumed">True when an earlier session was restored.</param>
public sealed record SessionStarted(string SessionId, string Cwd, string? Task, string? Model, bool Resumed) : AgentEvent;

/// <summary>A message joined the conversation. Restoring a session replays exactly these (after the last <see cref="Compacted"/>).</summary>
/// <param name="Message">The message, with its tool calls and results.</param>
public sealed record MessageAdded([property: JsonConverter(typeof(ChatMessageJsonConverter))] ChatMessage Message) : AgentEvent;

/// <summary>The text of an assistant answer (for display; the message itself is in <see cref="MessageAdded"/>).</summary>
/// <param name="Step">1-based step.</param>
/// <param name="Text">The text.</param>
public sealed record AssistantText(int Step, string Text) : AgentEvent;

/// <summary>A piece of assistant text while it streams (shown, never stored).</summary>
/// <param name="Text">The new text.</param>
public sealed record AssistantTextDelta(string Text) : AgentEvent;

/// <summary>A tool call and the permission decision on it.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="CallId">The model's call id.</param>
/// <param name="Tool">Tool name.</param>
/// <param name="Arguments">Arguments as the model sent them.</param>
/// <param name="Summary">One line for the user.</param>
/// <param name="Allowed">The gate's decision.</param>
/// <param name="Reason">The gate's reason.</param>
public sealed record ToolCallStarted(int Step, string CallId, string Tool, JsonElement Arguments, string Summary, bool Allowed, string Reason) : AgentEvent;

/// <summary>A tool call's result, as the model sees it.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="CallId">The model's call id.</param>
/// <param name="Tool">Tool name.</param>
/// <param name="IsError">True for errors and denials.</param>
/// <param name="Content">The text returned to the model.</param>
/// <param name="ChangedPaths">Files the call changed.</param>
/// <param name="DurationMs">How long the call ran.</param>
public sealed record ToolCallFinished(int Step, string CallId, string Tool, bool IsError, string Content, IReadOnlyList<string> ChangedPaths, long DurationMs) : AgentEvent;

/// <summary>
/// A tool threw: a failure of the harness, not of the model's call. The model saw only a generic message
/// (<c>ToolRegistry.UnexpectedFailureMessage</c>); the details are recorded here, for the user, and the run ends with status <c>error</c>.
/// </summary>
/// <param name="Step">1-based step.</param>
/// <param name="CallId">The model's call id.</param>
/// <param name="Tool">Tool name.</param>
/// <param name="ExceptionType">The exception's full type name.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StackTrace">Where it was thrown.</param>
/// <param name="InnerException">The inner exception with its stack, when there is one.</param>
public sealed record HarnessError(int Step, string CallId, string Tool, string ExceptionType, string Message, string StackTrace, string? InnerException) : AgentEvent;

/// <summary>Usage of one model call and the run's totals so far.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="Tokens">This call's tokens.</param>
/// <param name="CostUsd">This call's cost, null when the price is unknown.</param>
/// <param name="Totals">Totals of the run so far (sub-agents included).</param>
public sealed record UsageRecorded(int Step, TokenUsage Tokens, decimal? CostUsd, UsageTotals Totals) : AgentEvent;

/// <summary>The stuck detector nudged the model.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="Reason">What repeated.</param>
public sealed record Nudged(int Step, string Reason) : AgentEvent;

/// <summary>Older turns were replaced by a summary; <see cref="History"/> is the whole conversation from here on.</summary>
/// <param name="Step">1-based step at which it happened.</param>
/// <param name="TokensBefore">Estimated prompt tokens before.</param>
/// <param name="TokensAfter">Estimated prompt tokens after.</param>
/// <param name="History">The compacted conversation.</param>
public sealed record Compacted(int Step, long TokensBefore, long TokensAfter, [property: JsonConverter(typeof(ChatMessageListJsonConverter))] IReadOnlyList<ChatMessage> History) : AgentEvent;

/// <summary>The harness's verdict after the agent said it was done.</summary>
/// <param name="Verdict">The verdict.</param>
public sealed record VerdictRecorded(Verdict Verdict) : AgentEvent;

/// <summary>The constitution review ran after the model said it was done.</summary>
/// <param name="Step">1-based step at which the model said it was done.</param>
/// <param name="Round">1-based review of this run.</param>
/// <param name="Source">The change reviewed (e.g. <c>working tree vs COMMIT</c>).</param>
/// <param name="Integrity">Integrity findings; any of them means the change is not done.</param>
/// <param name="QualityFindings">Findings of the quality checks (reported, never fed back).</param>
/// <param name="Errors">Checks that failed to run.</param>
/// <param name="FedBack">True when the findings went back to the model as a critique and the run went on.</param>
public sealed record ReviewRecorded(int Step, int Round, string Source, IReadOnlyList<IntegrityFlag> Integrity, int QualityFindings, IReadOnlyList<string> Errors, bool FedBack) : AgentEvent;

/// <summary>A step finished; the transcript is flushed to disk here.</summary>
/// <param name="Step">1-based step.</param>
public sealed record StepCompleted(int Step) : AgentEvent;

/// <summary>The run (one user request) ended.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Message">Details for a non-completed status.</param>
/// <param name="Steps">Steps taken in this run.</param>
/// <param name="Usage">Usage of this run (sub-agents included).</param>
/// <param name="VerdictStatus">The verdict's status, when a verdict was produced.</param>
/// <param name="Passed">True when the verdict counts as a pass.</param>
/// <param name="FinalText">The last assistant text.</param>
public sealed record RunEnded(
    [property: JsonConverter(typeof(AgentRunStatusJsonConverter))] AgentRunStatus Status,
    string? Message, int Steps, UsageTotals Usage, VerdictStatus? VerdictStatus, bool? Passed, string? FinalText) : AgentEvent;

/// <summary>An event of a sub-agent started by the <c>task</c> tool, recorded in the parent's transcript (never replayed into the parent's conversation).</summary>
/// <param name="Description">The task's short title.</param>
/// <param name="Event">The sub-agent's event.</param>
public sealed record SubAgentEvent(string Description, AgentEvent Event) : AgentEvent;

/// <summary>Receives the events of a session (transcript, console, stream-json output).</summary>
public interface IAgentEventSink
{
    /// <summary>Called for every event, on the loop's thread, in order.</summary>
    void OnEvent(AgentEvent e);
}

/// <summary>JSON settings for events: camelCase, enums as strings, Microsoft.Extensions.AI content types with their discriminators.</summary>
public static class AgentJson
{
    /// <summary>The options events and transcripts are written with.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
                AIJsonUtilities.DefaultOptions.TypeInfoResolver, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.MakeReadOnly();
        return o;
    }
}

/// <summary>Writes <see cref="ChatMessage"/> with the Microsoft.Extensions.AI serializer, so tool calls and results round-trip.</summary>
public sealed class ChatMessageJsonConverter : JsonConverter<ChatMessage>
{
    /// <inheritdoc />
    public override ChatMessage? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<ChatMessage>(ref reader, AIJsonUtilities.DefaultOptions);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ChatMessage value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, AIJsonUtilities.DefaultOptions);
}

/// <summary>A list of <see cref="ChatMessage"/> written with <see cref="ChatMessageJsonConverter"/>.</summary>
public sealed class ChatMessageListJsonConverter : JsonConverter<IReadOnlyList<ChatMessage>>
{
    /// <inheritdoc />
    public override IReadOnlyList<ChatMessage>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<List<ChatMessage>>(ref reader, AIJsonUtilities.DefaultOptions);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, AIJsonUtilities.DefaultOptions);
}

/// <summary>Writes <see cref="AgentRunStatus"/> as its wire name (<c>max-steps</c>).</summary>
public sealed class AgentRunStatusJsonConverter : JsonConverter<AgentRunStatus>
{
    /// <inheritdoc />
    public override AgentRunStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        AgentRunStatuses.FromWire(reader.GetString()) ?? throw new JsonException($"unknown run status '{reader.GetString()}'");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, AgentRunStatus value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToWire());
}

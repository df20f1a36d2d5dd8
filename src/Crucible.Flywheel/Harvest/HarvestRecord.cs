using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crucible.Flywheel.Harvest;

/// <summary>One tool call of an assistant message; the arguments are kept as the JSON object the model sent.</summary>
/// <param name="Id">The call id.</param>
/// <param name="Name">The tool.</param>
/// <param name="Arguments">The arguments object.</param>
public sealed record HarvestToolCall(string Id, string Name, JsonElement Arguments);

/// <summary>One message of an attempt's conversation.</summary>
/// <param name="Role"><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The text (empty for an assistant message that only calls tools).</param>
/// <param name="ToolCalls">The tool calls of an assistant message, or null.</param>
/// <param name="ToolCallId">For a tool message: the call it answers.</param>
/// <param name="Name">For a tool message: the tool's name.</param>
public sealed record HarvestMessage(string Role, string Content, IReadOnlyList<HarvestToolCall>? ToolCalls = null, string? ToolCallId = null, string? Name = null);

/// <summary>A tool the model was offered.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Description">Its description.</param>
/// <param name="Parameters">The JSON schema of its arguments.</param>
public sealed record HarvestTool(string Name, string Description, JsonElement Parameters);

/// <summary>Where a record comes from. Every dataset row carries it.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Model">The model (or solver, when no model was involved).</param>
/// <param name="CrucibleVersion">The version of Crucible that harvested it.</param>
/// <param name="ConstitutionHash">SHA-256 of the constitution the attempt was scored against.</param>
/// <param name="Verdict">The verdict status.</param>
/// <param name="Integrity">Integrity flags (rule ids), sorted.</param>
/// <param name="RunId">The eval run or session.</param>
/// <param name="Attempt">The attempt (sample) number.</param>
/// <param name="PromptSha256">SHA-256 of the prompt messages (canonical JSON).</param>
public sealed record HarvestProvenance(string TaskId, string Model, string CrucibleVersion, string ConstitutionHash, string Verdict, IReadOnlyList<string> Integrity, string RunId, int Attempt, string PromptSha256)
{
    /// <summary>
    /// The eval failure taxonomy outcome (<c>passed</c>, <c>tests-failed</c>, <c>build-failed</c>, <c>timeout-or-limit</c>,
    /// <c>forged</c>, <c>integrity-flagged</c>, <c>solver-error</c>; see <see cref="Eval.AttemptOutcome"/>). A session's is
    /// the one its last verdict implies; null when it was never verified. <c>model-error</c> and <c>harness-error</c>
    /// never appear: those attempts are not the solver's behaviour and are not harvested.
    /// </summary>
    public string? Outcome { get; init; }

    /// <summary>The 0-based independent sample (<c>eval --samples</c>) of the attempt; repeats of one sample share it. 0 for sessions.</summary>
    public int Sample { get; init; }
}

/// <summary>One critique → revision round whose revision the harness re-verified and kept.</summary>
/// <param name="PrincipleId">The principle the critique applied.</param>
/// <param name="CritiqueRequest">The critique request sent to the model.</param>
/// <param name="Critique">The model's critique.</param>
/// <param name="RevisionRequest">The revision request.</param>
/// <param name="Revision">The model's revision, verbatim.</param>
public sealed record HarvestCritique(string PrincipleId, string CritiqueRequest, string Critique, string RevisionRequest, string Revision);

/// <summary>
/// The canonical record: one attempt, stored once, from which every dataset format is written. Schema
/// <see cref="SchemaName"/> version <see cref="Version"/>.
/// </summary>
public sealed record HarvestRecord
{
    /// <summary>The schema name of this record.</summary>
    public const string SchemaName = "crucible.harvest.record";

    /// <summary>The schema version of this record.</summary>
    /// <remarks>Version 2 added the provenance's <c>outcome</c> (failure taxonomy) and <c>sample</c>.</remarks>
    public const int Version = 2;

    /// <summary>Schema name (<see cref="SchemaName"/>).</summary>
    public string Schema { get; init; } = SchemaName;

    /// <summary>Schema version (<see cref="Version"/>).</summary>
    public int SchemaVersion { get; init; } = Version;

    /// <summary>Stable id: a hash of the source, run, task and attempt.</summary>
    public required string Id { get; init; }

    /// <summary><c>eval</c>, <c>session</c> or <c>revision</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The task (for a repository session, the repository and request).</summary>
    public required string TaskId { get; init; }

    /// <summary>The suite the task came from, when known (the RL prompts name it so a trainer can call the verifier).</summary>
    public string? Suite { get; init; }

    /// <summary>The task's language, when known.</summary>
    public string? Language { get; init; }

    /// <summary>The solver (<c>agent</c>, <c>files</c>, ...).</summary>
    public required string Solver { get; init; }

    /// <summary>The whole conversation, prompt first.</summary>
    public required IReadOnlyList<HarvestMessage> Messages { get; init; }

    /// <summary>How many leading messages of <see cref="Messages"/> form the prompt (system and first user message).</summary>
    public required int PromptLength { get; init; }

    /// <summary>The tools offered.</summary>
    public IReadOnlyList<HarvestTool> Tools { get; init; } = [];

    /// <summary>The candidate's change as a unified diff (empty when unknown).</summary>
    public string CandidateDiff { get; init; } = "";

    /// <summary>Tests passed, with no integrity flag from the verifier or the constitution's review.</summary>
    public required bool Verified { get; init; }

    /// <summary>True when an integrity check flagged the attempt.</summary>
    public required bool Flagged { get; init; }

    /// <summary>Share of the constitution's automated principles (by weight) the candidate satisfied, in [0, 1]; null when not scored.</summary>
    public double? ConstitutionScore { get; init; }

    /// <summary>Each automated principle: true when its checks found nothing. Sorted by id.</summary>
    public IReadOnlyDictionary<string, bool> Principles { get; init; } = new SortedDictionary<string, bool>(StringComparer.Ordinal);

    /// <summary>Model cost, when known.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>For a revision: the record it revised.</summary>
    public string? RevisedFrom { get; init; }

    /// <summary>For a revision: the kept critique → revision rounds.</summary>
    public IReadOnlyList<HarvestCritique> Critiques { get; init; } = [];

    /// <summary>Provenance.</summary>
    public required HarvestProvenance Provenance { get; init; }

    /// <summary>The prompt messages.</summary>
    [JsonIgnore]
    public IReadOnlyList<HarvestMessage> Prompt => [.. Messages.Take(PromptLength)];

    /// <summary>The completion messages (after the prompt).</summary>
    [JsonIgnore]
    public IReadOnlyList<HarvestMessage> Completion => [.. Messages.Skip(PromptLength)];

    /// <summary>JSON of canonical records and dataset rows: camelCase, compact, text written as it is (no <c>\uXXXX</c> for quotes or non-ASCII).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Hex SHA-256 of UTF-8 text.</summary>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>SHA-256 of the prompt messages as canonical JSON.</summary>
    public static string PromptHash(IEnumerable<HarvestMessage> prompt) => Sha256(JsonSerializer.Serialize(prompt.ToList(), Json));
}

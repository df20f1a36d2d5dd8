using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core.Verification;

namespace Crucible.Server;

/// <summary>A task of one of the suites the server was started with.</summary>
/// <param name="Suite">The suite's name (<c>--suite NAME=PATH</c>, or the folder's name).</param>
/// <param name="Id">The task's id within the suite.</param>
public sealed record TaskReference(
    [property: JsonPropertyName("suite")] string? Suite,
    [property: JsonPropertyName("id")] string? Id);

/// <summary>A task sent with the request: the files of a native task folder (<c>task.yaml</c>, <c>workspace/...</c>, ...).</summary>
/// <param name="Files">Path in the task folder → UTF-8 content.</param>
public sealed record InlineTask([property: JsonPropertyName("files")] Dictionary<string, string>? Files);

/// <summary>
/// <c>POST /v1/verify</c>: a task (<see cref="Task"/> or <see cref="InlineTask"/>) and a candidate, given as files over
/// the task's starting workspace (<see cref="Files"/>) or as a unified diff against it (<see cref="Diff"/>).
/// </summary>
public sealed record VerifyRequest
{
    /// <summary>A task of a served suite.</summary>
    [JsonPropertyName("task")] public TaskReference? Task { get; init; }

    /// <summary>A task sent inline.</summary>
    [JsonPropertyName("inline_task")] public InlineTask? InlineTask { get; init; }

    /// <summary>Workspace-relative path → content, written over the starting files.</summary>
    [JsonPropertyName("files")] public Dictionary<string, string>? Files { get; init; }

    /// <summary>A unified diff (<c>git diff</c> output) applied to the starting files.</summary>
    [JsonPropertyName("diff")] public string? Diff { get; init; }

    /// <summary>A model's free-text answer: its last fenced code block becomes the task's one editable file.</summary>
    [JsonPropertyName("response")] public string? Response { get; init; }
}

/// <summary>The answer to a verification: the verdict exactly as <c>crucible eval</c> stores it, and the reward it gives.</summary>
public sealed record VerifyResult
{
    /// <summary>Schema name of this record.</summary>
    [JsonPropertyName("schema")] public string Schema { get; init; } = "crucible.verify-result";

    /// <summary>Schema version of this record.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;

    /// <summary>The task graded, as <c>suite/id</c> (or <c>inline/id</c>).</summary>
    [JsonPropertyName("task")] public required string Task { get; init; }

    /// <summary>1.0 when the verdict counts as a pass (tests passed, no integrity flag), else 0.0.</summary>
    [JsonPropertyName("reward")] public required double Reward { get; init; }

    /// <summary>The verdict, serialised as the result store serialises it.</summary>
    [JsonPropertyName("verdict")] public required JsonElement Verdict { get; init; }

    /// <summary>The status, for metrics and quick reads.</summary>
    [JsonIgnore] public VerdictStatus Status { get; init; }
}

/// <summary><c>POST /v1/verify/batch</c>: up to <see cref="ServerPolicy.MaxBatch"/> verifications.</summary>
/// <param name="Items">The verifications.</param>
public sealed record BatchRequest([property: JsonPropertyName("items")] List<VerifyRequest>? Items);

/// <summary>The ids of the jobs a batch started, in the order of its items.</summary>
/// <param name="JobIds">One id per item.</param>
public sealed record BatchResponse([property: JsonPropertyName("job_ids")] IReadOnlyList<string> JobIds);

/// <summary>A batch job: <c>queued</c>, <c>running</c>, <c>done</c> (with <see cref="Result"/>) or <c>failed</c> (with <see cref="Error"/>).</summary>
public sealed record JobView
{
    /// <summary>The job id.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>done</c>, <c>failed</c>.</summary>
    [JsonPropertyName("state")] public required string State { get; init; }

    /// <summary>The result once done.</summary>
    [JsonPropertyName("result")] public VerifyResult? Result { get; init; }

    /// <summary>Why the job failed (bad input found late, or a harness fault).</summary>
    [JsonPropertyName("error")] public ErrorDetail? Error { get; init; }
}

/// <summary>
/// OpenRLHF's remote reward request (<c>--remote_rm_url</c>): <c>query</c> holds prompt + response texts,
/// <c>prompts</c> the prompts, <c>labels</c> the references, here task names <c>suite/id</c>.
/// </summary>
public sealed record RewardRequest
{
    /// <summary>Prompt plus response, one per sample.</summary>
    [JsonPropertyName("query")] public List<string>? Query { get; init; }

    /// <summary>The prompts, one per sample (the response is what follows the prompt in the query).</summary>
    [JsonPropertyName("prompts")] public List<string>? Prompts { get; init; }

    /// <summary>The task of each sample, <c>suite/id</c>.</summary>
    [JsonPropertyName("labels")] public List<string>? Labels { get; init; }
}

/// <summary>OpenRLHF's remote reward response.</summary>
/// <param name="Rewards">The reward of each sample (1.0 verified, 0.0 not).</param>
/// <param name="Scores">The same values (OpenRLHF reads <c>scores</c> for dynamic filtering).</param>
/// <param name="ExtraLogs">Per-sample values OpenRLHF logs: the verdict status and tests passed.</param>
public sealed record RewardResponse(
    [property: JsonPropertyName("rewards")] IReadOnlyList<double> Rewards,
    [property: JsonPropertyName("scores")] IReadOnlyList<double> Scores,
    [property: JsonPropertyName("extra_logs")] IReadOnlyDictionary<string, IReadOnlyList<double>> ExtraLogs);

/// <summary>A served task, as <c>GET /v1/tasks</c> and the MCP <c>list_tasks</c> tool list it.</summary>
/// <param name="Name">The name to use in requests and labels: <c>suite/id</c>.</param>
/// <param name="Language">The solution's language.</param>
/// <param name="Editable">Globs of the files a candidate may change.</param>
/// <param name="Instructions">The task statement (Markdown).</param>
public sealed record TaskInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("editable")] IReadOnlyList<string> Editable,
    [property: JsonPropertyName("instructions")] string Instructions);

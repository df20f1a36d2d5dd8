using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Crucible.Testing.OpenAI;

/// <summary>
/// The OpenAI Batch API side of <see cref="OpenAIWireServer"/>, as documented: <c>POST /v1/files</c> (multipart, purpose
/// <c>batch</c>), <c>POST /v1/batches</c> (endpoint <c>/v1/chat/completions</c>, completion window <c>24h</c>),
/// <c>GET /v1/batches/{id}</c>, <c>GET /v1/batches</c>, <c>GET /v1/files/{id}/content</c>. Batches follow the lifecycle every
/// wire server shares (<see cref="WireBatch"/>); output and error files list their lines in reverse order, so callers
/// must match by custom_id. Every input line is checked (custom_id present and unique, method, url, model, and the same
/// body checks as a direct chat completion) and problems go to <see cref="Violations"/>.
/// </summary>
public sealed partial class OpenAIWireServer
{
    private readonly ConcurrentDictionary<string, (string Purpose, string Content)> _files = new();
    private readonly ConcurrentDictionary<string, WireBatch> _batches = new();
    private readonly ConcurrentDictionary<string, JsonObject> _batchMetadata = new();
    private int _fileCounter;
    private int _batchCounter;

    /// <summary>GETs of a batch that answer <c>in_progress</c> before it completes (default 2).</summary>
    public int PollsUntilBatchEnds { get; set; } = 2;

    /// <summary>Decides each batch request's outcome from its custom_id and body; the default answers "ok: " plus the custom_id.</summary>
    public Func<string, JsonObject, BatchOutcome> BatchResponder { get; set; }

    /// <summary>The uploaded batch input lines (each with <c>custom_id</c>, <c>method</c>, <c>url</c>, <c>body</c>), in upload order.</summary>
    public IReadOnlyList<JsonObject> BatchInputLines => [.. _files.OrderBy(f => f.Key, StringComparer.Ordinal).Where(f => f.Value.Purpose == "batch")
        .SelectMany(f => f.Value.Content.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => JsonNode.Parse(l)!.AsObject())];

    /// <summary>A chat completion object as OpenAI returns it, with one assistant text answer.</summary>
    public static JsonObject CompletionBody(string model, string text, int promptTokens = 11, int completionTokens = 7) => new()
    {
        ["id"] = "chatcmpl-local-batch",
        ["object"] = "chat.completion",
        ["created"] = 1780944545,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text, ["refusal"] = null },
            ["logprobs"] = null,
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
    };

    private static bool IsBatchPath(string path) => path.StartsWith("/v1/files", StringComparison.Ordinal) || path.StartsWith("/v1/batches", StringComparison.Ordinal);

    private async Task HandleBatchAsync(ReceivedRequest request, HttpContext context)
    {
        request.Headers.TryGetValue("authorization", out var authorization);
        if (Expectations.ApiKey is not null && authorization != "Bearer " + Expectations.ApiKey)
        {
            _violations.Enqueue($"{request.Method} {request.Path} without the key");
            await WriteAsync(context, OpenAIReply.Error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
            return;
        }
        var path = request.Path.Split('?')[0];
        var query = request.Path.Contains('?', StringComparison.Ordinal) ? request.Path[(request.Path.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";
        var batchMatch = Regex.Match(path, "^/v1/batches/(?<id>[^/]+)$");
        var fileMatch = Regex.Match(path, "^/v1/files/(?<id>[^/]+)/content$");
        switch (request.Method)
        {
            case "POST" when path == "/v1/files":
                await UploadAsync(request, context);
                break;
            case "POST" when path == "/v1/batches":
                await CreateBatchAsync(request, context);
                break;
            case "GET" when path == "/v1/batches":
                var limit = Regex.Match(query, "(^|&)limit=(?<n>\\d+)") is { Success: true } m ? int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) : 20;
                var data = new JsonArray([.. _batches.Values.OrderByDescending(b => b.Id, StringComparer.Ordinal).Take(limit).Select(b => (JsonNode)BatchJson(b))]);
                await WriteJsonAsync(context, 200, new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = false });
                break;
            case "GET" when batchMatch.Success && _batches.TryGetValue(batchMatch.Groups["id"].Value, out var batch):
                batch.Poll(PollsUntilBatchEnds, BatchResponder);
                await WriteJsonAsync(context, 200, BatchJson(batch));
                break;
            case "GET" when fileMatch.Success && _files.TryGetValue(fileMatch.Groups["id"].Value, out var file):
                await WriteAsync(context, new RawReply(200, "application/octet-stream", file.Content, new Dictionary<string, string>()));
                break;
            default:
                _violations.Enqueue($"unexpected {request.Method} {request.Path}");
                await WriteAsync(context, OpenAIReply.Error(404, $"Invalid URL ({request.Method} {request.Path})", "invalid_request_error"));
                break;
        }
    }

    private async Task UploadAsync(ReceivedRequest request, HttpContext context)
    {
        var parts = Multipart(request);
        if (parts is null || !parts.TryGetValue("purpose", out var purpose) || !parts.TryGetValue("file", out var content))
        {
            _violations.Enqueue("POST /v1/files: not multipart/form-data with 'purpose' and 'file'");
            await WriteAsync(context, OpenAIReply.Error(400, "Missing purpose or file.", "invalid_request_error"));
            return;
        }
        if (purpose != "batch")
        {
            _violations.Enqueue($"POST /v1/files: purpose '{purpose}', want 'batch'");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = content.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = JsonNode.Parse(lines[i]) as JsonObject;
            var id = (string?)line?["custom_id"];
            if (id is null || !seen.Add(id))
            {
                _violations.Enqueue($"batch input line {i + 1}: custom_id missing or repeated ({id})");
            }
            if ((string?)line?["method"] != "POST" || (string?)line?["url"] != "/v1/chat/completions")
            {
                _violations.Enqueue($"batch input line {i + 1}: method/url must be POST /v1/chat/completions");
            }
            if (line?["body"] is not JsonObject body)
            {
                _violations.Enqueue($"batch input line {i + 1}: no body");
                continue;
            }
            if ((string?)body["model"] != Expectations.Model)
            {
                _violations.Enqueue($"batch input line {i + 1}: model {(string?)body["model"]}, want {Expectations.Model}");
            }
            foreach (var problem in Check(body))
            {
                _violations.Enqueue($"batch input line {i + 1}: {problem}");
            }
        }
        var fileId = $"file-local{Interlocked.Increment(ref _fileCounter):D4}";
        _files[fileId] = (purpose, content);
        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["id"] = fileId,
            ["object"] = "file",
            ["bytes"] = Encoding.UTF8.GetByteCount(content),
            ["created_at"] = 1780944545,
            ["filename"] = "input.jsonl",
            ["purpose"] = purpose,
        });
    }

    private async Task CreateBatchAsync(ReceivedRequest request, HttpContext context)
    {
        var body = JsonNode.Parse(request.Body) as JsonObject;
        var inputId = (string?)body?["input_file_id"];
        string? problem = body is null ? "body is not a JSON object"
            : inputId is null || !_files.TryGetValue(inputId, out var input) || input.Purpose != "batch" ? $"input_file_id '{inputId}' is not an uploaded batch file"
            : (string?)body["endpoint"] != "/v1/chat/completions" ? $"endpoint '{(string?)body["endpoint"]}', want /v1/chat/completions"
            : (string?)body["completion_window"] != "24h" ? $"completion_window '{(string?)body["completion_window"]}', want 24h"
            : null;
        if (problem is not null)
        {
            _violations.Enqueue("POST /v1/batches: " + problem);
            await WriteAsync(context, OpenAIReply.Error(400, problem, "invalid_request_error"));
            return;
        }
        var requests = _files[inputId!].Content.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())
            .Select(l => ((string)l["custom_id"]!, l["body"]!.AsObject())).ToList();
        var batch = new WireBatch($"batch_local{Interlocked.Increment(ref _batchCounter):D4}", requests);
        _batches[batch.Id] = batch;
        _batchMetadata[batch.Id] = body!["metadata"] as JsonObject ?? [];
        _files[batch.Id + "-input"] = ("batch-meta", inputId!);
        await WriteJsonAsync(context, 200, BatchJson(batch));
    }

    private JsonObject BatchJson(WireBatch batch)
    {
        string? output = null, errors = null;
        if (batch.Ended)
        {
            output = batch.Id.Replace("batch_", "file-out-", StringComparison.Ordinal);
            errors = batch.Id.Replace("batch_", "file-err-", StringComparison.Ordinal);
            if (!_files.ContainsKey(output))
            {
                var ok = new StringBuilder();
                var failed = new StringBuilder();
                var n = 0;
                foreach (var (id, outcome) in batch.Outcomes.Reverse())
                {
                    var line = new JsonObject { ["id"] = $"batch_req_local{++n:D4}", ["custom_id"] = id };
                    switch (outcome)
                    {
                        case BatchOutcome.Succeeded s:
                            line["response"] = new JsonObject { ["status_code"] = 200, ["request_id"] = $"req_local{n:D4}", ["body"] = s.Message.DeepClone() };
                            line["error"] = null;
                            ok.Append(line.ToJsonString()).Append('\n');
                            break;
                        case BatchOutcome.Errored e:
                            line["response"] = new JsonObject
                            {
                                ["status_code"] = 400,
                                ["request_id"] = $"req_local{n:D4}",
                                ["body"] = new JsonObject { ["error"] = new JsonObject { ["message"] = e.Text, ["type"] = e.Type, ["param"] = null, ["code"] = null } },
                            };
                            line["error"] = null;
                            failed.Append(line.ToJsonString()).Append('\n');
                            break;
                        default:
                            line["response"] = null;
                            line["error"] = new JsonObject { ["code"] = "batch_expired", ["message"] = "This request could not be executed before the completion window expired." };
                            failed.Append(line.ToJsonString()).Append('\n');
                            break;
                    }
                }
                _files[errors] = ("batch_output", failed.ToString());
                _files[output] = ("batch_output", ok.ToString());
            }
            if (_files[errors].Content.Length == 0)
            {
                errors = null;
            }
        }
        var status = batch.Ended ? (batch.CancelRequested ? "cancelled" : "completed") : batch.Polls == 0 ? "validating" : "in_progress";
        return new JsonObject
        {
            ["id"] = batch.Id,
            ["object"] = "batch",
            ["endpoint"] = "/v1/chat/completions",
            ["errors"] = null,
            ["input_file_id"] = _files.TryGetValue(batch.Id + "-input", out var input) ? input.Content : null,
            ["completion_window"] = "24h",
            ["status"] = status,
            ["output_file_id"] = output,
            ["error_file_id"] = errors,
            ["created_at"] = batch.CreatedAt.ToUnixTimeSeconds(),
            ["request_counts"] = new JsonObject
            {
                ["total"] = batch.Requests.Count,
                ["completed"] = batch.Count(o => o is BatchOutcome.Succeeded),
                ["failed"] = batch.Count(o => o is not BatchOutcome.Succeeded),
            },
            ["metadata"] = _batchMetadata.TryGetValue(batch.Id, out var metadata) ? metadata.DeepClone() : null,
        };
    }

    /// <summary>The fields of a multipart/form-data body (text values), or null when it is not one.</summary>
    private static Dictionary<string, string>? Multipart(ReceivedRequest request)
    {
        if (!request.Headers.TryGetValue("content-type", out var type) || Regex.Match(type, "boundary=\"?(?<b>[^\";]+)\"?") is not { Success: true } b)
        {
            return null;
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in request.Body.Split("--" + b.Groups["b"].Value))
        {
            var split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split < 0)
            {
                continue;
            }
            var headers = part[..split];
            if (Regex.Match(headers, "name=\"?(?<n>[^\";\r\n]+)\"?") is { Success: true } name)
            {
                var value = part[(split + 4)..];
                fields[name.Groups["n"].Value] = value.EndsWith("\r\n", StringComparison.Ordinal) ? value[..^2] : value;
            }
        }
        return fields;
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonObject body) =>
        WriteAsync(context, new RawReply(status, "application/json", body.ToJsonString(), new Dictionary<string, string>()));
}

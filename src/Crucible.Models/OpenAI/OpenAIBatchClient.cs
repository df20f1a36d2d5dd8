using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Core;
using Crucible.Core.Usage;
using Crucible.Models.Batches;
using Microsoft.Extensions.AI;

namespace Crucible.Models.OpenAI;

/// <summary>
/// The OpenAI Batch API for chat completions, for OpenAI and any OpenAI-compatible server that implements it: the
/// requests go up as one JSONL file (<c>POST /v1/files</c>, purpose <c>batch</c>), a batch is created over it
/// (<c>POST /v1/batches</c>, endpoint <c>/v1/chat/completions</c>, completion window <c>24h</c>), polled
/// (<c>GET /v1/batches/{id}</c>) until it is <c>completed</c>, <c>failed</c>, <c>expired</c> or <c>cancelled</c>, and its
/// output and error files (<c>GET /v1/files/{id}/content</c>) are matched back by <c>custom_id</c> (their lines come in any order).
/// </summary>
/// <remarks>
/// Each request line's <c>body</c> is built by <see cref="OpenAICompatibleChatClient.BuildRequestBodyAsync"/> and each
/// answer read by <see cref="OpenAICompatibleChatClient.ReadCompletion"/>: the same request and the same mapping as a
/// direct call. The batch id is saved in the <see cref="ChatBatchStore"/> right after the batch is created and before
/// any polling, so a restarted process polls it and never submits again. The batch also carries the job's name in its
/// <c>metadata</c>; a job the store does not know is first looked for among the account's recent batches, which closes
/// the window between creating a batch and saving its id.
/// </remarks>
public sealed class OpenAIBatchClient : IChatBatchClient
{
    /// <summary>The endpoint every request line goes to.</summary>
    public const string Endpoint = "/v1/chat/completions";

    /// <summary>The only completion window the API accepts.</summary>
    public const string CompletionWindow = "24h";

    /// <summary>The batch metadata key holding the job's name.</summary>
    public const string JobMetadataKey = "crucible_job";

    private static readonly Uri DefaultBaseUrl = new("https://api.openai.com/v1/");
    private readonly OpenAICompatibleChatClient _chat;
    private readonly Uri _base;

    /// <summary>Creates a client over <paramref name="connection"/> remembering batches in <paramref name="store"/>.</summary>
    public OpenAIBatchClient(ProviderConnection connection, ChatBatchStore store, ChatBatchOptions? options = null)
    {
        Connection = connection;
        Store = store;
        Options = options ?? new ChatBatchOptions();
        _chat = new OpenAICompatibleChatClient(connection);
        var baseUrl = connection.BaseUrl ?? DefaultBaseUrl;
        _base = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
    }

    /// <inheritdoc />
    public ProviderConnection Connection { get; }

    /// <inheritdoc />
    public ChatBatchStore Store { get; }

    /// <summary>The polling policy.</summary>
    public ChatBatchOptions Options { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, ChatBatchResult>> RunAsync(string job, IReadOnlyList<ChatBatchRequest> requests, CancellationToken cancellationToken = default)
    {
        var stored = Store.Load(job) ?? await FindAsync(job, requests, cancellationToken).ConfigureAwait(false) ?? await SubmitAsync(job, requests, cancellationToken).ConfigureAwait(false);
        var batch = await WaitAsync(stored.BatchId, cancellationToken).ConfigureAwait(false);
        var byId = requests.ToDictionary(r => r.CustomId, StringComparer.Ordinal);
        var results = new Dictionary<string, ChatBatchResult>(StringComparer.Ordinal);
        foreach (var line in await LinesAsync((string?)batch["output_file_id"], cancellationToken).ConfigureAwait(false))
        {
            if (ToResult(line, byId) is { } result)
            {
                results[result.CustomId] = result;
            }
        }
        foreach (var line in await LinesAsync((string?)batch["error_file_id"], cancellationToken).ConfigureAwait(false))
        {
            if (ToResult(line, byId) is { } result)
            {
                results.TryAdd(result.CustomId, result);
            }
        }
        var status = (string?)batch["status"];
        // Every submitted request is accounted for: what the files do not mention ended with the batch.
        foreach (var id in stored.CustomIds.Where(id => !results.ContainsKey(id)))
        {
            results[id] = status switch
            {
                "expired" => new ChatBatchResult(id, ChatBatchResultKind.Expired, null, TokenUsage.Zero),
                "cancelled" => new ChatBatchResult(id, ChatBatchResultKind.Canceled, null, TokenUsage.Zero),
                _ => new ChatBatchResult(id, ChatBatchResultKind.Errored, null, TokenUsage.Zero, "missing_result",
                    $"Batch {stored.BatchId} ended {status} with no result for custom_id '{id}'{FailureText(batch)}."),
            };
        }
        return results;
    }

    /// <summary>Uploads the requests, creates the batch and saves its id under <paramref name="job"/> before returning.</summary>
    /// <exception cref="BadInputException">No requests, or a duplicate custom_id.</exception>
    public async Task<StoredBatch> SubmitAsync(string job, IReadOnlyList<ChatBatchRequest> requests, CancellationToken cancellationToken = default)
    {
        if (requests.Count == 0)
        {
            throw new BadInputException($"Batch job '{job}' has no requests.", "Give at least one request.");
        }
        if (requests.GroupBy(r => r.CustomId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new BadInputException($"The batch custom_id '{twice.Key}' appears twice.", "Give every request of a batch its own custom_id.");
        }
        var jsonl = new StringBuilder();
        foreach (var request in requests)
        {
            var body = await _chat.BuildRequestBodyAsync(request.Messages, request.Options, cancellationToken).ConfigureAwait(false);
            var line = new JsonObject { ["custom_id"] = request.CustomId, ["method"] = "POST", ["url"] = Endpoint, ["body"] = body };
            jsonl.Append(line.ToJsonString()).Append('\n');
        }
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("batch"), "purpose");
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl.ToString()));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(file, "file", job + ".jsonl");
        var uploaded = await SendAsync(HttpMethod.Post, "files", form, cancellationToken).ConfigureAwait(false);
        var created = await SendAsync(HttpMethod.Post, "batches", JsonContent(new JsonObject
        {
            ["input_file_id"] = (string?)uploaded["id"],
            ["endpoint"] = Endpoint,
            ["completion_window"] = CompletionWindow,
            ["metadata"] = new JsonObject { [JobMetadataKey] = job },
        }), cancellationToken).ConfigureAwait(false);
        var stored = new StoredBatch(job, (string?)created["id"] ?? throw Protocol("the created batch has no id"), Connection.Model, [.. requests.Select(r => r.CustomId)], DateTimeOffset.UtcNow);
        Store.Save(stored);
        return stored;
    }

    /// <summary>Polls every <see cref="ChatBatchOptions.PollInterval"/> until the batch reaches a final status; returns the batch object.</summary>
    /// <exception cref="ModelCallException">Kind <see cref="ModelErrorKind.Timeout"/> after <see cref="ChatBatchOptions.MaxWait"/>.</exception>
    public Task<JsonObject> WaitAsync(string batchId, CancellationToken cancellationToken = default) =>
        ChatBatchPolling.UntilEndedAsync(batchId, Options, ct => SendAsync(HttpMethod.Get, "batches/" + Uri.EscapeDataString(batchId), null, ct),
            b => (string?)b["status"] is "completed" or "failed" or "expired" or "cancelled", b => (string?)b["status"], cancellationToken);

    /// <summary>A batch of this job created by an earlier process that was killed before saving its id, saved now; null when there is none.</summary>
    private async Task<StoredBatch?> FindAsync(string job, IReadOnlyList<ChatBatchRequest> requests, CancellationToken cancellationToken)
    {
        JsonObject list;
        try
        {
            list = await SendAsync(HttpMethod.Get, "batches?limit=100", null, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallException e) when (e.StatusCode is 404 or 405)
        {
            return null; // a server without the list endpoint: nothing to find
        }
        var found = (list["data"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(b =>
            (string?)b["metadata"]?[JobMetadataKey] == job && (string?)b["status"] is not ("failed" or "cancelled" or "cancelling"));
        if (found is null)
        {
            return null;
        }
        var stored = new StoredBatch(job, (string)found["id"]!, Connection.Model, [.. requests.Select(r => r.CustomId)], DateTimeOffset.UtcNow);
        Store.Save(stored);
        return stored;
    }

    private ChatBatchResult? ToResult(JsonObject line, IReadOnlyDictionary<string, ChatBatchRequest> requests)
    {
        var id = (string?)line["custom_id"];
        if (id is null)
        {
            return null;
        }
        var response = line["response"] as JsonObject;
        var status = response?["status_code"]?.GetValue<int>();
        if (line["error"] is JsonObject error)
        {
            return new ChatBatchResult(id, (string?)error["code"] == "batch_expired" ? ChatBatchResultKind.Expired : ChatBatchResultKind.Errored, null, TokenUsage.Zero, (string?)error["code"], (string?)error["message"]);
        }
        if (status is not 200 || response?["body"] is not JsonObject body)
        {
            var apiError = response?["body"]?["error"];
            return new ChatBatchResult(id, ChatBatchResultKind.Errored, null, TokenUsage.Zero, (string?)apiError?["type"] ?? $"http_{status}", (string?)apiError?["message"]);
        }
        var request = requests.GetValueOrDefault(id);
        var chat = _chat.ReadCompletion(body.ToJsonString(), request?.Messages ?? [], request?.Options);
        return new ChatBatchResult(id, ChatBatchResultKind.Succeeded, chat, UsageConversion.ToTokenUsage(chat.Usage));
    }

    private static string FailureText(JsonObject batch) =>
        batch["errors"]?["data"] is JsonArray { Count: > 0 } errors ? ": " + string.Join("; ", errors.Select(e => (string?)e?["message"])) : "";

    private async Task<IReadOnlyList<JsonObject>> LinesAsync(string? fileId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(fileId))
        {
            return [];
        }
        using var request = NewRequest(HttpMethod.Get, "files/" + Uri.EscapeDataString(fileId) + "/content", null);
        using var response = await Connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Failed(response, text);
        }
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonNode.Parse(l) as JsonObject ?? throw Protocol($"a line of file {fileId} is not a JSON object"))];
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = NewRequest(method, path, content);
        using var response = await Connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Failed(response, text);
        }
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw Protocol($"{method} {path} answered with no JSON object");
        }
        catch (JsonException e)
        {
            throw Protocol($"{method} {path} answered with invalid JSON ({e.Message})");
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, new Uri(_base, path)) { Content = content };
        if (Connection.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    private static StringContent JsonContent(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private ModelCallException Failed(HttpResponseMessage response, string body)
    {
        string? type = null, message = null;
        try
        {
            var error = JsonNode.Parse(body)?["error"];
            type = (string?)error?["type"];
            message = (string?)error?["message"];
        }
        catch (JsonException)
        {
        }
        var status = (int)response.StatusCode;
        var kind = status switch
        {
            401 or 403 => ModelErrorKind.Authentication,
            429 => ModelErrorKind.RateLimited,
            >= 500 => ModelErrorKind.ServerError,
            _ => ModelErrorKind.BadRequest,
        };
        var text = $"OpenAI Batch API: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {status}{(message is null ? "" : ": " + message)}";
        return new ModelCallException(kind, Connection.ApiKey is { Length: > 0 } key ? text.Replace(key, OpenAIErrors.Redacted, StringComparison.Ordinal) : text)
        {
            StatusCode = status,
            ApiErrorType = type,
            ApiMessage = message,
            Fix = kind == ModelErrorKind.Authentication && Connection.ApiKeyVariable is { } variable ? $"check {variable}" : "run the harvest again: a stored batch is resumed, never submitted twice",
        };
    }

    private static ModelCallException Protocol(string message) => new(ModelErrorKind.Protocol, "OpenAI Batch API: " + message);
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Anthropic;
using Anthropic.Models.Messages.Batches;
using Crucible.Core;
using Crucible.Core.Usage;
using Crucible.Models.Batches;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Anthropic;

/// <summary>A batch's processing state.</summary>
/// <param name="Id">The batch id.</param>
/// <param name="ProcessingStatus"><c>in_progress</c>, <c>canceling</c> or <c>ended</c>.</param>
/// <param name="Processing">Requests still processing.</param>
/// <param name="Succeeded">Requests that succeeded.</param>
/// <param name="Errored">Requests that failed.</param>
/// <param name="Canceled">Requests canceled.</param>
/// <param name="Expired">Requests expired.</param>
public sealed record AnthropicBatchStatus(string Id, string ProcessingStatus, long Processing, long Succeeded, long Errored, long Canceled, long Expired)
{
    /// <summary>True once results can be fetched.</summary>
    public bool Ended => ProcessingStatus == "ended";
}

/// <summary>
/// Anthropic Message Batches: submit many independent requests, poll until the batch ends, fetch the
/// JSONL results and map them back by custom_id. The batch id and custom_ids are saved to an
/// <see cref="ChatBatchStore"/> right after the batch is created and before any polling, so a
/// restarted process continues with <see cref="ResumeAsync"/> (or <see cref="RunAsync"/>) without
/// submitting again.
/// </summary>
/// <remarks>
/// Requests are built by <see cref="AnthropicRequestBuilder"/>, exactly as for a direct call, so
/// tools, system prompt and cache breakpoints are the same. One window is unavoidable: a process
/// killed between the API creating the batch and the store saving it leaves a batch the store does
/// not know (it shows up in <see cref="ListAsync"/>).
/// </remarks>
public sealed partial class AnthropicBatchClient : IChatBatchClient
{
    private readonly AnthropicClient _sdk;
    private readonly AnthropicOptions _defaults;

    /// <summary>Creates a client over <paramref name="connection"/> remembering batches in <paramref name="store"/>.</summary>
    public AnthropicBatchClient(ProviderConnection connection, ChatBatchStore store, ChatBatchOptions? options = null)
    {
        Connection = connection;
        Store = store;
        Options = options ?? new ChatBatchOptions();
        _sdk = AnthropicChatClient.CreateSdkClient(connection);
        _defaults = AnthropicOptions.FromSettings(connection.Options);
    }

    /// <summary>The connection used.</summary>
    public ProviderConnection Connection { get; }

    /// <summary>Where batch ids are remembered.</summary>
    public ChatBatchStore Store { get; }

    /// <summary>The polling policy.</summary>
    public ChatBatchOptions Options { get; }

    /// <summary>
    /// Runs a job to completion: resumes it if the store knows <paramref name="job"/>, otherwise
    /// submits <paramref name="requests"/>; then waits and returns the results by custom_id.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ChatBatchResult>> RunAsync(string job, IReadOnlyList<ChatBatchRequest> requests, CancellationToken cancellationToken = default)
    {
        var stored = Store.Load(job) ?? await SubmitAsync(job, requests, cancellationToken).ConfigureAwait(false);
        return await CollectAsync(stored, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Continues a job submitted earlier (possibly by another process) from its stored batch id.</summary>
    /// <exception cref="BadInputException">The store has no such job.</exception>
    public async Task<IReadOnlyDictionary<string, ChatBatchResult>> ResumeAsync(string job, CancellationToken cancellationToken = default)
    {
        var stored = Store.Load(job) ?? throw new BadInputException(
            $"No batch job '{job}' is stored in {Store.Folder}.",
            "Submit the job first (RunAsync or SubmitAsync), or point the store at the folder it was submitted from.");
        return await CollectAsync(stored, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the batch and saves its id and custom_ids under <paramref name="job"/> before returning.</summary>
    /// <exception cref="BadInputException">No requests, a malformed or duplicate custom_id, or the job already exists.</exception>
    public async Task<StoredBatch> SubmitAsync(string job, IReadOnlyList<ChatBatchRequest> requests, CancellationToken cancellationToken = default)
    {
        if (Store.Load(job) is { } existing)
        {
            throw new BadInputException($"Batch job '{job}' was already submitted as {existing.BatchId}.",
                "Resume it (ResumeAsync), or delete its record from the store to submit again.");
        }
        if (requests.Count == 0)
        {
            throw new BadInputException($"Batch job '{job}' has no requests.", "Give at least one request.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var items = new JsonArray();
        foreach (var request in requests)
        {
            if (!CustomIdPattern().IsMatch(request.CustomId))
            {
                throw new BadInputException($"The batch custom_id '{request.CustomId}' is not 1-64 letters, digits, '_' or '-'.", "Rename the request's custom_id.");
            }
            if (!seen.Add(request.CustomId))
            {
                throw new BadInputException($"The batch custom_id '{request.CustomId}' appears twice.", "Give every request of a batch its own custom_id.");
            }
            var options = request.Options?.AdditionalProperties?.TryGetValue(AnthropicOptions.AdditionalPropertiesKey, out var value) == true && value is AnthropicOptions perRequest
                ? perRequest
                : _defaults;
            var built = AnthropicRequestBuilder.Build(Connection.Model, request.Messages, request.Options, options);
            items.Add(new JsonObject { ["custom_id"] = request.CustomId, ["params"] = built.Body });
        }
        var body = new JsonObject { ["requests"] = items };
        var created = await CallAsync(
            ct => _sdk.Messages.Batches.Create(BatchCreateParams.FromRawUnchecked(Empty(), Empty(), AnthropicChatClient.ToRaw(body)), ct),
            cancellationToken).ConfigureAwait(false);
        var stored = new StoredBatch(job, created.ID, Connection.Model, [.. requests.Select(r => r.CustomId)], DateTimeOffset.UtcNow);
        Store.Save(stored);
        return stored;
    }

    /// <summary>The batch's current state.</summary>
    public async Task<AnthropicBatchStatus> GetStatusAsync(string batchId, CancellationToken cancellationToken = default) =>
        ToStatus(await CallAsync(ct => _sdk.Messages.Batches.Retrieve(batchId, new BatchRetrieveParams(), ct), cancellationToken).ConfigureAwait(false));

    /// <summary>Polls every <see cref="ChatBatchOptions.PollInterval"/> until the batch has ended.</summary>
    /// <exception cref="ModelCallException">Kind <see cref="ModelErrorKind.Timeout"/> after <see cref="ChatBatchOptions.MaxWait"/>.</exception>
    public Task<AnthropicBatchStatus> WaitAsync(string batchId, CancellationToken cancellationToken = default) =>
        ChatBatchPolling.UntilEndedAsync(batchId, Options, ct => GetStatusAsync(batchId, ct), s => s.Ended, s => s.ProcessingStatus, cancellationToken);

    /// <summary>Fetches an ended batch's results, keyed by custom_id.</summary>
    public async Task<IReadOnlyDictionary<string, ChatBatchResult>> GetResultsAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var results = new Dictionary<string, ChatBatchResult>(StringComparer.Ordinal);
        try
        {
            await foreach (var line in _sdk.Messages.Batches.ResultsStreaming(batchId, new BatchResultsParams(), cancellationToken).ConfigureAwait(false))
            {
                var result = ToResult(line.CustomID, line.Result.Json);
                results[result.CustomId] = result;
            }
        }
        catch (Exception e) when (AnthropicErrorMapper.Map(e, Connection, AnthropicErrorMapper.Operation.Batch, cancellationToken) is { } mapped && !ReferenceEquals(mapped, e))
        {
            throw mapped;
        }
        return results;
    }

    /// <summary>Asks the API to cancel a batch; requests not yet processed end as canceled.</summary>
    public async Task<AnthropicBatchStatus> CancelAsync(string batchId, CancellationToken cancellationToken = default) =>
        ToStatus(await CallAsync(ct => _sdk.Messages.Batches.Cancel(batchId, new BatchCancelParams(), ct), cancellationToken).ConfigureAwait(false));

    /// <summary>The first page of the workspace's batches, most recent first.</summary>
    public async Task<IReadOnlyList<AnthropicBatchStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var page = await CallAsync(ct => _sdk.Messages.Batches.List(new BatchListParams(), ct), cancellationToken).ConfigureAwait(false);
        return [.. page.Items.Select(ToStatus)];
    }

    private async Task<IReadOnlyDictionary<string, ChatBatchResult>> CollectAsync(StoredBatch stored, CancellationToken cancellationToken)
    {
        await WaitAsync(stored.BatchId, cancellationToken).ConfigureAwait(false);
        var results = new Dictionary<string, ChatBatchResult>(await GetResultsAsync(stored.BatchId, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        // Every submitted request must be accounted for; a missing line is reported, not dropped.
        foreach (var id in stored.CustomIds.Where(id => !results.ContainsKey(id)))
        {
            results[id] = new ChatBatchResult(id, ChatBatchResultKind.Errored, null, TokenUsage.Zero, "missing_result", $"Batch {stored.BatchId} returned no result for custom_id '{id}'.");
        }
        return results;
    }

    /// <summary>Maps one <c>result</c> object of the results JSONL.</summary>
    public static ChatBatchResult ToResult(string customId, JsonElement result)
    {
        switch (AnthropicResponseMapper.String(result, "type"))
        {
            case "succeeded":
                var message = result.GetProperty("message");
                var response = AnthropicResponseMapper.ToChatResponse(message);
                var usage = message.TryGetProperty("usage", out var u) ? AnthropicResponseMapper.ReadUsage(u) : TokenUsage.Zero;
                return new ChatBatchResult(customId, ChatBatchResultKind.Succeeded, response, usage);
            case "errored":
                // {"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"…"}}}
                var error = result.TryGetProperty("error", out var e) ? e : default;
                var inner = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("error", out var i) ? i : error;
                return new ChatBatchResult(customId, ChatBatchResultKind.Errored, null, TokenUsage.Zero,
                    AnthropicResponseMapper.String(inner, "type"), AnthropicResponseMapper.String(inner, "message"));
            case "canceled":
                return new ChatBatchResult(customId, ChatBatchResultKind.Canceled, null, TokenUsage.Zero);
            case "expired":
                return new ChatBatchResult(customId, ChatBatchResultKind.Expired, null, TokenUsage.Zero);
            case var other:
                return new ChatBatchResult(customId, ChatBatchResultKind.Errored, null, TokenUsage.Zero, "unknown_result_type", $"Unknown batch result type '{other}'.");
        }
    }

    private static AnthropicBatchStatus ToStatus(MessageBatch batch)
    {
        var raw = JsonSerializer.SerializeToElement(batch.RawData);
        var counts = raw.TryGetProperty("request_counts", out var c) ? c : default;
        return new AnthropicBatchStatus(
            batch.ID,
            AnthropicResponseMapper.String(raw, "processing_status") ?? "unknown",
            AnthropicResponseMapper.Long(counts, "processing"),
            AnthropicResponseMapper.Long(counts, "succeeded"),
            AnthropicResponseMapper.Long(counts, "errored"),
            AnthropicResponseMapper.Long(counts, "canceled"),
            AnthropicResponseMapper.Long(counts, "expired"));
    }

    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AnthropicErrorMapper.Map(e, Connection, AnthropicErrorMapper.Operation.Batch, cancellationToken) is { } mapped && !ReferenceEquals(mapped, e))
        {
            throw mapped;
        }
    }

    private static Dictionary<string, JsonElement> Empty() => [];

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex CustomIdPattern();
}

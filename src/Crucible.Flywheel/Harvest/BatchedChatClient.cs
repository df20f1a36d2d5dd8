using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crucible.Models.Batches;
using Crucible.Core.Usage;
using Crucible.Models;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Harvest;

/// <summary>
/// The model of <c>crucible harvest --batch</c>: the calls of many concurrent participants (one critique → revision
/// loop or one labeller per record or pair) are gathered and sent as one provider batch each time every
/// participant still running is waiting for an answer (Anthropic Message Batches or the OpenAI Batch API, through
/// <see cref="IChatBatchClient"/>). The loops and the labeller are unchanged: they see an
/// <see cref="IChatClient"/> that answers late.
/// </summary>
/// <remarks>
/// Resumable: every request's custom_id is the SHA-256 of the request, so a rerun asks the same ids. A batch is
/// stored (<see cref="ChatBatchStore"/>, under the harvest's state folder) under a job named after the set of
/// its custom_ids before it is polled, so a harvest killed while a batch runs finds it again and polls it instead of
/// submitting it again. Every answer is kept under <c>answers/</c> as soon as its batch ended, so the calls of
/// earlier batches are answered from disk on a rerun. Invariant: a batch is sent only when the number of waiting
/// calls equals the number of participants not yet finished, so no participant can wait for one that is waiting for it.
/// </remarks>
public sealed class BatchedChatClient : IChatClient
{
    private readonly IChatBatchClient _batches;
    private readonly string _answers;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private int _participants;

    /// <summary>Creates a client sending batches through <paramref name="batches"/> and keeping answers in <paramref name="stateFolder"/><c>/answers</c>.</summary>
    public BatchedChatClient(IChatBatchClient batches, string stateFolder)
    {
        _batches = batches;
        _answers = Path.Combine(stateFolder, "answers");
        Directory.CreateDirectory(_answers);
    }

    /// <summary>Batches submitted by this client (not counting batches resumed from the store).</summary>
    public int Submitted { get; private set; }

    /// <summary>Calls answered from the answers kept on disk.</summary>
    public int AnsweredFromDisk { get; private set; }

    /// <summary>Announces <paramref name="count"/> participants; each must call <see cref="Leave"/> once when it makes no more calls.</summary>
    public void Join(int count)
    {
        lock (_gate)
        {
            _participants += count;
        }
    }

    /// <summary>One participant finished; a batch is sent if every remaining participant is now waiting.</summary>
    public void Leave()
    {
        List<Pending>? flush;
        lock (_gate)
        {
            _participants--;
            flush = TakeIfAllWaiting();
        }
        if (flush is not null)
        {
            _ = SendAsync(flush);
        }
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var id = CustomId(_batches.Connection.Model, list, options);
        if (Load(id) is { } answered)
        {
            lock (_gate)
            {
                AnsweredFromDisk++;
            }
            // Billed by the run that received it: a usage ledger records it as a replay, at no cost.
            (answered.AdditionalProperties ??= [])[Crucible.Models.Caching.CachingChatClient.ReplayProperty] = true;
            return answered;
        }
        var pending = new Pending(id, list, options, new TaskCompletionSource<ChatResponse>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
        List<Pending>? flush;
        lock (_gate)
        {
            // Two participants asking the very same question share one request.
            if (_pending.TryGetValue(id, out var same))
            {
                pending = same with { Waiters = same.Waiters + 1 };
            }
            _pending[id] = pending;
            flush = TakeIfAllWaiting();
        }
        if (flush is not null)
        {
            _ = SendAsync(flush);
        }
        return await pending.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("batched calls are not streamed");

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>The custom_id of a request: <c>h</c> and the first 63 hex digits of the SHA-256 of its model, messages and options (a batch allows 64 characters).</summary>
    public static string CustomId(string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var shape = new
        {
            model,
            messages = messages.Select(m => new { role = m.Role.Value, text = m.Text }),
            options?.Instructions,
            options?.Temperature,
            options?.Seed,
            options?.MaxOutputTokens,
            options?.ModelId,
        };
        return "h" + Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(shape)))[..63];
    }

    private sealed record Pending(string Id, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, TaskCompletionSource<ChatResponse> Answer, CancellationToken CancellationToken, int Waiters = 1);

    private List<Pending>? TakeIfAllWaiting()
    {
        var waiting = _pending.Values.Sum(p => p.Waiters);
        if (_pending.Count == 0 || waiting < _participants)
        {
            return null;
        }
        var taken = _pending.Values.OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        _pending.Clear();
        return taken;
    }

    private async Task SendAsync(List<Pending> batch)
    {
        try
        {
            var ids = string.Join("\n", batch.Select(p => p.Id));
            var job = "harvest-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..24];
            var resumed = _batches.Store.Load(job) is not null;
            var results = await _batches.RunAsync(job, [.. batch.Select(p => new ChatBatchRequest(p.Id, p.Messages, p.Options))], batch[0].CancellationToken).ConfigureAwait(false);
            if (!resumed)
            {
                lock (_gate)
                {
                    Submitted++;
                }
            }
            foreach (var p in batch)
            {
                var result = results[p.Id];
                if (result.Kind == ChatBatchResultKind.Succeeded && result.Response is { } response)
                {
                    var answer = new StoredAnswer(response.Text, result.Usage);
                    Save(p.Id, answer);
                    p.Answer.TrySetResult(answer.ToResponse());
                }
                else
                {
                    p.Answer.TrySetException(new ModelCallException(result.Kind == ChatBatchResultKind.Expired ? ModelErrorKind.Timeout : ModelErrorKind.ServerError,
                        $"batch request {p.Id} ended {result.Kind}{(result.ErrorMessage is null ? "" : ": " + result.ErrorType + " " + result.ErrorMessage)}")
                    {
                        Fix = "run the harvest again: answers already received are kept, and the failed requests are sent in a new batch",
                    });
                }
            }
        }
        catch (Exception e)
        {
            foreach (var p in batch)
            {
                p.Answer.TrySetException(e);
            }
        }
    }

    private sealed record StoredAnswer(string Text, TokenUsage Usage)
    {
        public ChatResponse ToResponse() => new(new ChatMessage(ChatRole.Assistant, Text)) { Usage = UsageConversion.ToUsageDetails(Usage) };
    }

    private ChatResponse? Load(string id)
    {
        var path = Path.Combine(_answers, id + ".json");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<StoredAnswer>(File.ReadAllBytes(path), HarvestRecord.Json)?.ToResponse();
        }
        catch (JsonException)
        {
            return null; // a damaged answer is asked again
        }
    }

    private void Save(string id, StoredAnswer answer)
    {
        var path = Path.Combine(_answers, id + ".json");
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(answer, HarvestRecord.Json));
        File.Move(temp, path, overwrite: true);
    }
}

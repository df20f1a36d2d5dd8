using System.Diagnostics;
using System.Runtime.CompilerServices;
using Crucible.Core.Usage;
using Crucible.Models.Caching;
using Crucible.Models.Pricing;
using Crucible.Models.Redaction;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Usage;

/// <summary>
/// Records every call's tokens and dollars in a <see cref="UsageLedger"/>: non-streamed calls from
/// <see cref="ChatResponse.Usage"/>, streamed calls from the last <see cref="UsageContent"/> of the
/// stream (providers report the complete usage of the call once, in the final update). Responses
/// replayed by <see cref="CachingChatClient"/> are recorded as cached, at zero cost.
/// </summary>
/// <remarks>
/// As the outermost layer it is also the last guard for secrets: an exception whose message (or inner
/// message) holds a key is replaced by a redacted <see cref="ModelCallException"/>.
/// </remarks>
public sealed class UsageRecordingChatClient : DelegatingChatClient
{
    private readonly UsageLedger _ledger;
    private readonly CostCalculator _costs;
    private readonly string _provider;
    private readonly string _model;
    private readonly Redactor _redactor;
    private readonly bool _batch;

    /// <summary>Creates the client.</summary>
    /// <param name="inner">The client doing the call.</param>
    /// <param name="ledger">Where calls are recorded.</param>
    /// <param name="costs">Prices.</param>
    /// <param name="provider">Provider id, recorded and used for <c>provider:model</c> prices.</param>
    /// <param name="model">The configured model; the model a response reports wins when it has a price.</param>
    /// <param name="redactor">Masks keys in recorded error messages.</param>
    /// <param name="batch">True when <paramref name="inner"/> answers through a batch API: calls are priced at the batch rate.</param>
    public UsageRecordingChatClient(IChatClient inner, UsageLedger ledger, CostCalculator costs, string provider, string model, Redactor? redactor = null, bool batch = false)
        : base(inner)
    {
        _batch = batch;
        _ledger = ledger;
        _costs = costs;
        _provider = provider;
        _model = model;
        _redactor = redactor ?? new Redactor();
    }

    /// <summary>The ledger calls go to.</summary>
    public UsageLedger Ledger => _ledger;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            RecordInterrupted(options, streaming: false, clock.Elapsed, "cancelled", null);
            throw;
        }
        catch (Exception e)
        {
            RecordFailure(options, streaming: false, clock.Elapsed, e);
            if (Scrubbed(e) is { } clean)
            {
                throw clean;
            }
            throw;
        }
        Record(response.ModelId ?? options?.ModelId, response.Usage, CachingChatClient.IsReplay(response.AdditionalProperties), streaming: false, clock.Elapsed);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        UsageDetails? usage = null;
        string? modelId = null;
        var replay = false;
        var outcome = "abandoned"; // until the stream ends, fails or is cancelled
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        outcome = "completed";
                        break;
                    }
                    update = updates.Current;
                }
                catch (OperationCanceledException)
                {
                    outcome = "cancelled";
                    throw;
                }
                catch (Exception e)
                {
                    outcome = "failed";
                    RecordFailure(options, streaming: true, clock.Elapsed, e);
                    if (Scrubbed(e) is { } clean)
                    {
                        throw clean;
                    }
                    throw;
                }
                modelId ??= update.ModelId;
                replay |= CachingChatClient.IsReplay(update.AdditionalProperties);
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent u)
                    {
                        usage = u.Details;
                    }
                }
                yield return update;
            }
        }
        finally
        {
            // Every stream is recorded exactly once: in full, as a failure, or as interrupted (the caller
            // stopped reading or cancelled) with whatever usage had arrived.
            if (outcome == "completed" || (replay && outcome != "failed"))
            {
                Record(modelId ?? options?.ModelId, usage, replay, streaming: true, clock.Elapsed);
            }
            else if (outcome != "failed")
            {
                RecordInterrupted(options, streaming: true, clock.Elapsed, outcome, usage);
            }
        }
    }

    private void Record(string? reportedModel, UsageDetails? usage, bool replay, bool streaming, TimeSpan duration)
    {
        var model = reportedModel is not null && _costs.Prices.Find(reportedModel, _provider) is not null ? reportedModel : _model;
        var tokens = UsageConversion.ToTokenUsage(usage);
        decimal? cost = replay ? 0m
            : usage is null ? null // no usage reported: the cost is not known
            : _costs.Cost(tokens, model, _provider, _batch);
        _ledger.Add(new UsageRecord(0, _provider, model, tokens, cost, replay, streaming, duration, Batch: _batch));
    }

    /// <summary>
    /// Null when no message in <paramref name="e"/>'s chain holds a secret (the exception is rethrown
    /// unchanged); otherwise a <see cref="ModelCallException"/> with the redacted message and the same
    /// kind, status and fix, without the inner exceptions that held the secret.
    /// </summary>
    private ModelCallException? Scrubbed(Exception e)
    {
        var leaks = false;
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            leaks |= _redactor.Redact(x.Message) != x.Message;
        }
        if (!leaks)
        {
            return null;
        }
        var call = e as ModelCallException;
        return new ModelCallException(call?.Kind ?? ModelErrorKind.Protocol, _redactor.Redact(e.Message))
        {
            StatusCode = call?.StatusCode,
            ApiErrorType = call?.ApiErrorType,
            ApiMessage = call?.ApiMessage is { } m ? _redactor.Redact(m) : null,
            Attempts = call?.Attempts ?? 1,
            Fix = call?.Fix is { } f ? _redactor.Redact(f) : null,
        };
    }

    /// <summary>
    /// A call cut short by the caller: the provider may have billed part of it, so the cost is unknown
    /// (null) unless the call was a cache replay or usage had already arrived.
    /// </summary>
    private void RecordInterrupted(ChatOptions? options, bool streaming, TimeSpan duration, string outcome, UsageDetails? usage)
    {
        var model = options?.ModelId ?? _model;
        var tokens = UsageConversion.ToTokenUsage(usage);
        _ledger.Add(new UsageRecord(0, _provider, model, tokens, usage is null ? null : _costs.Cost(tokens, model, _provider, _batch), false, streaming, duration, outcome, _batch));
    }

    private void RecordFailure(ChatOptions? options, bool streaming, TimeSpan duration, Exception e) =>
        // A call that failed before producing a response is not billed.
        _ledger.Add(new UsageRecord(0, _provider, options?.ModelId ?? _model, TokenUsage.Zero, 0m, false, streaming, duration, _redactor.Redact(e.Message), _batch));
}

using Crucible.Core.Usage;

namespace Crucible.Models.Usage;

/// <summary>One model call as the ledger saw it.</summary>
/// <param name="Sequence">1-based order of the call in the ledger.</param>
/// <param name="Provider">Provider id.</param>
/// <param name="Model">The model priced (the one the API reported, else the one requested).</param>
/// <param name="Tokens">Tokens the call reported (for a cache replay: what the original call used).</param>
/// <param name="CostUsd">Dollars billed; null when unknown (model without a price, or no usage reported). Zero for cache replays and failed calls.</param>
/// <param name="Cached">True when the response was replayed from the response cache (no provider call, no cost).</param>
/// <param name="Streaming">True for a streamed call.</param>
/// <param name="Duration">Wall time of the call.</param>
/// <param name="Error">The (redacted) error message of a failed call; null on success.</param>
/// <param name="Batch">True for a call answered through a provider batch API (priced at the model's batch rate).</param>
public sealed record UsageRecord(
    int Sequence,
    string Provider,
    string Model,
    TokenUsage Tokens,
    decimal? CostUsd,
    bool Cached,
    bool Streaming,
    TimeSpan Duration,
    string? Error = null,
    bool Batch = false)
{
    /// <summary>True when the call cost is not known.</summary>
    public bool CostUnknown => CostUsd is null;
}

/// <summary>
/// Every call's tokens and dollars, and the run's totals. Thread-safe; one ledger per run, shared by
/// every client the run creates.
/// </summary>
/// <remarks>
/// <see cref="Totals"/> sums billed tokens and known dollars over all calls; cache replays count as
/// calls with zero tokens billed. When any call's cost is unknown, <see cref="UnknownCostCalls"/> says
/// how many, and <see cref="Totals"/>'s dollars are a lower bound, never presented as exact.
/// </remarks>
public sealed class UsageLedger
{
    private readonly Lock _gate = new();
    private readonly List<UsageRecord> _records = [];
    private UsageTotals _totals = UsageTotals.Zero;
    private int _unknown;

    /// <summary>Raised after each record is added (on the caller's thread), e.g. to append it to a run artifact.</summary>
    public event Action<UsageRecord>? Recorded;

    /// <summary>Every call so far, in order.</summary>
    public IReadOnlyList<UsageRecord> Records
    {
        get { lock (_gate) { return [.. _records]; } }
    }

    /// <summary>Billed tokens, known dollars and the number of calls (cached and failed included).</summary>
    public UsageTotals Totals
    {
        get { lock (_gate) { return _totals; } }
    }

    /// <summary>Calls whose cost is unknown; when non-zero, the dollars in <see cref="Totals"/> are a lower bound.</summary>
    public int UnknownCostCalls
    {
        get { lock (_gate) { return _unknown; } }
    }

    /// <summary>Adds a call; <see cref="UsageRecord.Sequence"/> is assigned here.</summary>
    public UsageRecord Add(UsageRecord record)
    {
        lock (_gate)
        {
            record = record with { Sequence = _records.Count + 1 };
            _records.Add(record);
            var billed = record.Cached ? TokenUsage.Zero : record.Tokens;
            _totals += new UsageTotals(billed, record.CostUsd ?? 0m, 1);
            if (record.CostUsd is null)
            {
                _unknown++;
            }
        }
        Recorded?.Invoke(record);
        return record;
    }
}

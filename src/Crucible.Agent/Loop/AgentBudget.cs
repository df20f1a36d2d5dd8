using Crucible.Core.Usage;

namespace Crucible.Agent.Loop;

/// <summary>
/// Tokens and dollars a run may spend, shared by a run and its sub-agents. A child budget charges
/// every call to its parent too, and what it has left is never more than what the parent has left,
/// so a sub-agent cannot spend past its parent's limits.
/// </summary>
/// <remarks>Thread-safe: sub-agents may run while the parent waits.</remarks>
public sealed class AgentBudget
{
    private readonly Lock _gate = new();
    private readonly AgentBudget? _parent;
    private UsageTotals _spent = UsageTotals.Zero;

    /// <summary>Creates a root budget.</summary>
    /// <param name="maxTokens">Tokens allowed.</param>
    /// <param name="maxCostUsd">Dollars allowed.</param>
    /// <param name="deadline">When the run must stop (UTC).</param>
    public AgentBudget(long maxTokens, decimal maxCostUsd, DateTimeOffset deadline)
        : this(maxTokens, maxCostUsd, deadline, null)
    {
    }

    private AgentBudget(long maxTokens, decimal maxCostUsd, DateTimeOffset deadline, AgentBudget? parent)
    {
        MaxTokens = maxTokens;
        MaxCostUsd = maxCostUsd;
        Deadline = deadline;
        _parent = parent;
    }

    /// <summary>A root budget for <paramref name="limits"/> starting now.</summary>
    public static AgentBudget For(AgentLimits limits, TimeProvider? clock = null) =>
        new(limits.MaxTokens, limits.MaxCostUsd, (clock ?? TimeProvider.System).GetUtcNow() + limits.WallTime);

    /// <summary>Tokens this budget allows (its own cap; see <see cref="TokensLeft"/> for the effective one).</summary>
    public long MaxTokens { get; }

    /// <summary>Dollars this budget allows (its own cap).</summary>
    public decimal MaxCostUsd { get; }

    /// <summary>The deadline of this budget (its own; the parent's may be earlier).</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>What was charged to this budget (including its children's calls).</summary>
    public UsageTotals Spent
    {
        get { lock (_gate) { return _spent; } }
    }

    /// <summary>Tokens left: the smaller of this budget's and every ancestor's.</summary>
    public long TokensLeft
    {
        get
        {
            long own;
            lock (_gate) { own = MaxTokens - TotalTokens(_spent.Tokens); }
            return Math.Max(0, _parent is null ? own : Math.Min(own, _parent.TokensLeft));
        }
    }

    /// <summary>Dollars left: the smaller of this budget's and every ancestor's.</summary>
    public decimal CostLeft
    {
        get
        {
            decimal own;
            lock (_gate) { own = MaxCostUsd - _spent.CostUsd; }
            return Math.Max(0, _parent is null ? own : Math.Min(own, _parent.CostLeft));
        }
    }

    /// <summary>The earliest deadline of this budget and its ancestors.</summary>
    public DateTimeOffset EffectiveDeadline => _parent is null || Deadline < _parent.EffectiveDeadline ? Deadline : _parent.EffectiveDeadline;

    /// <summary>Counts a model call against this budget and every ancestor.</summary>
    public void Charge(UsageTotals usage)
    {
        lock (_gate) { _spent += usage; }
        _parent?.Charge(usage);
    }

    /// <summary>
    /// A child budget with its own caps, clamped to what this budget has left now (and, because every
    /// check also consults the ancestors, to what they have left later).
    /// </summary>
    public AgentBudget CreateChild(AgentLimits childLimits, TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var deadline = now + childLimits.WallTime;
        return new AgentBudget(
            Math.Min(childLimits.MaxTokens, TokensLeft),
            Math.Min(childLimits.MaxCostUsd, CostLeft),
            deadline < EffectiveDeadline ? deadline : EffectiveDeadline,
            this);
    }

    /// <summary>The status to stop with when tokens or dollars are used up, else null.</summary>
    public AgentRunStatus? Exhausted() =>
        TokensLeft <= 0 ? AgentRunStatus.MaxTokens
        : CostLeft <= 0 ? AgentRunStatus.Budget
        : null;

    /// <summary>Every token of a usage: input of every kind plus output.</summary>
    public static long TotalTokens(TokenUsage t) => t.TotalInputTokens + t.OutputTokens;
}

namespace Crucible.Agent.Loop;

/// <summary>
/// The limits that end a run. Each one ends the run with its own <see cref="AgentRunStatus"/>.
/// Defaults: 100 steps, 2,000,000 tokens, $5.00, 30 minutes of wall time, 16,384 output tokens per call.
/// </summary>
public sealed record AgentLimits
{
    /// <summary>The defaults described on the type.</summary>
    public static AgentLimits Default { get; } = new();

    /// <summary>Model calls (steps) before the run ends with <see cref="AgentRunStatus.MaxSteps"/>. Default 100.</summary>
    public int MaxSteps { get; init; } = 100;

    /// <summary>Tokens (input of every kind plus output, summed over calls) before <see cref="AgentRunStatus.MaxTokens"/>. Default 2,000,000.</summary>
    public long MaxTokens { get; init; } = 2_000_000;

    /// <summary>
    /// Dollars before <see cref="AgentRunStatus.Budget"/>. Default $5.00. Only calls whose cost the pricing
    /// function knows are counted; a model with no known price is limited by tokens alone.
    /// </summary>
    public decimal MaxCostUsd { get; init; } = 5.00m;

    /// <summary>Wall time of one run (one user request) before <see cref="AgentRunStatus.Timeout"/>. Default 30 minutes.</summary>
    public TimeSpan WallTime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Upper bound on output tokens requested per model call (further lowered to the tokens left). Default 16,384.</summary>
    public int MaxOutputTokensPerCall { get; init; } = 16_384;
}

/// <summary>How the stuck detector reacts. Defaults: 3 identical steps, or 2 rounds of an A-B alternation, trigger it; one nudge is given.</summary>
public sealed record StuckPolicy
{
    /// <summary>The defaults described on the type.</summary>
    public static StuckPolicy Default { get; } = new();

    /// <summary>The same calls with the same observations this many times in a row count as stuck. Default 3.</summary>
    public int RepeatThreshold { get; init; } = 3;

    /// <summary>Steps A-B repeated this many times in a row (A-B-A-B is 2) count as stuck. Default 2.</summary>
    public int AlternationRounds { get; init; } = 2;

    /// <summary>Nudges given before the run ends with <see cref="AgentRunStatus.Stuck"/>. Default 1.</summary>
    public int NudgesBeforeStop { get; init; } = 1;

    /// <summary>The message sent to the model as a nudge.</summary>
    public string NudgeMessage { get; init; } =
        "You are repeating the same actions and getting the same results. Stop and think: what is different about the problem than you assumed? " +
        "Try a different approach, read the relevant code or error again, or finish if the work is done.";
}

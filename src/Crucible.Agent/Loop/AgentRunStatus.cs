namespace Crucible.Agent.Loop;

/// <summary>How a run ended. The verdict (did the tests pass) is separate: the agent cannot mark success.</summary>
public enum AgentRunStatus
{
    /// <summary>The model said it was done (answered without tool calls).</summary>
    Completed,
    /// <summary><see cref="AgentLimits.MaxSteps"/> reached.</summary>
    MaxSteps,
    /// <summary><see cref="AgentLimits.MaxTokens"/> reached (or the parent's tokens, for a sub-agent).</summary>
    MaxTokens,
    /// <summary><see cref="AgentLimits.MaxCostUsd"/> reached (or the parent's dollars, for a sub-agent).</summary>
    Budget,
    /// <summary><see cref="AgentLimits.WallTime"/> elapsed.</summary>
    Timeout,
    /// <summary>The stuck detector fired after its nudges.</summary>
    Stuck,
    /// <summary>The caller cancelled (Ctrl-C).</summary>
    Interrupted,
    /// <summary>A fatal error: the model call failed for good, or a tool reported a harness failure.</summary>
    Error,
}

/// <summary>The wire names of <see cref="AgentRunStatus"/> (used in transcripts, JSON output and <c>SolveResult.Status</c>).</summary>
public static class AgentRunStatuses
{
    /// <summary>The kebab-case name, e.g. <c>max-steps</c>.</summary>
    public static string ToWire(this AgentRunStatus status) => status switch
    {
        AgentRunStatus.Completed => "completed",
        AgentRunStatus.MaxSteps => "max-steps",
        AgentRunStatus.MaxTokens => "max-tokens",
        AgentRunStatus.Budget => "budget",
        AgentRunStatus.Timeout => "timeout",
        AgentRunStatus.Stuck => "stuck",
        AgentRunStatus.Interrupted => "interrupted",
        AgentRunStatus.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>Parses a wire name; null when unknown.</summary>
    public static AgentRunStatus? FromWire(string? wire) =>
        Enum.GetValues<AgentRunStatus>().Cast<AgentRunStatus?>().FirstOrDefault(s => s!.Value.ToWire() == wire);
}

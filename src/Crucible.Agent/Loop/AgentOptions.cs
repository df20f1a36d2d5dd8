using Crucible.Agent.Context;
using Crucible.Core.Verification;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Loop;

/// <summary>How the loop runs. Defaults are documented on each property.</summary>
public sealed record AgentOptions
{
    /// <summary>Limits of one run. Default <see cref="AgentLimits.Default"/>.</summary>
    public AgentLimits Limits { get; init; } = AgentLimits.Default;

    /// <summary>Stuck detection. Default <see cref="StuckPolicy.Default"/>.</summary>
    public StuckPolicy Stuck { get; init; } = StuckPolicy.Default;

    /// <summary>
    /// Prices one call: provider usage in, dollars out, or null when the model's price is unknown (the
    /// call then counts as $0 and only the token limit applies). Default: null (no pricing).
    /// </summary>
    public Func<UsageDetails, decimal?>? Pricing { get; init; }

    /// <summary>
    /// "Done means verified": called when the model says it is done. The harness runs the task's tests on
    /// pristine copies, or verifies the repository against the session's start; the verdict is recorded. The
    /// function may return null when there is nothing to verify (an interactive request that changed no file).
    /// Null means the run ends with no verdict (the eval sets it so because it grades every attempt itself).
    /// Default: null.
    /// </summary>
    public Func<CancellationToken, Task<Verdict?>>? VerifyWhenDone { get; init; }

    /// <summary>
    /// The constitution review run when the model says it is done, before the harness verdict: its
    /// integrity findings are fed back to the model as a critique (see <see cref="MaxIntegrityCritiqueRounds"/>).
    /// Null means no review. Default: null (a session sets one when it also verifies, see
    /// <c>AgentSessionSetup.ReviewWhenDone</c>).
    /// </summary>
    public DoneReview? Review { get; init; }

    /// <summary>
    /// How many times integrity findings of <see cref="Review"/> go back to the model as a critique before
    /// the run ends anyway, with the findings attached to the verdict (<see cref="Verdict.Integrity"/>) so it
    /// does not count as a pass. Bounded so a model that keeps cheating cannot loop; 0 flags at once.
    /// Default: 2.
    /// </summary>
    public int MaxIntegrityCritiqueRounds { get; init; } = 2;

    /// <summary>Context window management; null disables compaction. Default: null.</summary>
    public ContextManager? Context { get; init; }

    /// <summary>Use the streaming API and emit <see cref="AssistantTextDelta"/> events. Default: false.</summary>
    public bool Streaming { get; init; }

    /// <summary>Extra chat options (temperature, model id); tools and output tokens are set by the loop. Default: null.</summary>
    public ChatOptions? ChatOptions { get; init; }
}

/// <summary>The outcome of one run (one user request).</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Message">Details for a non-completed status.</param>
/// <param name="Steps">Steps taken in this run.</param>
/// <param name="Usage">Usage of this run, sub-agents included.</param>
/// <param name="Verdict">The harness's verdict, when the model said it was done and tests were known.</param>
/// <param name="FinalText">The model's last text.</param>
public sealed record AgentRunResult(AgentRunStatus Status, string? Message, int Steps, Core.Usage.UsageTotals Usage, Verdict? Verdict, string? FinalText)
{
    /// <summary>
    /// True when an <see cref="AgentRunStatus.Error"/> came from the model call itself (provider outage, authentication,
    /// retries exhausted) rather than from a tool or the harness: an eval keeps such attempts out of the pass rate.
    /// </summary>
    public bool ModelCallFailed { get; init; }
}

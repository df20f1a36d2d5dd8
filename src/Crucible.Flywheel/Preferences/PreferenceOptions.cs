using Crucible.Constitution.Critique;
using Crucible.Constitution;
namespace Crucible.Flywheel.Preferences;

/// <summary>
/// Options for <see cref="PreferenceLabeler"/>. Every default is documented on its property and in
/// <c>docs/constitutional-loop.md</c>.
/// </summary>
public sealed record PreferenceOptions
{
    /// <summary>The defaults described on the properties.</summary>
    public static PreferenceOptions Default { get; } = new();

    /// <summary>
    /// Ask the model to reason before answering. Its probabilities are then clamped to
    /// [<see cref="ClampMin"/>, <see cref="ClampMax"/>], because answers after a chain of thought are
    /// over-confident (Bai et al. 2022). Default: false.
    /// </summary>
    public bool ReasoningFirst { get; init; }

    /// <summary>Lower clamp bound for reasoning-first probabilities. Default: 0.4.</summary>
    public double ClampMin { get; init; } = 0.4;

    /// <summary>Upper clamp bound for reasoning-first probabilities. Default: 0.6.</summary>
    public double ClampMax { get; init; } = 0.6;

    /// <summary>
    /// Ask every question a second time with the candidates' positions swapped and average the two, to
    /// cancel the judge's preference for a position. Doubles the calls. Default: true.
    /// </summary>
    public bool SwapPositions { get; init; } = true;

    /// <summary>
    /// Answers drawn per principle and position order when the provider returns no logprobs; their
    /// votes are averaged. A reply that carries logprobs ends the sampling for its order, since it
    /// already gives a probability. Default: 1 (soft labels then come from the principle ensemble and
    /// the position swap).
    /// </summary>
    public int Samples { get; init; } = 1;

    /// <summary>
    /// Ask the provider for logprobs (sends <c>logprobs: true</c> and <c>top_logprobs</c> in
    /// <c>ChatOptions.AdditionalProperties</c>; see <see cref="AnswerLogprobs"/>). Default: true.
    /// </summary>
    public bool RequestLogprobs { get; init; } = true;

    /// <summary>How many alternatives per token to ask for. Default: 5.</summary>
    public int TopLogprobs { get; init; } = 5;

    /// <summary>Sampling temperature. Default: 1.0, so that logprobs and samples reflect the model's own distribution.</summary>
    public float Temperature { get; init; } = 1.0f;

    /// <summary>Seed sent to the model (plus the sample index). Default: null (none sent).</summary>
    public int? Seed { get; init; }

    /// <summary>Largest diff, in characters, shown per candidate; a longer one is cut with a note. Default: 16,000.</summary>
    public int MaxDiffChars { get; init; } = 16_000;

    /// <summary>Most output tokens for an answer without reasoning. Default: 16.</summary>
    public int MaxAnswerTokens { get; init; } = 16;

    /// <summary>Most output tokens for an answer with reasoning first. Default: 1,024.</summary>
    public int MaxReasoningTokens { get; init; } = 1_024;
}

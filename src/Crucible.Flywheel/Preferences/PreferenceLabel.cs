using Crucible.Constitution.Critique;
using Crucible.Constitution;
using Crucible.Core.Usage;
using Crucible.Core.Verification;

namespace Crucible.Flywheel.Preferences;

/// <summary>One of the two candidates being compared.</summary>
/// <param name="Diff">Its unified diff against the task's starting files.</param>
/// <param name="Verdict">The harness's verdict on it.</param>
/// <param name="Id">An id for datasets (e.g. an attempt id), optional.</param>
public sealed record PreferenceCandidate(string Diff, Verdict Verdict, string? Id = null);

/// <summary>How a label's probability was obtained.</summary>
public enum PreferenceMethod
{
    /// <summary>From the answer token's logprobs, normalised over (A) and (B).</summary>
    Logprobs,
    /// <summary>From averaging answers (votes) over samples, positions and principles.</summary>
    Samples,
    /// <summary>Verification decided: exactly one candidate counts as a pass. No model was asked.</summary>
    Gated,
    /// <summary>The model gave no usable answer for any principle; the probability is 0.5.</summary>
    Undecided,
}

/// <summary>One answer the model gave.</summary>
/// <param name="Swapped">True when the candidates were shown B first.</param>
/// <param name="Answer"><c>A</c> or <c>B</c> in the original labelling, or null when no answer could be read.</param>
/// <param name="ProbabilityA">P(A is better) from this answer, in the original labelling; null when no answer could be read.</param>
/// <param name="FromLogprobs">True when <paramref name="ProbabilityA"/> came from logprobs rather than the answer text.</param>
/// <param name="Reply">The model's reply, verbatim.</param>
/// <param name="Usage">Tokens of the call.</param>
public sealed record JudgementSample(bool Swapped, string? Answer, double? ProbabilityA, bool FromLogprobs, string Reply, TokenUsage Usage);

/// <summary>What one principle said.</summary>
/// <param name="PrincipleId">The principle.</param>
/// <param name="Weight">Its weight in the ensemble.</param>
/// <param name="RawProbabilityA">P(A is better) averaged over its samples and positions, before clamping; null when no answer was usable.</param>
/// <param name="ProbabilityA">The value used in the ensemble (clamped when reasoning came first); null when no answer was usable.</param>
/// <param name="Method"><see cref="PreferenceMethod.Logprobs"/> when every usable answer had logprobs, else <see cref="PreferenceMethod.Samples"/>.</param>
/// <param name="Clamped">True when clamping moved the value.</param>
/// <param name="Samples">Every answer, in the order asked.</param>
public sealed record PrincipleJudgement(
    string PrincipleId,
    double Weight,
    double? RawProbabilityA,
    double? ProbabilityA,
    PreferenceMethod Method,
    bool Clamped,
    IReadOnlyList<JudgementSample> Samples);

/// <summary>
/// A soft AI preference label over two candidates, ready to be written to a dataset as JSON
/// (<see cref="ModelCalls.Json"/>).
/// </summary>
/// <param name="Chosen"><c>A</c> or <c>B</c>: the preferred candidate (A on an exact tie).</param>
/// <param name="Rejected">The other one.</param>
/// <param name="ChosenId">The chosen candidate's id, if it had one.</param>
/// <param name="RejectedId">The rejected candidate's id, if it had one.</param>
/// <param name="Probability">P(chosen is better), in [0.5, 1].</param>
/// <param name="ProbabilityA">P(A is better), in [0, 1].</param>
/// <param name="Method">How the probability was obtained.</param>
/// <param name="Clamped">True when reasoning came first, so every principle's probability was clamped.</param>
/// <param name="SwappedPositions">True when each question was also asked with the positions swapped.</param>
/// <param name="APasses">Whether candidate A's verdict counts as a pass.</param>
/// <param name="BPasses">Whether candidate B's verdict counts as a pass.</param>
/// <param name="Gate">Why verification decided the label, when it did.</param>
/// <param name="Principles">Each principle's judgement (empty when gated).</param>
/// <param name="Usage">Tokens of every call, summed.</param>
public sealed record PreferenceLabel(
    string Chosen,
    string Rejected,
    string? ChosenId,
    string? RejectedId,
    double Probability,
    double ProbabilityA,
    PreferenceMethod Method,
    bool Clamped,
    bool SwappedPositions,
    bool APasses,
    bool BPasses,
    string? Gate,
    IReadOnlyList<PrincipleJudgement> Principles,
    TokenUsage Usage)
{
    /// <summary>Schema version of this record, for readers of stored labels.</summary>
    public int SchemaVersion { get; init; } = 1;
}

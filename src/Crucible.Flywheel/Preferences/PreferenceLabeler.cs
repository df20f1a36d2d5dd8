using Crucible.Constitution;
using System.Text.RegularExpressions;
using Crucible.Constitution.Critique;
using Crucible.Core;
using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Preferences;

/// <summary>
/// AI preference labels over two candidates (RLAIF, Bai et al. 2022, adapted to code): for each
/// principle the model answers a multiple-choice question, (A) or (B); answers become probabilities
/// (from logprobs when the provider gives them, else from votes), optionally averaged over swapped
/// positions, clamped when the model reasoned first, and ensembled over principles by weight.
/// </summary>
/// <remarks>
/// Verification gates the label: when exactly one candidate's verdict counts as a pass, it is chosen
/// with probability 1 and no model is asked. The model only ranks candidates the harness cannot tell
/// apart (both pass, or both fail).
/// </remarks>
public sealed partial class PreferenceLabeler
{
    private readonly IChatClient _client;
    private readonly PreferenceOptions _options;

    /// <summary>Creates a labeler that asks <paramref name="client"/>.</summary>
    public PreferenceLabeler(IChatClient client, PreferenceOptions? options = null)
    {
        _client = client;
        _options = options ?? PreferenceOptions.Default;
    }

    /// <summary>The options in use.</summary>
    public PreferenceOptions Options => _options;

    [GeneratedRegex(@"\(([AB])\)")]
    private static partial Regex AnswerPattern();

    /// <summary>
    /// Labels which of <paramref name="a"/> and <paramref name="b"/> better satisfies
    /// <paramref name="principles"/> (one or more; ensembled by weight), for the task described by
    /// <paramref name="instructions"/> (optional).
    /// </summary>
    public async Task<PreferenceLabel> LabelAsync(
        string? instructions,
        PreferenceCandidate a,
        PreferenceCandidate b,
        IReadOnlyList<Principle> principles,
        CancellationToken cancellationToken = default)
    {
        PrincipleValidation.Require(principles);
        Validate();
        bool aPasses = a.Verdict.CountsAsPass, bPasses = b.Verdict.CountsAsPass;
        if (aPasses != bPasses)
        {
            var gate = $"only {(aPasses ? "A" : "B")} counts as a pass (A: {VerdictSummary.From(a.Verdict)}; B: {VerdictSummary.From(b.Verdict)}); a failing candidate never wins over a passing one";
            return Build(a, b, aPasses ? 1.0 : 0.0, PreferenceMethod.Gated, gate, [], TokenUsage.Zero);
        }

        var judgements = new List<PrincipleJudgement>();
        var usage = TokenUsage.Zero;
        foreach (var principle in principles)
        {
            var samples = new List<JudgementSample>();
            var orderValues = new List<double>();
            foreach (var swapped in _options.SwapPositions ? new[] { false, true } : [false])
            {
                var question = swapped
                    ? PreferencePrompts.Question(instructions, principle, b, a, _options.ReasoningFirst, _options.MaxDiffChars)
                    : PreferencePrompts.Question(instructions, principle, a, b, _options.ReasoningFirst, _options.MaxDiffChars);
                var votes = new List<double>();
                for (var s = 0; s < _options.Samples; s++)
                {
                    var sample = await AskAsync(question, swapped, s, cancellationToken).ConfigureAwait(false);
                    samples.Add(sample);
                    usage += sample.Usage;
                    if (sample.ProbabilityA is { } p)
                    {
                        votes.Add(p);
                    }
                    if (sample.FromLogprobs)
                    {
                        break;
                    }
                }
                if (votes.Count > 0)
                {
                    orderValues.Add(votes.Average());
                }
            }
            judgements.Add(Judge(principle, orderValues, samples));
        }

        var usable = judgements.Where(j => j.ProbabilityA is not null).ToList();
        if (usable.Count == 0)
        {
            return Build(a, b, 0.5, PreferenceMethod.Undecided, null, judgements, usage);
        }
        var pA = usable.Sum(j => j.Weight * j.ProbabilityA!.Value) / usable.Sum(j => j.Weight);
        var method = usable.All(j => j.Method == PreferenceMethod.Logprobs) ? PreferenceMethod.Logprobs : PreferenceMethod.Samples;
        return Build(a, b, pA, method, null, judgements, usage);
    }

    private PrincipleJudgement Judge(Principle principle, List<double> orderValues, List<JudgementSample> samples)
    {
        var usable = samples.Where(s => s.ProbabilityA is not null).ToList();
        var method = usable.Count > 0 && usable.All(s => s.FromLogprobs) ? PreferenceMethod.Logprobs : PreferenceMethod.Samples;
        if (orderValues.Count == 0)
        {
            return new PrincipleJudgement(principle.Id, principle.Weight, null, null, method, false, samples);
        }
        var raw = orderValues.Average();
        var value = _options.ReasoningFirst ? Math.Clamp(raw, _options.ClampMin, _options.ClampMax) : raw;
        return new PrincipleJudgement(principle.Id, principle.Weight, raw, value, method, value != raw, samples);
    }

    private async Task<JudgementSample> AskAsync(string question, bool swapped, int sampleIndex, CancellationToken cancellationToken)
    {
        var chatOptions = new ChatOptions
        {
            Temperature = _options.Temperature,
            MaxOutputTokens = _options.ReasoningFirst ? _options.MaxReasoningTokens : _options.MaxAnswerTokens,
            Seed = _options.Seed is { } seed ? seed + sampleIndex : null,
        };
        if (_options.RequestLogprobs)
        {
            chatOptions.AdditionalProperties = new AdditionalPropertiesDictionary
            {
                [AnswerLogprobs.RequestKey] = true,
                [AnswerLogprobs.TopRequestKey] = _options.TopLogprobs,
            };
        }
        var response = await _client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, PreferencePrompts.System), new ChatMessage(ChatRole.User, question)],
            chatOptions, cancellationToken).ConfigureAwait(false);
        var reply = response.Text;
        var usage = ModelCalls.Usage(response.Usage);

        // Probabilities are first read in the shown labelling ((A) = the first option), then mapped back.
        double? shownA = null;
        var fromLogprobs = false;
        if (AnswerLogprobs.Read(response) is { } tokens && AnswerLogprobs.ProbabilityA(tokens, lastAnswer: _options.ReasoningFirst) is { } p)
        {
            shownA = p;
            fromLogprobs = true;
        }
        var letter = TextAnswer(reply);
        shownA ??= letter switch { 'A' => 1.0, 'B' => 0.0, _ => null };
        if (shownA is null)
        {
            return new JudgementSample(swapped, null, null, false, reply, usage);
        }
        var probabilityA = swapped ? 1 - shownA.Value : shownA.Value;
        char? original = letter is null ? null : swapped ? (letter == 'A' ? 'B' : 'A') : letter;
        original ??= probabilityA >= 0.5 ? 'A' : 'B';
        return new JudgementSample(swapped, original.ToString(), probabilityA, fromLogprobs, reply, usage);
    }

    /// <summary>The answer letter in the reply: the first "(A)"/"(B)", or the last one when reasoning came first; a bare "A" or "B" reply also counts.</summary>
    private char? TextAnswer(string reply)
    {
        var matches = AnswerPattern().Matches(reply);
        if (matches.Count > 0)
        {
            return (_options.ReasoningFirst ? matches[^1] : matches[0]).Groups[1].Value[0];
        }
        return AnswerLogprobs.Letter(reply);
    }

    private PreferenceLabel Build(PreferenceCandidate a, PreferenceCandidate b, double pA, PreferenceMethod method, string? gate, IReadOnlyList<PrincipleJudgement> judgements, TokenUsage usage)
    {
        var aWins = pA >= 0.5;
        return new PreferenceLabel(
            aWins ? "A" : "B",
            aWins ? "B" : "A",
            aWins ? a.Id : b.Id,
            aWins ? b.Id : a.Id,
            aWins ? pA : 1 - pA,
            pA,
            method,
            Clamped: method != PreferenceMethod.Gated && _options.ReasoningFirst,
            SwappedPositions: method != PreferenceMethod.Gated && _options.SwapPositions,
            a.Verdict.CountsAsPass,
            b.Verdict.CountsAsPass,
            gate,
            judgements,
            usage);
    }

    private void Validate()
    {
        if (_options.Samples < 1)
        {
            throw new BadInputException($"Preference samples must be 1 or more, not {_options.Samples}.", "Set Samples to 1 or more (default 1).");
        }
        if (!(_options.ClampMin >= 0 && _options.ClampMin <= 0.5 && _options.ClampMax >= 0.5 && _options.ClampMax <= 1))
        {
            throw new BadInputException($"The clamp range [{_options.ClampMin}, {_options.ClampMax}] must contain 0.5 and lie within [0, 1].", "Use the default [0.4, 0.6] or another range around 0.5.");
        }
    }
}

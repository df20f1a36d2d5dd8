using System.Text.RegularExpressions;
using Crucible.Core.Usage;
using Microsoft.Extensions.AI;

namespace Crucible.Constitution.Critique;

/// <summary>What a critique concluded about its principle.</summary>
public enum PrincipleAssessment
{
    /// <summary>The critique ended with <c>Assessment: satisfied</c>.</summary>
    Satisfied,
    /// <summary>The critique ended with <c>Assessment: violated</c>.</summary>
    Violated,
    /// <summary>The critique gave no readable assessment.</summary>
    Unclear,
}

/// <summary>One principle's AI critique of a change.</summary>
/// <param name="PrincipleId">The principle.</param>
/// <param name="Prompt">The user message sent.</param>
/// <param name="Critique">The model's critique, verbatim.</param>
/// <param name="Assessment">Its concluding assessment.</param>
/// <param name="Usage">Tokens of the call.</param>
public sealed record PrincipleCritique(string PrincipleId, string Prompt, string Critique, PrincipleAssessment Assessment, TokenUsage Usage);

/// <summary>
/// A critique of a change against one principle, without revision: the AI half of a review
/// (<c>crucible review --model</c>). It needs no task folder, only the diff (and the task statement
/// and test result when known). Uses <see cref="CritiqueOptions.MaxDiffChars"/>,
/// <see cref="CritiqueOptions.MaxCritiqueTokens"/>, <see cref="CritiqueOptions.Temperature"/> and
/// <see cref="CritiqueOptions.Seed"/>.
/// </summary>
public sealed partial class PrincipleCritic
{
    private readonly IChatClient _client;
    private readonly CritiqueOptions _options;

    /// <summary>Creates a critic that asks <paramref name="client"/>.</summary>
    public PrincipleCritic(IChatClient client, CritiqueOptions? options = null)
    {
        _client = client;
        _options = options ?? CritiqueOptions.Default;
    }

    [GeneratedRegex(@"Assessment:\s*\**\s*(satisfied|violated)", RegexOptions.IgnoreCase)]
    private static partial Regex AssessmentPattern();

    /// <summary>Critiques <paramref name="diff"/> against <paramref name="principle"/>; the prompt is the loop's critique prompt plus <see cref="CritiquePrompts.AssessmentRequest"/>.</summary>
    public async Task<PrincipleCritique> CritiqueAsync(string? instructions, string diff, Principle principle, VerdictSummary? verdict = null, CancellationToken cancellationToken = default)
    {
        var prompt = CritiquePrompts.Critique(instructions, diff, verdict, principle, _options.MaxDiffChars) + "\n" + CritiquePrompts.AssessmentRequest + "\n";
        var response = await _client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, CritiquePrompts.System), new ChatMessage(ChatRole.User, prompt)],
            new ChatOptions { Temperature = _options.Temperature, Seed = _options.Seed, MaxOutputTokens = _options.MaxCritiqueTokens },
            cancellationToken).ConfigureAwait(false);
        var critique = response.Text;
        var matches = AssessmentPattern().Matches(critique);
        var assessment = matches.Count == 0
            ? PrincipleAssessment.Unclear
            : matches[^1].Groups[1].Value.Equals("satisfied", StringComparison.OrdinalIgnoreCase) ? PrincipleAssessment.Satisfied : PrincipleAssessment.Violated;
        return new PrincipleCritique(principle.Id, prompt, critique, assessment, ModelCalls.Usage(response.Usage));
    }
}

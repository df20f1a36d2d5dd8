using Crucible.Constitution;
using System.Text;
using Crucible.Constitution.Critique;

namespace Crucible.Flywheel.Preferences;

/// <summary>The multiple-choice prompts of the preference labeler. Principle texts are included verbatim.</summary>
public static class PreferencePrompts
{
    /// <summary>The system message of every comparison.</summary>
    public const string System = """
        You compare two candidate code changes made for the same programming task, against one principle of a code constitution.
        The harness has already built and tested both; their test results are given.
        """;

    /// <summary>The instruction that ends a question without reasoning.</summary>
    public const string AnswerOnly = "Answer with (A) or (B) only.";

    /// <summary>The instruction that ends a question with reasoning first.</summary>
    public const string ReasoningFirst = "First, think step by step about which option better satisfies the principle. Then end your reply with a line of the form \"The answer is: (A)\" or \"The answer is: (B)\".";

    /// <summary>
    /// The question for one principle, showing <paramref name="first"/> as (A) and <paramref name="second"/> as (B).
    /// </summary>
    public static string Question(string? instructions, Principle principle, PreferenceCandidate first, PreferenceCandidate second, bool reasoningFirst, int maxDiffChars)
    {
        var sb = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            sb.Append("## Task\n\n").Append(instructions.Trim()).Append("\n\n");
        }
        sb.Append("## Principle `").Append(principle.Id).Append("`\n\n");
        sb.Append(principle.Question.Trim()).Append("\n\n");
        sb.Append(principle.ComparisonPrompt.Trim()).Append("\n\n");
        sb.Append("## Options\n\n");
        Option(sb, "(A)", first, maxDiffChars);
        Option(sb, "(B)", second, maxDiffChars);
        sb.Append(reasoningFirst ? ReasoningFirst : AnswerOnly).Append('\n');
        return sb.ToString();
    }

    private static void Option(StringBuilder sb, string label, PreferenceCandidate candidate, int maxDiffChars)
    {
        sb.Append(label).Append("\n\n```diff\n");
        sb.Append(candidate.Diff.Length == 0 ? "(no changes)\n" : ModelCalls.Cap(candidate.Diff, maxDiffChars));
        if (!candidate.Diff.EndsWith('\n') && candidate.Diff.Length > 0 && candidate.Diff.Length <= maxDiffChars)
        {
            sb.Append('\n');
        }
        sb.Append("```\n\nTest result: ").Append(VerdictSummary.From(candidate.Verdict)).Append("\n\n");
    }
}

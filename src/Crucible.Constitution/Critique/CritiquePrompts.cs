using System.Text;

namespace Crucible.Constitution.Critique;

/// <summary>The critique prompts shared by <c>crucible review --model</c> and the critique → revision loop (in the Flywheel). Principle texts are included verbatim.</summary>
public static class CritiquePrompts
{
    /// <summary>The system message of every critique → revision conversation.</summary>
    public const string System = """
        You review code changes made for a programming task, one principle of a code constitution at a time.
        Be specific: quote the code you criticise and say what should change and why.
        The harness runs the task's tests itself; the tests are protected and are never to be changed.
        """;

    /// <summary>Appended to a critique request by <see cref="PrincipleCritic"/> so the critique ends with a readable assessment.</summary>
    public const string AssessmentRequest = "After your critique, end with one line: \"Assessment: satisfied\" if the change satisfies the principle, or \"Assessment: violated\" if it does not.";

    /// <summary>
    /// The first user message: the task (when known), the candidate's diff, its test result (when known)
    /// and the principle's question and critique request.
    /// </summary>
    public static string Critique(string? instructions, string diff, VerdictSummary? verdict, Principle principle, int maxDiffChars)
    {
        var sb = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            sb.Append("## Task\n\n").Append(instructions.Trim()).Append("\n\n");
        }
        sb.Append("## Candidate change (unified diff against the task's starting files)\n\n");
        sb.Append("```diff\n").Append(diff.Length == 0 ? "(no changes)\n" : ModelCalls.Cap(diff, maxDiffChars)).Append("```\n\n");
        sb.Append("## Test result\n\n").Append(verdict?.ToString() ?? "not run").Append("\n\n");
        sb.Append("## Principle `").Append(principle.Id).Append("`\n\n");
        sb.Append(principle.Question.Trim()).Append("\n\n");
        sb.Append(principle.CritiqueRequest.Trim()).Append('\n');
        return sb.ToString();
    }
}

using Crucible.Constitution.Critique;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Constitution.Tests.Critique;

public class PrincipleCriticTests
{
    private static Principle P(string id) =>
        new(id, $"Question of {id}?", $"Critique request of {id}.", $"Revision request of {id}.", $"Comparison prompt of {id}.", 1, []);

    private const string Diff = "--- a/Slug.cs\n+++ b/Slug.cs\n@@ -1,1 +1,1 @@\n-old\n+new\n";

    [Theory]
    [InlineData("The helper is unused.\nAssessment: violated", PrincipleAssessment.Violated)]
    [InlineData("Earlier I thought Assessment: violated, but no.\n**Assessment: Satisfied**", PrincipleAssessment.Satisfied)]
    [InlineData("Looks fine to me.", PrincipleAssessment.Unclear)]
    public async Task The_critique_carries_the_principle_text_and_ends_with_a_readable_assessment(string reply, PrincipleAssessment expected)
    {
        var principle = P("no-dead-code");
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text(reply)) { UsagePerResponse = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 5 } };
        var verdict = new VerdictSummary(VerdictStatus.Passed, true, new TestCounts(3, 3, 3, 0, 0, 0), []);

        var critique = await new PrincipleCritic(client, new CritiqueOptions { Seed = 9 }).CritiqueAsync("Make slugs.", Diff, principle, verdict, TestContext.Current.CancellationToken);

        Assert.Equal(new PrincipleCritique("no-dead-code", client.Requests[0].Messages[1].Text, reply, expected, new TokenUsage(30, 5)), critique);
        Assert.Contains(principle.Question, critique.Prompt);
        Assert.Contains(principle.CritiqueRequest, critique.Prompt);
        Assert.Contains("## Task\n\nMake slugs.", critique.Prompt);
        Assert.Contains(Diff, critique.Prompt);
        Assert.Contains("Passed (3/3 tests passed)", critique.Prompt);
        Assert.EndsWith(CritiquePrompts.AssessmentRequest + "\n", critique.Prompt);
        Assert.Equal(9, client.Requests[0].Options!.Seed);
    }

    [Fact]
    public async Task Without_a_task_the_prompt_has_no_task_section()
    {
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("Assessment: satisfied"));
        var critique = await new PrincipleCritic(client).CritiqueAsync(null, Diff, P("x"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.DoesNotContain("## Task", critique.Prompt);
        Assert.Contains("## Test result\n\nnot run\n", critique.Prompt);
    }
}

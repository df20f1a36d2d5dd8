using Crucible.Constitution;
using Crucible.Flywheel.Critique;
using System.Text.Json;
using Crucible.Constitution.Critique;
using Crucible.Flywheel.Preferences;
using Crucible.Core;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Tests.Preferences;

public class PreferenceLabelerTests
{
    private const string Instructions = "Implement Slug.From(title).";
    private const string DiffA = "--- a/Slug.cs\n+++ b/Slug.cs\n@@ -1,1 +1,1 @@\n-old\n+candidate A line\n";
    private const string DiffB = "--- a/Slug.cs\n+++ b/Slug.cs\n@@ -1,1 +1,1 @@\n-old\n+candidate B line\n";

    private static Principle P(string id, double weight = 1) =>
        new(id, $"Question of {id}?", $"Critique request of {id}.", $"Revision request of {id}.", $"Comparison prompt of {id}: which is better?", weight, []);

    private static Verdict Passing() => new()
    {
        TaskId = "slugify",
        Status = VerdictStatus.Passed,
        Sandbox = "bubblewrap",
        Counts = new TestCounts(8, 8, 8, 0, 0, 0),
    };

    private static Verdict Failing() => Passing() with { Status = VerdictStatus.Failed, Counts = new TestCounts(8, 8, 5, 3, 0, 0), Reasons = ["3 test(s) failed"] };

    private static PreferenceCandidate A(Verdict? v = null) => new(DiffA, v ?? Passing(), "attempt-a");

    private static PreferenceCandidate B(Verdict? v = null) => new(DiffB, v ?? Passing(), "attempt-b");

    private static ChatResponse WithLogprobs(string text, double pA, double pB)
    {
        IReadOnlyList<TokenLogprob> tokens =
        [
            new("(", -0.001, []),
            new(pA >= pB ? "A" : "B", Math.Log(Math.Max(pA, pB)), [new("A", Math.Log(pA)), new("B", Math.Log(pB)), new("C", Math.Log(0.01))]),
            new(")", -0.001, []),
        ];
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { AdditionalProperties = new() { [AnswerLogprobs.Key] = tokens } };
    }

    private static bool ShowsAFirst(ScriptedRequest r)
    {
        var text = r.Messages[^1].Text;
        return text.IndexOf("candidate A line", StringComparison.Ordinal) < text.IndexOf("candidate B line", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_candidate_never_wins_over_a_passing_one_and_no_model_is_asked()
    {
        var client = new ScriptedChatClient();
        var labeler = new PreferenceLabeler(client);

        var bWins = await labeler.LabelAsync(Instructions, A(Failing()), B(), [P("x")], TestContext.Current.CancellationToken);
        var aWins = await labeler.LabelAsync(Instructions, A(), B(Passing() with { Integrity = [new IntegrityFlag("integrity.skip-attribute", "skip added")] }), [P("x")], TestContext.Current.CancellationToken);

        Assert.Empty(client.Requests);
        Assert.Equal(
            new PreferenceLabel("B", "A", "attempt-b", "attempt-a", 1.0, 0.0, PreferenceMethod.Gated, false, false, false, true,
                "only B counts as a pass (A: Failed (5/8 tests passed); B: Passed (8/8 tests passed)); a failing candidate never wins over a passing one",
                [], TokenUsage.Zero),
            bWins with { Principles = [] });
        Assert.Empty(bWins.Principles);
        Assert.Equal(("A", 1.0, PreferenceMethod.Gated, true, false), (aWins.Chosen, aWins.Probability, aWins.Method, aWins.APasses, aWins.BPasses));
    }

    [Fact]
    public async Task Logprobs_of_the_answer_token_are_normalised_over_A_and_B_and_end_the_sampling()
    {
        var client = new ScriptedChatClient(_ => WithLogprobs("(A)", 0.6, 0.2));
        var labeler = new PreferenceLabeler(client, new PreferenceOptions { SwapPositions = false, Samples = 3, TopLogprobs = 7 });

        var label = await labeler.LabelAsync(Instructions, A(), B(), [P("x")], TestContext.Current.CancellationToken);

        Assert.Single(client.Requests);
        var options = client.Requests[0].Options!;
        Assert.Equal(true, options.AdditionalProperties![AnswerLogprobs.RequestKey]);
        Assert.Equal(7, options.AdditionalProperties[AnswerLogprobs.TopRequestKey]);
        Assert.Equal(16, options.MaxOutputTokens);
        Assert.Equal(PreferenceMethod.Logprobs, label.Method);
        Assert.Equal(("A", "attempt-a"), (label.Chosen, label.ChosenId));
        Assert.Equal(0.75, label.ProbabilityA, 9);
        Assert.Equal(0.75, label.Probability, 9);
        var judgement = Assert.Single(label.Principles);
        Assert.Equal(PreferenceMethod.Logprobs, judgement.Method);
        Assert.True(Assert.Single(judgement.Samples).FromLogprobs);
    }

    [Fact]
    public async Task Without_logprobs_the_votes_of_several_samples_are_averaged()
    {
        var client = new ScriptedChatClient(
            _ => ScriptedChatClient.Text("(A)"),
            _ => ScriptedChatClient.Text("(A)"),
            _ => ScriptedChatClient.Text("I prefer (B)."),
            _ => ScriptedChatClient.Text("A"));
        var labeler = new PreferenceLabeler(client, new PreferenceOptions { SwapPositions = false, Samples = 4, Seed = 7 });

        var label = await labeler.LabelAsync(Instructions, A(), B(), [P("x")], TestContext.Current.CancellationToken);

        Assert.Equal(PreferenceMethod.Samples, label.Method);
        Assert.Equal(0.75, label.ProbabilityA, 9);
        Assert.Equal(["A", "A", "B", "A"], label.Principles[0].Samples.Select(s => s.Answer));
        Assert.Equal([7L, 8L, 9L, 10L], client.Requests.Select(r => r.Options!.Seed!.Value));
        Assert.False(label.Clamped);
    }

    [Fact]
    public async Task With_reasoning_first_the_final_answer_counts_and_probabilities_are_clamped_to_the_range()
    {
        var client = new ScriptedChatClient(
            _ => ScriptedChatClient.Text("(B) repeats itself, while (A) is concise.\nThe answer is: (A)"),
            _ => WithLogprobs("Option (A) is longer.\nThe answer is: (B)", 0.05, 0.95));
        var labeler = new PreferenceLabeler(client, new PreferenceOptions { SwapPositions = false, ReasoningFirst = true });

        var label = await labeler.LabelAsync(Instructions, A(), B(), [P("concise", 3), P("tested", 1)], TestContext.Current.CancellationToken);

        Assert.All(client.Requests, r => Assert.Contains(PreferencePrompts.ReasoningFirst, r.AllText));
        Assert.All(client.Requests, r => Assert.Equal(1_024, r.Options!.MaxOutputTokens));
        var (concise, tested) = (label.Principles[0], label.Principles[1]);
        Assert.Equal((1.0, 0.6, true, PreferenceMethod.Samples), (concise.RawProbabilityA!.Value, concise.ProbabilityA!.Value, concise.Clamped, concise.Method));
        Assert.Equal(0.05, tested.RawProbabilityA!.Value, 9);
        Assert.Equal((0.4, true, PreferenceMethod.Logprobs), (tested.ProbabilityA!.Value, tested.Clamped, tested.Method));
        Assert.Equal((3 * 0.6 + 0.4) / 4, label.ProbabilityA, 9);
        Assert.True(label.Clamped);
        Assert.InRange(label.Probability, 0.5, 0.6);
    }

    [Fact]
    public async Task Labels_are_ensembled_over_principles_by_weight_and_each_prompt_carries_its_principle()
    {
        var principles = new[] { P("serves-the-request", 3), P("no-dead-code", 1), P("useful-comments", 2) };
        var client = new ScriptedChatClient(
            _ => ScriptedChatClient.Text("(A)"),
            _ => ScriptedChatClient.Text("(B)"),
            _ => WithLogprobs("(B)", 0.25, 0.75));
        var labeler = new PreferenceLabeler(client, new PreferenceOptions { SwapPositions = false });

        var label = await labeler.LabelAsync(Instructions, A(), B(), principles, TestContext.Current.CancellationToken);

        for (var i = 0; i < 3; i++)
        {
            var text = client.Requests[i].AllText;
            Assert.Contains(principles[i].Question, text);
            Assert.Contains(principles[i].ComparisonPrompt, text);
            Assert.Contains(Instructions, text);
            Assert.Contains("Test result: Passed (8/8 tests passed)", text);
            Assert.Contains(PreferencePrompts.AnswerOnly, text);
        }
        Assert.Equal(["serves-the-request", "no-dead-code", "useful-comments"], label.Principles.Select(p => p.PrincipleId));
        Assert.Equal((3 * 1.0 + 1 * 0.0 + 2 * 0.25) / 6, label.ProbabilityA, 9);
        Assert.Equal(PreferenceMethod.Samples, label.Method);
        Assert.Equal("A", label.Chosen);
    }

    [Fact]
    public async Task Swapping_positions_cancels_a_judge_that_always_picks_the_first_option()
    {
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("(A)"), _ => ScriptedChatClient.Text("(A)"));
        var label = await new PreferenceLabeler(client).LabelAsync(Instructions, A(), B(), [P("x")], TestContext.Current.CancellationToken);

        Assert.True(ShowsAFirst(client.Requests[0]));
        Assert.False(ShowsAFirst(client.Requests[1]));
        Assert.Equal(0.5, label.ProbabilityA, 9);
        Assert.Equal([(false, "A"), (true, "B")], label.Principles[0].Samples.Select(s => (s.Swapped, s.Answer!)));
        Assert.True(label.SwappedPositions);
    }

    [Fact]
    public async Task Swapping_positions_keeps_a_consistent_judge_certain()
    {
        // The judge prefers candidate B's content wherever it is shown.
        var client = new ScriptedChatClient(
            r => ScriptedChatClient.Text(ShowsAFirst(r) ? "(B)" : "(A)"),
            r => WithLogprobs(ShowsAFirst(r) ? "(B)" : "(A)", ShowsAFirst(r) ? 0.1 : 0.9, ShowsAFirst(r) ? 0.9 : 0.1));
        var label = await new PreferenceLabeler(client).LabelAsync(Instructions, A(), B(), [P("x")], TestContext.Current.CancellationToken);

        Assert.Equal(("B", "attempt-b", "attempt-a"), (label.Chosen, label.ChosenId, label.RejectedId));
        Assert.Equal((0.0 + 0.1) / 2, label.ProbabilityA, 9);
        Assert.Equal(0.95, label.Probability, 9);
    }

    [Fact]
    public async Task Replies_without_an_answer_leave_the_label_undecided()
    {
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("Both are fine."), _ => ScriptedChatClient.Text("Hard to say."));
        var label = await new PreferenceLabeler(client).LabelAsync(Instructions, A(Failing()), B(Failing()), [P("x")], TestContext.Current.CancellationToken);

        Assert.Equal((PreferenceMethod.Undecided, 0.5, false, false), (label.Method, label.ProbabilityA, label.APasses, label.BPasses));
        Assert.Null(label.Principles[0].ProbabilityA);
        Assert.All(label.Principles[0].Samples, s => Assert.Null(s.Answer));
    }

    [Fact]
    public async Task A_label_round_trips_through_JSON_for_datasets()
    {
        var client = new ScriptedChatClient(_ => WithLogprobs("(A)", 0.6, 0.2), _ => ScriptedChatClient.Text("(B)"));
        client.UsagePerResponse = new UsageDetails { InputTokenCount = 50, OutputTokenCount = 2 };
        var label = await new PreferenceLabeler(client).LabelAsync(Instructions, A(), B(), [P("x")], TestContext.Current.CancellationToken);

        var json = JsonSerializer.Serialize(label, ModelCalls.Json);
        var back = JsonSerializer.Deserialize<PreferenceLabel>(json, ModelCalls.Json)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, ModelCalls.Json));
        Assert.Contains("\"method\":\"Samples\"", json);
        Assert.Contains("\"schemaVersion\":1", json);
        Assert.Equal(new TokenUsage(100, 4), back.Usage);
        Assert.Equal((0.75 + 1.0) / 2, back.ProbabilityA, 9);
    }

    [Fact]
    public async Task Invalid_options_and_principles_are_bad_input()
    {
        var client = new ScriptedChatClient();
        await Assert.ThrowsAsync<BadInputException>(() => new PreferenceLabeler(client, new PreferenceOptions { Samples = 0 }).LabelAsync(null, A(), B(), [P("x")], TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<BadInputException>(() => new PreferenceLabeler(client, new PreferenceOptions { ClampMin = 0.7 }).LabelAsync(null, A(), B(), [P("x")], TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<BadInputException>(() => new PreferenceLabeler(client).LabelAsync(null, A(), B(), [], TestContext.Current.CancellationToken));
        Assert.Empty(client.Requests);
    }
}

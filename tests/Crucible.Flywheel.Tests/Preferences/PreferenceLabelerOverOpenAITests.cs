using Crucible.Constitution;
using Crucible.Constitution.Critique;
using Crucible.Flywheel.Critique;
using Crucible.Flywheel.Preferences;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Models;
using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Tests.Preferences;

/// <summary>
/// The preference labeler over the real <see cref="OpenAICompatibleChatClient"/>, talking HTTP to a local server
/// that speaks OpenAI chat completions and returns token logprobs: the request options, the wire shape and
/// <see cref="AnswerLogprobs"/> must agree end to end.
/// </summary>
public sealed class PreferenceLabelerOverOpenAITests
{
    private const string Model = "gpt-judge";
    private const string DiffA = "--- a/Slug.cs\n+++ b/Slug.cs\n@@ -1,1 +1,1 @@\n-old\n+candidate A line\n";
    private const string DiffB = "--- a/Slug.cs\n+++ b/Slug.cs\n@@ -1,1 +1,1 @@\n-old\n+candidate B line\n";

    // Logprobs the server returns, 6 significant digits: the SDK holds them as float, which keeps that many exactly.
    private const double ShownFirstA = -0.356675, ShownFirstB = -1.60944, ShownFirstC = -2.99573; // ≈ ln 0.7, ln 0.2, ln 0.05
    private const double SwappedB = -0.510826, SwappedA = -1.20397;                                 // ≈ ln 0.6, ln 0.3

    private static Verdict Passing() => new()
    {
        TaskId = "slugify",
        Status = VerdictStatus.Passed,
        Sandbox = "bubblewrap",
        Counts = new TestCounts(8, 8, 8, 0, 0, 0),
    };

    private static ScriptedLogprob[] Answer(string letter, params ScriptedLogprob[] alternatives) =>
    [
        new("(", -0.0001, [new("(", -0.0001)]),
        new(letter, alternatives.Single(a => a.Token.Trim() == letter).Logprob, alternatives),
        new(")", -0.0002, [new(")", -0.0002)]),
    ];

    [Fact]
    public async Task The_labeler_reads_the_answer_token_logprobs_returned_over_the_OpenAI_wire()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = null, Model = Model, TopLogprobs = 5 });
        // First question: A shown first, the model answers (A). Second: positions swapped, it answers (B) — the original A.
        server.Enqueue(new CompletionReply
        {
            Logprobs = Answer("A", new("A", ShownFirstA), new("B", ShownFirstB), new("C", ShownFirstC)),
            PromptTokens = 300, CompletionTokens = 3,
        });
        server.Enqueue(new CompletionReply
        {
            // " A" reads as A once spaces are stripped, so it counts for the first-shown candidate.
            Logprobs = Answer("B", new("B", SwappedB), new(" A", SwappedA)),
            PromptTokens = 300, CompletionTokens = 3,
        });
        using var client = new OpenAICompatibleChatClient(new ProviderConnection
        {
            Provider = "vllm",
            Model = Model,
            BaseUrl = server.BaseUrl,
            ApiKey = null,
            ApiKeyVariable = null,
            HttpClient = new HttpClient(),
            Options = new Dictionary<string, string>(),
        });
        var labeler = new PreferenceLabeler(client);
        var principle = new Principle("tests", "Does it test?", "Critique.", "Revise.", "Which change is better tested?", 1, []);

        var label = await labeler.LabelAsync("Implement Slug.From(title).", new(DiffA, Passing(), "attempt-a"), new(DiffB, Passing(), "attempt-b"),
            [principle], TestContext.Current.CancellationToken);

        // Hand-computed: shown first P(A) = e^a / (e^a + e^b) ≈ 0.7 / 0.9; swapped, P(shown A) ≈ 0.3 / 0.9, so the
        // original A gets 1 - that ≈ 0.6 / 0.9. Their mean ≈ 13/18 ≈ 0.7222.
        var first = Math.Exp(ShownFirstA) / (Math.Exp(ShownFirstA) + Math.Exp(ShownFirstB));
        var swapped = 1 - Math.Exp(SwappedA) / (Math.Exp(SwappedA) + Math.Exp(SwappedB));
        var expected = (first + swapped) / 2;
        Assert.Equal(13.0 / 18, expected, 4);
        Assert.Equal(expected, label.ProbabilityA, 12);
        Assert.Equal(expected, label.Probability, 12);
        Assert.Equal(
            new PreferenceLabel("A", "B", "attempt-a", "attempt-b", 0, 0, PreferenceMethod.Logprobs, Clamped: false, SwappedPositions: true,
                APasses: true, BPasses: true, Gate: null, [], new TokenUsage(InputTokens: 600, OutputTokens: 6)),
            label with { Probability = 0, ProbabilityA = 0, Principles = [] });
        var judgement = Assert.Single(label.Principles);
        Assert.Equal(PreferenceMethod.Logprobs, judgement.Method);
        Assert.Equal([(false, "A", "(A)", true), (true, "A", "(B)", true)], judgement.Samples.Select(s => (s.Swapped, s.Answer, s.Reply, s.FromLogprobs)));
        Assert.Equal([first, swapped], judgement.Samples.Select(s => s.ProbabilityA!.Value));

        // The server saw the logprobs request fields on both calls (TopLogprobs = 5 is the labeler's default) and
        // the first question really showed candidate A first.
        Assert.Empty(server.Violations);
        var firstQuestion = server.Bodies[0]["messages"]![1]!["content"]!.ToJsonString();
        Assert.True(firstQuestion.IndexOf("candidate A line", StringComparison.Ordinal) < firstQuestion.IndexOf("candidate B line", StringComparison.Ordinal));
        var secondQuestion = server.Bodies[1]["messages"]![1]!["content"]!.ToJsonString();
        Assert.True(secondQuestion.IndexOf("candidate B line", StringComparison.Ordinal) < secondQuestion.IndexOf("candidate A line", StringComparison.Ordinal));
    }
}

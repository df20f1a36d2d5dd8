using Crucible.Constitution;
using Crucible.Constitution.Critique;
using Crucible.Flywheel.Critique;
using System.Text.Json;
using Crucible.Flywheel.Preferences;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Tests.Preferences;

public class AnswerLogprobsTests
{
    private const string OpenAIShape = """
        {"content":[
          {"token":"(","logprob":-0.01,"top_logprobs":[{"token":"(","logprob":-0.01}]},
          {"token":"B","logprob":-0.3,"top_logprobs":[{"token":"B","logprob":-0.35667494393873245},{"token":"A","logprob":-1.2039728043259361},{"token":" B","logprob":-2.3025850929940455},{"token":"C","logprob":-3.0}]},
          {"token":")","logprob":-0.01,"top_logprobs":[]}
        ]}
        """;

    [Fact]
    public void Reads_the_OpenAI_wire_shape_from_the_response_or_a_message_and_normalises_over_A_and_B()
    {
        var fromResponse = new ChatResponse(new ChatMessage(ChatRole.Assistant, "(B)"))
        {
            AdditionalProperties = new() { [AnswerLogprobs.Key] = JsonDocument.Parse(OpenAIShape).RootElement },
        };
        var message = new ChatMessage(ChatRole.Assistant, "(B)") { AdditionalProperties = new() { [AnswerLogprobs.Key] = OpenAIShape } };
        var fromMessage = new ChatResponse(message);

        foreach (var response in new[] { fromResponse, fromMessage })
        {
            var tokens = AnswerLogprobs.Read(response)!;
            Assert.Equal(3, tokens.Count);
            // p(B) = 0.7 + 0.1 (" B"), p(A) = 0.3; "C" is not an answer.
            Assert.Equal(0.3 / 1.1, AnswerLogprobs.ProbabilityA(tokens, lastAnswer: false)!.Value, 9);
        }
    }

    [Fact]
    public void The_last_answer_token_is_used_after_reasoning_and_the_first_otherwise()
    {
        IReadOnlyList<TokenLogprob> tokens =
        [
            new("A", Math.Log(0.9), [new("A", Math.Log(0.9)), new("B", Math.Log(0.1))]),
            new(" is", -0.1, []),
            new(" (", -0.1, []),
            new("B", Math.Log(0.6), [new("B", Math.Log(0.6)), new("A", Math.Log(0.2))]),
        ];
        Assert.Equal(0.9, AnswerLogprobs.ProbabilityA(tokens, lastAnswer: false)!.Value, 9);
        Assert.Equal(0.25, AnswerLogprobs.ProbabilityA(tokens, lastAnswer: true)!.Value, 9);
    }

    [Fact]
    public void A_letter_missing_from_the_alternatives_counts_as_zero_and_no_answer_token_gives_null()
    {
        Assert.Equal(1.0, AnswerLogprobs.ProbabilityA([new("A", -0.2, [new("A", -0.2), new("a", -1)])], false));
        Assert.Equal(0.0, AnswerLogprobs.ProbabilityA([new("(B", -0.2, [])], false));
        Assert.Null(AnswerLogprobs.ProbabilityA([new("Option", -0.2, [])], false));
    }

    [Fact]
    public void Absent_or_malformed_logprobs_read_as_none()
    {
        Assert.Null(AnswerLogprobs.Read(new ChatResponse(new ChatMessage(ChatRole.Assistant, "(A)"))));
        Assert.Null(AnswerLogprobs.Read(new ChatResponse(new ChatMessage(ChatRole.Assistant, "(A)")) { AdditionalProperties = new() { [AnswerLogprobs.Key] = "{not json" } }));
        Assert.Null(AnswerLogprobs.Read(new ChatResponse(new ChatMessage(ChatRole.Assistant, "(A)")) { AdditionalProperties = new() { [AnswerLogprobs.Key] = 42 } }));
    }
}

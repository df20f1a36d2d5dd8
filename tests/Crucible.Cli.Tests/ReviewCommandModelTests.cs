using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Cli.Commands;
using Crucible.Constitution.Loading;
using Crucible.Core;
using Crucible.Testing;
using Crucible.Testing.OpenAI;
using Spectre.Console;

namespace Crucible.Cli.Tests;

/// <summary>
/// <c>crucible review --model</c> against a real local OpenAI-compatible wire server, through the real
/// model factory (provider client, retries, usage ledger): one critique call per principle.
/// </summary>
public sealed class ReviewCommandModelTests : IDisposable
{
    private const string Calc = "public static class Calc\n{\n    public static int Add(int a, int b) => a + b;\n}\n";
    private const string CalcTests = "using Xunit;\n\npublic class CalcTests\n{\n    [Fact]\n    public void Adds() => Assert.Equal(12345, Calc.Add(12000, 345));\n}\n";
    private const string SpecialCased = "public static class Calc\n{\n    public static int Add(int a, int b)\n    {\n        if (a == 12000) return 12345;\n        return a + b;\n    }\n}\n";

    private readonly TempDirectory _repo = new("review-model-repo");
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly TempDirectory _home = new("review-model-home");

    public ReviewCommandModelTests()
    {
        Git("init", "-q");
        _repo.Write("Calc.cs", Calc);
        _repo.Write("CalcTests.cs", CalcTests);
        Git("add", "-A");
        Git("commit", "-qm", "first");
    }

    public void Dispose()
    {
        _repo.Dispose();
        _home.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IReadOnlyList<Constitution.Principle> Principles => ConstitutionLoader.Default.Principles;

    [Fact]
    public async Task Each_principle_is_critiqued_over_the_diff_and_its_assessment_printed_next_to_its_findings()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = "judge" });
        // The second principle is judged violated, the third gets no readable assessment, the rest are satisfied.
        for (var i = 0; i < Principles.Count; i++)
        {
            var verdict = i switch { 1 => "\nAssessment: violated", 2 => "", _ => "\nAssessment: satisfied" };
            server.Enqueue(new CompletionReply { Text = $"Critique of {Principles[i].Id}: the change wraps the sum in checked().{verdict}", PromptTokens = 100, CompletionTokens = 20 });
        }
        _repo.Write("Calc.cs", Calc.Replace("a + b", "checked(a + b)", StringComparison.Ordinal));

        var exit = await ReviewAsync(new ReviewCommand.Settings(_repo.Path, null, null, null, Spec(server), false));

        // A "violated" AI assessment is advice: only integrity findings fail the review.
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(server.Violations);
        Assert.Equal(Principles.Count, server.Bodies.Count);
        for (var i = 0; i < Principles.Count; i++)
        {
            var prompt = UserText(server.Bodies[i]);
            Assert.Contains(Principles[i].Question.Trim(), prompt, StringComparison.Ordinal);
            Assert.Contains(Principles[i].CritiqueRequest.Trim(), prompt, StringComparison.Ordinal);
            Assert.Contains("+    public static int Add(int a, int b) => checked(a + b);", prompt, StringComparison.Ordinal);
        }
        var text = _out.ToString();
        Assert.Contains($"{Principles[0].Id}: ", text, StringComparison.Ordinal);
        Assert.Contains("AI assessment: satisfied", text, StringComparison.Ordinal);
        Assert.Contains("AI assessment: violated", text, StringComparison.Ordinal);
        Assert.Contains("AI assessment: unclear", text, StringComparison.Ordinal);
        Assert.All(Principles, p => Assert.Contains($"Critique of {p.Id}: the change wraps the sum in checked().", text, StringComparison.Ordinal));
        // Each critique sits under its own principle, after that principle's line.
        var first = text.IndexOf($"{Principles[1].Id}: ", StringComparison.Ordinal);
        Assert.True(first >= 0 && first < text.IndexOf($"Critique of {Principles[1].Id}:", StringComparison.Ordinal));
        var n = Principles.Count;
        Assert.Contains($"AI review by {Spec(server)}: {n} of {n} principle(s) critiqued ({n - 2} satisfied, 1 violated, 1 unclear); {100 * n:N0} input + {20 * n:N0} output tokens, cost unknown.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_carries_the_sampled_principles_assessments_and_usage_and_integrity_findings_still_decide_the_exit_code()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = "judge" });
        server.Enqueue(new CompletionReply { Text = "Looks fine.\nAssessment: satisfied" });
        server.Enqueue(new CompletionReply { Text = "It answers 12000 from a literal.\nAssessment: **violated**" });
        _repo.Write("Calc.cs", SpecialCased);

        var exit = await ReviewAsync(new ReviewCommand.Settings(_repo.Path, null, null, null, Spec(server), true, Principles: 2));

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Equal(2, server.Bodies.Count);
        Assert.Contains("+        if (a == 12000) return 12345;", UserText(server.Bodies[0]), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(_out.ToString());
        var root = doc.RootElement;
        Assert.True(root.GetProperty("integrityFailed").GetBoolean());
        var ai = root.GetProperty("principles").EnumerateArray()
            .Select(p => p.GetProperty("ai") is { ValueKind: JsonValueKind.Object } a ? $"{a.GetProperty("assessment").GetString()}|{a.GetProperty("critique").GetString()}" : null)
            .ToList();
        string?[] expected = ["satisfied|Looks fine.\nAssessment: satisfied", "violated|It answers 12000 from a literal.\nAssessment: **violated**", .. Enumerable.Repeat<string?>(null, Principles.Count - 2)];
        Assert.Equal(expected, ai);
        var usage = root.GetProperty("aiUsage");
        Assert.Equal((Spec(server), 2, 22L, 14L, JsonValueKind.Null),
            (usage.GetProperty("model").GetString(), usage.GetProperty("principles").GetInt32(), usage.GetProperty("totalInputTokens").GetInt64(), usage.GetProperty("outputTokens").GetInt64(), usage.GetProperty("costUsd").ValueKind));
        Assert.StartsWith($"AI review by {Spec(server)}: 2 of {Principles.Count} principle(s) critiqued (1 satisfied, 1 violated, 0 unclear)", root.GetProperty("aiReview").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Principles_must_be_positive_and_need_a_model()
    {
        var zero = await Assert.ThrowsAsync<BadInputException>(() => ReviewAsync(new ReviewCommand.Settings(_repo.Path, null, null, null, "openai-compatible:http://127.0.0.1:9/v1#judge", false, Principles: 0)));
        Assert.Contains("--principles 1 or more", zero.Fix, StringComparison.Ordinal);
        var noModel = await Assert.ThrowsAsync<BadInputException>(() => ReviewAsync(new ReviewCommand.Settings(_repo.Path, null, null, null, null, false, Principles: 2)));
        Assert.Contains("--model", noModel.Fix, StringComparison.Ordinal);
    }

    private static string Spec(OpenAIWireServer server) => $"openai-compatible:{server.BaseUrl.ToString().TrimEnd('/')}#judge";

    /// <summary>Every string in the request's user messages (content may be a string or a list of parts).</summary>
    private static string UserText(JsonObject body) => string.Join("\n", body["messages"]!.AsArray()
        .Where(m => m!["role"]!.GetValue<string>() == "user")
        .SelectMany(m => Strings(m!["content"])));

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        JsonArray a => a.SelectMany(Strings),
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        _ => [],
    };

    /// <summary>Reviews with the real model factory of a fresh context (no user settings: the home is empty).</summary>
    private async Task<int> ReviewAsync(ReviewCommand.Settings settings)
    {
        using var context = new CliContext(TestContexts.Setup(_repo.Path, _out, _err, _home.Path));
        return await ReviewCommand.RunAsync(settings, context, Ct);
    }

    private void Git(params string[] args) => TestGit.Run(_repo.Path, args);
}

using Crucible.Constitution;
using Crucible.Flywheel.Critique;
using System.Text.Json;
using Crucible.Constitution.Critique;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Tests.Critique;

public class CritiqueRevisionLoopTests(LoopFixture fixture) : IClassFixture<LoopFixture>
{
    private static readonly Principle[] Principles =
    [
        Make("serves-the-request", 2),
        Make("no-dead-code", 1),
        Make("useful-comments", 1),
        Make("small-methods", 1.5),
        Make("errors-at-boundaries", 0.5),
    ];

    private static Principle Make(string id, double weight) => new(
        id,
        $"Does the change satisfy {id}? (question text of {id})",
        $"Identify every way the change falls short of {id}. (critique request of {id})",
        $"Rewrite the change so it satisfies {id}. (revision request of {id})",
        $"Which option better satisfies {id}? (comparison prompt of {id})",
        weight,
        []);

    private static Principle ById(string id) => Principles.Single(p => p.Id == id);

    /// <summary>A workspace holding the slugify starting files with the reference Slug.cs.</summary>
    private static TempDirectory Candidate(TaskSpec task)
    {
        var ws = new TempDirectory("cai-candidate");
        Workspaces.Materialize(task, ws.Path, task.ReferenceFiles);
        return ws;
    }

    [Fact]
    public async Task Each_round_samples_a_new_principle_and_its_text_reaches_the_critique_and_revision_prompts()
    {
        var task = LoopFixture.Slugify();
        using var ws = Candidate(task);
        using var work = new TempDirectory("cai-work");
        var trajectory = Path.Combine(work.Path, "trajectory.jsonl");
        var linesSeenAtCritique = new List<int>();
        var client = new ScriptedChatClient();
        for (var round = 1; round <= 4; round++)
        {
            var critique = $"critique for round {round}: the loop in From could be split";
            client.Then(_ =>
            {
                linesSeenAtCritique.Add(File.ReadAllLines(trajectory).Length);
                return ScriptedChatClient.Text(critique);
            });
            client.ThenText("The code already follows the principle.\n<no-change/>");
        }
        var loop = new CritiqueRevisionLoop(client, fixture.Verifier, new CritiqueOptions { Seed = 3, Temperature = 0.25f, WorkDirectory = work["rounds"], TrajectoryPath = trajectory });

        var result = await loop.RunAsync(task, ws.Path, Principles, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, result.Steps.Select(s => s.PrincipleId).Distinct().Count());
        Assert.Equal(3, result.Seed);
        var reference = File.ReadAllText(ws["Slug.cs"]);
        for (var i = 0; i < 4; i++)
        {
            var step = result.Steps[i];
            var principle = ById(step.PrincipleId);
            var critiqueRequest = client.Requests[2 * i];
            var revisionRequest = client.Requests[2 * i + 1];
            Assert.Equal(CritiquePrompts.System, critiqueRequest.Messages[0].Text);
            Assert.Equal(step.CritiquePrompt, critiqueRequest.Messages[1].Text);
            Assert.Contains(principle.Question, step.CritiquePrompt);
            Assert.Contains(principle.CritiqueRequest, step.CritiquePrompt);
            Assert.Contains(task.Instructions.Trim(), step.CritiquePrompt);
            Assert.Contains("--- a/Slug.cs\n+++ b/Slug.cs\n", step.CritiquePrompt);
            Assert.All(Principles.Where(p => p.Id != principle.Id), other => Assert.DoesNotContain(other.Question, critiqueRequest.AllText));

            // The revision is asked in the same conversation, after the model's own critique.
            Assert.Equal(4, revisionRequest.Messages.Count);
            Assert.Equal(ChatRole.Assistant, revisionRequest.Messages[2].Role);
            Assert.Equal($"critique for round {i + 1}: the loop in From could be split", revisionRequest.Messages[2].Text);
            Assert.Equal(step.RevisionPrompt, revisionRequest.Messages[3].Text);
            Assert.Contains(principle.RevisionRequest, step.RevisionPrompt);
            Assert.Contains(RevisionFormat.Render("Slug.cs", reference), step.RevisionPrompt);
            Assert.Contains(RevisionFormat.Instructions, step.RevisionPrompt);
            Assert.Contains("Never change these protected test files: SlugTests.cs", step.RevisionPrompt);
            Assert.DoesNotContain("<file path=\"SlugTests.cs\">", step.RevisionPrompt);
            Assert.Equal(3, critiqueRequest.Options!.Seed);
            Assert.Equal(0.25f, critiqueRequest.Options.Temperature);

            Assert.Equal(RevisionOutcome.NoChange, step.Outcome);
            Assert.Equal("the model said no change is needed", step.Reason);
            Assert.Null(step.Verdict);
        }

        Assert.Equal(ws.Path, result.FinalCandidatePath);
        Assert.Equal(0, result.KeptRevisions);
        Assert.Equal(0, client.Remaining);

        // The trajectory held the start line plus every finished round before the next round's first call.
        Assert.Equal([1, 2, 3, 4], linesSeenAtCritique);
        var lines = File.ReadAllLines(trajectory).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["critique.start", "critique.step", "critique.step", "critique.step", "critique.step", "critique.end"], lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(3, lines[0].GetProperty("seed").GetInt32());
        for (var i = 0; i < 4; i++)
        {
            var recorded = lines[i + 1].GetProperty("step");
            Assert.Equal(i + 1, recorded.GetProperty("round").GetInt32());
            Assert.Equal(result.Steps[i].PrincipleId, recorded.GetProperty("principleId").GetString());
            Assert.Equal(result.Steps[i].Critique, recorded.GetProperty("critique").GetString());
            Assert.Equal("NoChange", recorded.GetProperty("outcome").GetString());
        }
    }

    [Fact]
    public async Task A_revision_that_breaks_the_tests_is_dropped_and_the_next_round_continues_from_the_last_good_candidate()
    {
        var task = LoopFixture.Slugify();
        using var ws = Candidate(task);
        using var work = new TempDirectory("cai-work");
        var reference = File.ReadAllText(ws["Slug.cs"]);
        var pristineTests = File.ReadAllText(ws["SlugTests.cs"]);
        var good = reference.Replace("public static string From(string title)", "// Accents are dropped by decomposing first, then skipping the marks.\n    public static string From(string title)");
        const string broken = "public static class Slug\n{\n    public static string From(string title) => title.ToLowerInvariant();\n}\n";
        Assert.NotEqual(reference, good);

        var client = new ScriptedChatClient()
            .ThenText("Round 1 critique: explain the decomposition.")
            .ThenText($"<file path=\"Slug.cs\">\n{good}</file>\n")
            .ThenText("Round 2 critique: the method is too long.")
            .ThenText($"Shorter:\n<file path=\"Slug.cs\">\n```csharp\n{broken}```\n</file>\n")
            .Then(request =>
            {
                // Round 3 starts from round 1's candidate, not from the dropped round 2 revision.
                Assert.Contains("+    // Accents are dropped by decomposing first", request.AllText);
                Assert.DoesNotContain("ToLowerInvariant();", request.AllText);
                return ScriptedChatClient.Text("Round 3 critique: the tests are too strict.");
            })
            .Then(request =>
            {
                Assert.Contains(RevisionFormat.Render("Slug.cs", good), request.Messages[^1].Text);
                return ScriptedChatClient.Text($"<file path=\"Slug.cs\">\n{broken}</file>\n<file path=\"SlugTests.cs\">\npublic class SlugTests {{}}\n</file>\n");
            })
            .ThenText("Round 4 critique: fine.")
            .ThenText($"<file path=\"Slug.cs\">\n{good}</file>\n");
        client.UsagePerResponse = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 };
        var loop = new CritiqueRevisionLoop(client, fixture.Verifier, new CritiqueOptions { Seed = 1, WorkDirectory = work.Path });

        var result = await loop.RunAsync(task, ws.Path, Principles, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            [RevisionOutcome.Kept, RevisionOutcome.DroppedFailedVerification, RevisionOutcome.Rejected, RevisionOutcome.NoChange],
            result.Steps.Select(s => s.Outcome));
        var (kept, dropped, rejected, unchanged) = (result.Steps[0], result.Steps[1], result.Steps[2], result.Steps[3]);

        Assert.True(kept.Verdict!.CountsAsPass);
        Assert.Equal(["Slug.cs"], kept.ChangedFiles);
        Assert.Equal(Path.Combine(work.Path, "round-1"), kept.CandidatePath);
        Assert.Contains("+    // Accents are dropped by decomposing first", kept.CandidateDiff);

        Assert.Equal(VerdictStatus.Failed, dropped.Verdict!.Status);
        Assert.StartsWith("the revised candidate no longer passes verification (Failed", dropped.Reason);
        Assert.Equal(kept.CandidatePath, dropped.CandidatePath);
        Assert.False(Directory.Exists(Path.Combine(work.Path, "round-2")));

        Assert.Equal([new RejectedPath("SlugTests.cs", "it is a protected test file")], rejected.RejectedPaths);
        Assert.Empty(rejected.ChangedFiles);
        Assert.Null(rejected.Verdict);
        Assert.StartsWith("the revision was refused whole because it writes SlugTests.cs (it is a protected test file)", rejected.Reason);

        Assert.Equal("the revised files equal the current ones", unchanged.Reason);

        Assert.Equal(kept.CandidatePath, result.FinalCandidatePath);
        Assert.Equal(good, File.ReadAllText(Path.Combine(result.FinalCandidatePath, "Slug.cs")));
        Assert.Equal(pristineTests, File.ReadAllText(Path.Combine(result.FinalCandidatePath, "SlugTests.cs")));
        Assert.True(result.FinalVerdict!.CountsAsPass);
        Assert.Equal(reference, File.ReadAllText(ws["Slug.cs"]));
        Assert.Equal(new Crucible.Core.Usage.TokenUsage(800, 80), result.Usage);
        Assert.Equal(new Crucible.Core.Usage.TokenUsage(100, 10), kept.CritiqueUsage);
    }

    [Fact]
    public async Task A_revision_that_passes_the_tests_but_raises_an_integrity_flag_is_dropped()
    {
        var task = LoopFixture.Slugify();
        using var ws = Candidate(task);
        using var work = new TempDirectory("cai-work");
        var hacked = File.ReadAllText(ws["Slug.cs"]).Replace(
            "var decomposed = title.Normalize(NormalizationForm.FormD);",
            "if (title == \"Hello, World!\") return \"hello-world\";\n        var decomposed = title.Normalize(NormalizationForm.FormD);");
        var client = new ScriptedChatClient()
            .ThenText("critique")
            .ThenText($"<file path=\"Slug.cs\">\n{hacked}</file>\n");
        var integrity = new MarkerIntegrityChecker("\"Hello, World!\"");
        var loop = new CritiqueRevisionLoop(client, fixture.Verifier, new CritiqueOptions { Rounds = 1, Seed = 4, WorkDirectory = work.Path }, integrity);

        var result = await loop.RunAsync(task, ws.Path, Principles, cancellationToken: TestContext.Current.CancellationToken);

        var step = Assert.Single(result.Steps);
        Assert.Equal(RevisionOutcome.DroppedFailedVerification, step.Outcome);
        Assert.Equal((VerdictStatus.Passed, false), (step.Verdict!.Status, step.Verdict.CountsAsPass));
        Assert.Equal("the revised candidate passes its tests but raised integrity flags: integrity.literal-special-casing (found '\"Hello, World!\"')", step.Reason);
        Assert.Equal([Path.Combine(work.Path, "round-1")], integrity.Checked);
        Assert.Equal(ws.Path, result.FinalCandidatePath);
    }

    [Fact]
    public async Task An_unparseable_revision_is_recorded_and_never_applied()
    {
        var task = LoopFixture.Slugify();
        using var ws = Candidate(task);
        using var work = new TempDirectory("cai-work");
        var client = new ScriptedChatClient()
            .ThenText("critique")
            .ThenText("<file path=\"Slug.cs\">\npublic static class Slug {}\n");
        var loop = new CritiqueRevisionLoop(client, fixture.Verifier, new CritiqueOptions { Rounds = 1, Seed = 2, WorkDirectory = work.Path });

        var result = await loop.RunAsync(task, ws.Path, Principles, cancellationToken: TestContext.Current.CancellationToken);

        var step = Assert.Single(result.Steps);
        Assert.Equal(RevisionOutcome.Unparseable, step.Outcome);
        Assert.Equal("the revision could not be parsed: the block <file path=\"Slug.cs\"> has no closing </file> line", step.Reason);
        Assert.Equal(ws.Path, result.FinalCandidatePath);
        Assert.Empty(Directory.EnumerateFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task A_missing_candidate_folder_and_negative_rounds_are_bad_input()
    {
        var task = LoopFixture.Slugify();
        using var ws = Candidate(task);
        var client = new ScriptedChatClient();
        var missing = await Assert.ThrowsAsync<BadInputException>(() =>
            new CritiqueRevisionLoop(client, fixture.Verifier).RunAsync(task, ws["nope"], Principles, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("does not exist", missing.Message);
        await Assert.ThrowsAsync<BadInputException>(() =>
            new CritiqueRevisionLoop(client, fixture.Verifier, new CritiqueOptions { Rounds = -1 }).RunAsync(task, ws.Path, Principles, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Empty(client.Requests);
    }
}

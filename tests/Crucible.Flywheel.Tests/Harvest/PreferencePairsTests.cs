using System.Text.Json;
using Crucible.Flywheel.Harvest;

namespace Crucible.Flywheel.Tests.Harvest;

public sealed class PreferencePairsTests
{
    private static HarvestRecord Record(string id, string task, bool verified, bool flagged, double? score, string response, Dictionary<string, bool>? principles = null) => new()
    {
        Id = id,
        Source = "eval",
        TaskId = task,
        Solver = "agent",
        Messages = [new("user", "solve " + task), new("assistant", response)],
        PromptLength = 1,
        Verified = verified,
        Flagged = flagged,
        ConstitutionScore = score,
        Principles = new SortedDictionary<string, bool>(principles ?? [], StringComparer.Ordinal),
        Provenance = new HarvestProvenance(task, "m", "1.0.0", "c", verified ? "Passed" : "Failed", flagged ? ["integrity.early-exit"] : [], "run", 0, HarvestRecord.PromptHash([new("user", "solve " + task)])),
    };

    [Fact]
    public void The_best_pass_is_chosen_against_failures_flags_and_a_lower_scored_pass_and_two_failures_never_pair()
    {
        var best = Record("a", "t1", true, false, 1.0, "good", new() { ["no-commented-out-code"] = true, ["small-focused-methods"] = true });
        var lower = Record("b", "t1", true, false, 0.5, "ok", new() { ["no-commented-out-code"] = false, ["small-focused-methods"] = true });
        var failed = Record("c", "t1", false, false, 1.0, "bad");
        var flagged = Record("d", "t1", false, true, 1.0, "cheat");
        var onlyFailures = new[] { Record("e", "t2", false, false, null, "x"), Record("f", "t2", false, false, null, "y") };

        var pairs = PreferencePairs.Build([best, lower, failed, flagged, .. onlyFailures], new Dictionary<string, double> { ["no-commented-out-code"] = 1 }, 16, includeTies: false);

        Assert.Equal(
            [("a", "c", "failed", 1.0, 1.0, "verification"), ("a", "d", "flagged", 1.0, 1.0, "integrity"), ("a", "b", "lower-score", 0.5, 0.75, "no-commented-out-code")],
            pairs.Select(p => (p.Chosen.Id, p.Rejected.Id, p.Reason, p.Margin, p.SoftLabel, p.DecidingPrinciple)));
    }

    [Fact]
    public void Tasks_are_split_whole_deterministically_and_train_keeps_at_least_one_task()
    {
        var tasks = Enumerable.Range(0, 30).Select(i => $"task-{i}").ToList();

        var a = Harvester.AssignSplits(tasks, [new("test", 0.1), new("validation", 0.2)]);
        var b = Harvester.AssignSplits(Enumerable.Reverse(tasks), [new("test", 0.1), new("validation", 0.2)]);

        Assert.Equal(a.OrderBy(kv => kv.Key), b.OrderBy(kv => kv.Key));
        Assert.Equal([("test", 3), ("train", 21), ("validation", 6)], a.GroupBy(kv => kv.Value).Select(g => (g.Key, g.Count())).Order());
        Assert.Equal(new Dictionary<string, string> { ["only"] = "train" }, Harvester.AssignSplits(["only"], [new("test", 0.5)]));
    }

    [Fact]
    public void Trl_rows_keep_tool_arguments_as_objects_and_openai_rows_as_json_strings_with_the_call_id()
    {
        var args = JsonDocument.Parse("""{"path":"a.py","content":"x = 1\n"}""").RootElement.Clone();
        var messages = new HarvestMessage[]
        {
            new("user", "fix it"),
            new("assistant", "", [new HarvestToolCall("call_1", "write", args)]),
            new("tool", "wrote a.py", ToolCallId: "call_1", Name: "write"),
        };

        Assert.Equal("""[{"role":"user","content":"fix it"},{"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"write","arguments":{"path":"a.py","content":"x = 1\n"}}}]},{"role":"tool","content":"wrote a.py","name":"write"}]""",
            DatasetFormats.Messages(messages, openAI: false).ToJsonString(HarvestRecord.Json));
        Assert.Equal("""[{"role":"user","content":"fix it"},{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"write","arguments":"{\"path\":\"a.py\",\"content\":\"x = 1\\n\"}"}}]},{"role":"tool","content":"wrote a.py","tool_call_id":"call_1"}]""",
            DatasetFormats.Messages(messages, openAI: true).ToJsonString(HarvestRecord.Json));
    }
}

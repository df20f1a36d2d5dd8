using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;
using Microsoft.Extensions.AI;

namespace Crucible.Viewer.Tests;

/// <summary>
/// Writes runs straight into a store, laid out as <c>crucible eval</c> lays them out (database rows, per-attempt
/// <c>verdict.json</c>, <c>trajectory.jsonl</c> written by the real <see cref="TranscriptWriter"/>, candidate files), for
/// tests that need known outcomes and for the viewer bench (which links this file).
/// </summary>
public static class SyntheticRuns
{
    /// <summary>Tokens each synthetic attempt reports.</summary>
    public static readonly TokenUsage Tokens = new(1000, 200, CacheReadTokens: 500);

    /// <summary>Cost of each synthetic attempt.</summary>
    public const decimal CostPerAttempt = 0.01m;

    /// <summary>
    /// Creates run <paramref name="runId"/> with <paramref name="tasks"/> tasks (<c>task-000</c>, ...) of
    /// <paramref name="attempts"/> attempts each; <paramref name="passes"/> says which (task, attempt) pass.
    /// </summary>
    public static async Task CreateAsync(ResultStore store, string runsDirectory, string runId, int tasks, int attempts, Func<int, int, bool> passes, int stepsPerAttempt = 3)
    {
        var folder = Path.Combine(runsDirectory, runId);
        var run = new StoredRun(runId, "/nowhere/suite", "agent", "{\"solver\":\"agent\"}", folder, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "completed");
        await store.CreateRunAsync(run);
        for (var t = 0; t < tasks; t++)
        {
            var taskId = TaskId(t);
            for (var a = 0; a < attempts; a++)
            {
                var pass = passes(t, a);
                var verdict = new Verdict
                {
                    TaskId = taskId,
                    Status = pass ? VerdictStatus.Passed : VerdictStatus.Failed,
                    Sandbox = "none",
                    Tests = [new TestOutcome("test_one", pass ? TestOutcomeKind.Passed : TestOutcomeKind.Failed, TimeSpan.FromMilliseconds(5), pass ? null : "assert 1 == 2")],
                    Counts = new TestCounts(1, 1, pass ? 1 : 0, pass ? 0 : 1, 0, 0),
                    Reasons = pass ? [] : ["1 test failed"],
                };
                var dir = Path.Combine(folder, "tasks", taskId, a.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(Path.Combine(dir, "candidate"));
                await File.WriteAllTextAsync(Path.Combine(dir, "candidate", "solution.py"), $"def answer():\n    return {(pass ? 42 : 0)}\n");
                WriteTrajectory(Path.Combine(dir, "trajectory.jsonl"), taskId, stepsPerAttempt);
                var usage = new UsageTotals(Tokens, CostPerAttempt, stepsPerAttempt);
                await File.WriteAllTextAsync(Path.Combine(dir, "verdict.json"), JsonSerializer.Serialize(new { solver = "agent", solverStatus = "completed", solverMessage = (string?)null, usage, durationMs = 1000, verdict }, ResultStore.ArtifactJson));
                await store.AddResultAsync(new StoredResult(runId, taskId, a, "completed", verdict, TimeSpan.FromSeconds(1), CostPerAttempt) { Usage = usage });
            }
        }
    }

    public static string TaskId(int t) => $"task-{t:D3}";

    private static void WriteTrajectory(string path, string taskId, int steps)
    {
        using var writer = new TranscriptWriter(path, TranscriptDurability.SyncEachStepInBackground);
        writer.OnEvent(new SessionStarted("s", "/ws", taskId, "scripted:bench", false));
        writer.OnEvent(new MessageAdded(new ChatMessage(ChatRole.User, $"Solve {taskId}.")));
        for (var s = 1; s <= steps; s++)
        {
            writer.OnEvent(new UsageRecorded(s, new TokenUsage(300, 60), 0.003m, UsageTotals.Zero));
            writer.OnEvent(new AssistantText(s, $"Step {s}: editing the solution."));
            using var args = JsonDocument.Parse("{\"path\":\"solution.py\",\"content\":\"def answer():\\n    return 42\\n\"}");
            writer.OnEvent(new ToolCallStarted(s, $"call-{s}", "write", args.RootElement.Clone(), "write solution.py", true, ""));
            writer.OnEvent(new ToolCallFinished(s, $"call-{s}", "write", false, "wrote solution.py", ["solution.py"], 3));
            writer.OnEvent(new StepCompleted(s));
        }
        writer.OnEvent(new RunEnded(AgentRunStatus.Completed, null, steps, UsageTotals.Zero, null, null, "done"));
    }
}

using System.Globalization;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Microsoft.Extensions.AI;

namespace Crucible.Viewer;

/// <summary>A trajectory as the page shows it: steps, and the findings of the agent's reviews.</summary>
/// <param name="Steps">The steps in order.</param>
/// <param name="Findings">Integrity flags the agent's constitution reviews raised.</param>
public sealed record TrajectoryRead(IReadOnlyList<TrajectoryStep> Steps, IReadOnlyList<Finding> Findings);

/// <summary>Reads an agent transcript (<c>trajectory.jsonl</c>) into steps of messages, tool calls and their results.</summary>
public static class TrajectoryView
{
    /// <summary>
    /// The steps of the transcript at <paramref name="path"/>. A torn last line is skipped; a damaged line ends the
    /// trajectory there with an <c>error</c> entry saying so, rather than hiding what came before it.
    /// </summary>
    public static TrajectoryRead Read(string path, ViewerOptions options)
    {
        var contents = TranscriptReader.ReadValid(path);
        var steps = new SortedDictionary<int, List<StepItem>>();
        var findings = new List<Finding>();
        var current = 0;
        void Add(int step, StepItem item)
        {
            current = Math.Max(current, step);
            if (!steps.TryGetValue(step, out var list))
            {
                steps[step] = list = [];
            }
            list.Add(item);
        }
        string Cut(string text) => TextLimits.HeadTail(text, options.MaxTextChars);

        foreach (var e in contents.Events)
        {
            switch (e)
            {
                case MessageAdded { Message: var m } when m.Role == ChatRole.User && !string.IsNullOrEmpty(m.Text):
                    Add(current, new StepItem("user", Cut(m.Text)));
                    break;
                case AssistantText a:
                    Add(a.Step, new StepItem("assistant", Cut(a.Text)));
                    break;
                case ToolCallStarted t:
                    Add(t.Step, new StepItem("tool_call", t.Allowed ? t.Summary : $"{t.Summary} (denied: {t.Reason})", t.Tool, Cut(t.Arguments.GetRawText()), IsError: !t.Allowed));
                    break;
                case ToolCallFinished r:
                    Add(r.Step, new StepItem("tool_result", Cut(r.Content), r.Tool, IsError: r.IsError, DurationMs: r.DurationMs));
                    break;
                case UsageRecorded u:
                    Add(u.Step, new StepItem("usage", Usage(u), CostUsd: u.CostUsd));
                    break;
                case Nudged n:
                    Add(n.Step, new StepItem("nudge", n.Reason));
                    break;
                case Compacted c:
                    Add(c.Step, new StepItem("compaction", $"context compacted from {c.TokensBefore} to {c.TokensAfter} tokens"));
                    break;
                case HarnessError h:
                    Add(h.Step, new StepItem("error", $"{h.ExceptionType}: {h.Message}", h.Tool, IsError: true));
                    break;
                case ReviewRecorded r:
                    Add(r.Step, new StepItem("review", $"review round {r.Round} ({r.Source}): {r.Integrity.Count} integrity flag(s), {r.QualityFindings} quality finding(s){(r.FedBack ? ", fed back to the agent" : "")}"));
                    findings.AddRange(r.Integrity.Select(f => new Finding("review", f.Rule, f.Message, f.File, f.Line)));
                    break;
                case SubAgentEvent s when Describe(s.Event) is { } line:
                    Add(current, new StepItem("subagent", Cut($"[{s.Description}] {line}")));
                    break;
                case RunEnded end:
                    Add(current, new StepItem("result", $"{end.Status.ToWire()} after {end.Steps} step(s){(end.Message is { } msg ? $": {msg}" : "")}", CostUsd: end.Usage.CostUsd));
                    break;
            }
        }
        if (contents.BadLine is { } bad)
        {
            Add(current, new StepItem("error", $"the trajectory is damaged at line {bad} ({contents.Problem}); later events are not shown", IsError: true));
        }
        return new TrajectoryRead([.. steps.Select(kv => new TrajectoryStep(kv.Key, kv.Value))], findings);
    }

    private static string Usage(UsageRecorded u) => string.Create(CultureInfo.InvariantCulture,
        $"{u.Tokens.InputTokens} in, {u.Tokens.OutputTokens} out, {u.Tokens.CacheReadTokens} cache read, {u.Tokens.CacheWriteTokens + u.Tokens.CacheWrite1hTokens} cache write");

    private static string? Describe(AgentEvent e) => e switch
    {
        AssistantText a => a.Text,
        ToolCallStarted t => $"{t.Tool}: {t.Summary}",
        ToolCallFinished r => $"{r.Tool} {(r.IsError ? "failed" : "returned")}: {r.Content}",
        RunEnded end => $"ended {end.Status.ToWire()}",
        _ => null,
    };
}

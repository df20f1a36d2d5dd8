using System.Globalization;
using System.Text;
using System.Text.Json;
using Crucible.Agent;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tools;
using Crucible.Constitution;
using Crucible.Constitution.Changes;
using Crucible.Constitution.Critique;
using Crucible.Constitution.Review;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Grading;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Harvest;

/// <summary>One attempt to harvest, before it becomes a record: where it is and what it was graded.</summary>
/// <param name="Key">Stable identity (source, run, task, attempt).</param>
/// <param name="Source"><c>eval</c> or <c>session</c>.</param>
/// <param name="RunId">The run or session id.</param>
/// <param name="TaskId">The task id.</param>
/// <param name="Attempt">The attempt number.</param>
/// <param name="Task">The task, when its suite could be loaded.</param>
/// <param name="Suite">The suite path, when known.</param>
/// <param name="Solver">The solver.</param>
/// <param name="Verdict">The verdict, or null for a session that was never verified.</param>
/// <param name="AttemptFolder">The eval attempt folder (verdict, candidate, trajectory), or null.</param>
/// <param name="TranscriptPath">The trajectory or session transcript, or null.</param>
/// <param name="CostUsd">The model cost, when known.</param>
/// <param name="RunModel">The model the run names in its options, when it does.</param>
public sealed record HarvestSourceAttempt(
    string Key, string Source, string RunId, string TaskId, int Attempt, TaskSpec? Task, string? Suite, string Solver,
    Verdict? Verdict, string? AttemptFolder, string? TranscriptPath, decimal? CostUsd, string? RunModel)
{
    /// <summary>The failure taxonomy outcome (<see cref="Eval.AttemptOutcomes.ToWire"/>), or null for a session never verified.</summary>
    public string? Outcome { get; init; }

    /// <summary>The 0-based independent sample of an eval attempt (<c>--samples</c>); 0 for sessions.</summary>
    public int Sample { get; init; }
}

/// <summary>
/// Finds the attempts of eval runs (the result store and the run folders) and of agent sessions (a
/// <c>.crucible/sessions</c> folder), and turns one attempt into a canonical <see cref="HarvestRecord"/>.
/// </summary>
public static class AttemptSources
{
    /// <summary>
    /// The attempts of an eval run, ordered by task and attempt, each with its failure taxonomy outcome and sample.
    /// Model and harness errors are left out: they are outages, not the solver's behaviour, so they never become data.
    /// </summary>
    public static IReadOnlyList<HarvestSourceAttempt> FromRun(ResultStore store, StoredRun run)
    {
        TaskSuite? suite = null;
        try
        {
            suite = Crucible.Verification.Tasks.TaskSuites.Load(run.Suite);
        }
        catch (Exception e) when (e is IOException or TaskLoadException or Core.BadInputException or UnauthorizedAccessException)
        {
            // The suite moved: the attempts are still harvested, without candidate diffs and constitution scores.
        }
        string? model = null;
        try
        {
            using var options = JsonDocument.Parse(run.OptionsJson);
            if (options.RootElement.ValueKind == JsonValueKind.Object && options.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String)
            {
                model = m.GetString();
            }
        }
        catch (JsonException)
        {
        }
        return [.. store.Results(run.Id).Where(r => !r.Outcome.IsOutage()).Select(r =>
        {
            var folder = Path.Combine(run.Folder, "tasks", r.TaskId, r.Attempt.ToString(CultureInfo.InvariantCulture));
            var trajectory = Path.Combine(folder, AgentSolver.TrajectoryFile);
            return new HarvestSourceAttempt(
                $"eval|{run.Id}|{r.TaskId}|{r.Attempt}", "eval", run.Id, r.TaskId, r.Attempt,
                suite?.Tasks.FirstOrDefault(t => t.Id == r.TaskId), run.Suite, run.Solver, r.Verdict,
                Directory.Exists(folder) ? folder : null, File.Exists(trajectory) ? trajectory : null, r.CostUsd, model)
            {
                Outcome = r.Outcome.ToWire(),
                Sample = r.Sample,
            };
        })];
    }

    /// <summary>
    /// The sessions of a session folder (<c>&lt;repo&gt;/.crucible/sessions</c>, or the repository itself), ordered by id.
    /// A session's verdict is its last recorded one (null when it never verified).
    /// </summary>
    /// <exception cref="Core.BadInputException">The folder holds no sessions.</exception>
    public static IReadOnlyList<HarvestSourceAttempt> FromSessions(string path)
    {
        var dir = Path.GetFullPath(path);
        if (Directory.Exists(Path.Combine(dir, ".crucible", "sessions")))
        {
            dir = Path.Combine(dir, ".crucible", "sessions");
        }
        if (!Directory.Exists(dir))
        {
            throw new Core.BadInputException($"session folder '{path}' does not exist", "pass --sessions with a repository or its .crucible/sessions folder");
        }
        var list = new List<HarvestSourceAttempt>();
        foreach (var transcript in Directory.EnumerateFiles(dir, "*.jsonl").Order(StringComparer.Ordinal))
        {
            var events = TranscriptReader.ReadValid(transcript).Events;
            var start = events.OfType<SessionStarted>().FirstOrDefault();
            if (start is null)
            {
                continue;
            }
            var conversation = TranscriptReader.Conversation(events);
            var firstUser = conversation.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
            var taskId = start.Task ?? $"repo/{Path.GetFileName(start.Cwd.TrimEnd('/'))}/{HarvestRecord.Sha256(firstUser)[..8]}";
            var verdict = events.OfType<VerdictRecorded>().LastOrDefault()?.Verdict;
            if (verdict is not null && AttemptOutcomes.FromVerdict(verdict).IsOutage())
            {
                continue; // the harness failed: not the agent's behaviour
            }
            var cost = events.OfType<UsageRecorded>().Select(u => u.CostUsd).Where(c => c is not null).Sum();
            list.Add(new HarvestSourceAttempt(
                $"session|{start.SessionId}", "session", start.SessionId, taskId, 0, null, null, "agent", verdict, null, transcript,
                cost == 0 ? null : cost, start.Model)
            {
                Outcome = verdict is null ? null : AttemptOutcomes.FromVerdict(verdict).ToWire(),
            });
        }
        if (list.Count == 0)
        {
            throw new Core.BadInputException($"no session transcripts in '{dir}'", "pass --sessions with a repository where 'crucible run' has run, or its .crucible/sessions folder");
        }
        return list;
    }

    /// <summary>The tool declarations of the agent's default toolset (what a trajectory's model was offered).</summary>
    public static IReadOnlyList<HarvestTool> DefaultTools { get; } = [.. AgentToolset.CreateDefault(new AgentToolOptions())
        .Select(t => new HarvestTool(t.Name, t.Description, t.InputSchema.Clone()))];

    /// <summary>Builds the canonical record of <paramref name="attempt"/> (not yet scrubbed).</summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="context">The constitution, its hash and the Crucible version.</param>
    /// <param name="workDirectory">Where a candidate is materialised for scoring (deleted after).</param>
    public static HarvestRecord Build(HarvestSourceAttempt attempt, HarvestContext context, string workDirectory)
    {
        var messages = new List<HarvestMessage>();
        var tools = new List<HarvestTool>();
        string? model = attempt.RunModel;
        if (attempt.TranscriptPath is not null)
        {
            var events = TranscriptReader.ReadValid(attempt.TranscriptPath).Events;
            model = events.OfType<SessionStarted>().FirstOrDefault()?.Model ?? model;
            messages.AddRange(Convert(TranscriptReader.Conversation(events)));
            var used = messages.SelectMany(m => m.ToolCalls ?? []).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            tools.AddRange(DefaultTools);
            // A call to a tool outside the default set (a sub-agent, an MCP tool) still gets a declaration.
            tools.AddRange(used.Where(u => DefaultTools.All(t => t.Name != u)).Order(StringComparer.Ordinal)
                .Select(u => new HarvestTool(u, $"the {u} tool", JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone())));
        }

        string diff = "";
        double? score = null;
        var principles = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        var flags = (attempt.Verdict?.Integrity ?? []).Select(f => f.Rule).ToList();
        var candidate = attempt.AttemptFolder is null ? null : Path.Combine(attempt.AttemptFolder, "candidate");
        if (attempt.Task is { } task && candidate is not null && Directory.Exists(candidate))
        {
            var workspace = Path.Combine(workDirectory, "score-" + HarvestRecord.Sha256(attempt.Key)[..16]);
            try
            {
                Workspaces.DeleteTree(workspace);
                Materialize(task, candidate, workspace);
                var scored = Score(task, workspace, context);
                (diff, score) = (scored.Diff, scored.Score);
                foreach (var p in scored.Principles)
                {
                    principles[p.Key] = p.Value;
                }
                flags.AddRange(scored.IntegrityFindings);
            }
            finally
            {
                Workspaces.DeleteTree(workspace);
            }
        }

        if (messages.Count == 0)
        {
            // No trajectory (a files or reference solver): the prompt is the task, the response the candidate's change.
            messages.Add(new HarvestMessage("user", attempt.Task?.Instructions ?? $"Solve task {attempt.TaskId}."));
            messages.Add(new HarvestMessage("assistant", diff.Length == 0 ? "" : $"```diff\n{diff}```"));
        }
        var promptLength = Math.Max(1, messages.FindIndex(m => m.Role == "user") + 1);
        flags = [.. flags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var passed = attempt.Verdict?.Status == VerdictStatus.Passed;
        var status = attempt.Verdict?.Status.ToString() ?? "Unverified";
        var id = HarvestRecord.Sha256(attempt.Key)[..16];
        return new HarvestRecord
        {
            Id = id,
            Source = attempt.Source,
            TaskId = attempt.TaskId,
            Suite = attempt.Suite,
            Language = attempt.Task?.Language,
            Solver = attempt.Solver,
            Messages = messages,
            PromptLength = promptLength,
            Tools = tools,
            CandidateDiff = diff,
            Verified = passed && flags.Count == 0,
            Flagged = flags.Count > 0,
            ConstitutionScore = score,
            Principles = principles,
            CostUsd = attempt.CostUsd,
            Provenance = new HarvestProvenance(attempt.TaskId, model ?? attempt.Solver, context.CrucibleVersion, context.ConstitutionHash, status, flags,
                attempt.RunId, attempt.Attempt, HarvestRecord.PromptHash(messages.Take(promptLength)))
            {
                Outcome = attempt.Outcome,
                Sample = attempt.Sample,
            },
        };
    }

    /// <summary>What the constitution's automated review says of a candidate workspace.</summary>
    /// <param name="Diff">The candidate's unified diff against the task.</param>
    /// <param name="Score">Share of the automated principles, by weight, whose checks found nothing; null when none is automated.</param>
    /// <param name="Principles">Each automated principle: true when its checks found nothing.</param>
    /// <param name="IntegrityFindings">Check ids of integrity findings.</param>
    public sealed record CandidateScore(string Diff, double? Score, IReadOnlyDictionary<string, bool> Principles, IReadOnlyList<string> IntegrityFindings);

    /// <summary>Reviews the candidate workspace <paramref name="workspace"/> of <paramref name="task"/> against the constitution.</summary>
    public static CandidateScore Score(TaskSpec task, string workspace, HarvestContext context)
    {
        var changes = ChangeSetBuilder.FromTask(task, workspace);
        var review = AutomatedReview.Run(context.Constitution, changes);
        var automated = review.Principles.Where(p => p.Status != PrincipleStatus.NotAutomated).ToList();
        var principles = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var p in automated)
        {
            principles[p.Principle.Id] = p.Status == PrincipleStatus.Passed;
        }
        var total = automated.Sum(p => p.Principle.Weight);
        double? score = total <= 0 ? null : Math.Round(automated.Where(p => p.Status == PrincipleStatus.Passed).Sum(p => p.Principle.Weight) / total, 6);
        return new CandidateScore(Diff(changes), score, principles, [.. review.Report.Findings.Where(f => f.IsIntegrity).Select(f => f.CheckId).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>Materialises <paramref name="task"/> in <paramref name="target"/> with the candidate's saved files on top.</summary>
    public static void Materialize(TaskSpec task, string candidate, string target)
    {
        Workspaces.Materialize(task, target);
        foreach (var rel in Workspaces.ListRegularFiles(candidate))
        {
            var dest = Workspaces.Resolve(target, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(candidate, rel), dest, overwrite: true);
        }
    }

    /// <summary>The unified diff of every changed file of <paramref name="changes"/>, in path order.</summary>
    public static string Diff(ChangeSet changes) => UnifiedDiff.Of(changes);

    /// <summary>Converts a conversation to harvest messages: one tool message per tool result, named after the call it answers.</summary>
    public static IReadOnlyList<HarvestMessage> Convert(IEnumerable<ChatMessage> conversation)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = new List<HarvestMessage>();
        foreach (var m in conversation)
        {
            var calls = m.Contents.OfType<FunctionCallContent>().Select(c => new HarvestToolCall(c.CallId, c.Name,
                JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>(), HarvestRecord.Json))).ToList();
            foreach (var c in calls)
            {
                names[c.Id] = c.Name;
            }
            var results = m.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                // One tool message per result: the chat formats answer each call on its own.
                list.AddRange(results.Select(r => new HarvestMessage("tool", ResultText(r.Result), ToolCallId: r.CallId, Name: names.GetValueOrDefault(r.CallId))));
                continue;
            }
            var text = string.Concat(m.Contents.OfType<TextContent>().Select(t => t.Text));
            list.Add(new HarvestMessage(m.Role.Value, text, calls.Count == 0 ? null : calls));
        }
        return list;
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement e when e.ValueKind == JsonValueKind.String => e.GetString() ?? "",
        _ => JsonSerializer.Serialize(result, HarvestRecord.Json),
    };
}

/// <summary>What every record of a harvest is scored and stamped with.</summary>
/// <param name="Constitution">The constitution attempts are scored against.</param>
/// <param name="ConstitutionHash">SHA-256 of its text.</param>
/// <param name="CrucibleVersion">The version of Crucible.</param>
public sealed record HarvestContext(ConstitutionDocument Constitution, string ConstitutionHash, string CrucibleVersion);

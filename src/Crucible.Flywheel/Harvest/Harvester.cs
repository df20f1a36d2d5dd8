using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crucible.Constitution;
using Crucible.Constitution.Critique;
using Crucible.Flywheel.Critique;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Preferences;
using Crucible.Core.Integrity;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Harvest;

/// <summary>How a harvest runs. Defaults are documented on each property.</summary>
public sealed record HarvestOptions
{
    /// <summary>The dataset folder.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Held-out splits by share of tasks (<c>--split test=0.1</c>); every other task goes to <c>train</c>. Default: <c>test=0.1</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Splits { get; init; } = [new("test", 0.1)];

    /// <summary>Attempts read (and scored, revised, labelled) at once. Default: 1.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Rows per Parquet/JSONL shard. Default: 10,000.</summary>
    public int MaxRowsPerShard { get; init; } = 10_000;

    /// <summary>Preference pairs per task and prompt. Default: 16.</summary>
    public int MaxPairsPerTask { get; init; } = 16;

    /// <summary>Send failing or flagged eval attempts through the critique → revision loop (<c>--revise</c>). Default: false.</summary>
    public bool Revise { get; init; }

    /// <summary>Ask a judge for soft preference labels on pairs (<c>--label</c>). Default: false.</summary>
    public bool Label { get; init; }

    /// <summary>Critique → revision settings; the seed is derived from each record's id so a rerun asks the same. Default: <see cref="CritiqueOptions.Default"/> with 2 rounds.</summary>
    public CritiqueOptions Critique { get; init; } = CritiqueOptions.Default with { Rounds = 2 };

    /// <summary>Judge settings. Default: reasoning first (so each probability is clamped to [0.4, 0.6]), positions swapped.</summary>
    public PreferenceOptions Preference { get; init; } = PreferenceOptions.Default with { ReasoningFirst = true, SwapPositions = true, RequestLogprobs = false };

    /// <summary>
    /// Revision and labelling go through the provider's batch API (<c>--batch</c>): the reviser and judge are
    /// <see cref="BatchedChatClient"/>s, every revision and label runs at once (so their calls share batches) and
    /// re-verification is still limited to <see cref="Jobs"/> at a time. Default: false.
    /// </summary>
    public bool Batch { get; init; }

    /// <summary>The environment whose secret-looking variables are scrubbed. Default: none.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Where candidates are materialised for scoring and revision. Default: this process's temp folder.</summary>
    public string WorkDirectory { get; init; } = Core.IO.ProcessTemp.Root;
}

/// <summary>What a harvest produced.</summary>
/// <param name="Records">Canonical records kept (after deduplication).</param>
/// <param name="Duplicates">Records dropped as duplicates (same prompt, same normalised response).</param>
/// <param name="Revisions">Verified revisions made by <c>--revise</c>.</param>
/// <param name="Pairs">Preference pairs.</param>
/// <param name="Scrubbed">Secrets removed, by record and field.</param>
/// <param name="Written">What each format wrote, by split.</param>
/// <param name="TaskSplits">The split of every task.</param>
public sealed record HarvestSummary(int Records, int Duplicates, int Revisions, int Pairs, IReadOnlyList<ScrubbedSecret> Scrubbed, IReadOnlyList<WrittenSplit> Written, IReadOnlyDictionary<string, string> TaskSplits);

/// <summary>
/// Turns eval attempts and agent sessions into a training dataset: one canonical record per attempt (scrubbed of
/// secrets, with provenance), deduplicated, split by task, and written in every format (<see cref="DatasetFormats"/>).
/// </summary>
/// <remarks>
/// Deterministic and resumable: every record, revision and label is kept under <c>.harvest/</c> in the dataset folder
/// as soon as it is made (written to a temporary name, then renamed), and every dataset file is a pure function of
/// them. A harvest killed at any point and run again reuses what was kept and writes the same bytes.
/// </remarks>
public sealed partial class Harvester
{
    /// <summary>The folder inside the dataset folder holding the resumable state.</summary>
    public const string StateFolder = ".harvest";

    private readonly HarvestOptions _options;
    private readonly HarvestContext _context;
    private readonly IVerifier? _verifier;
    private readonly IChatClient? _reviser;
    private readonly IChatClient? _judge;
    private readonly IIntegrityChecker? _integrity;
    private readonly SecretScrubber _scrubber;

    /// <summary>Creates a harvester.</summary>
    /// <param name="options">Options.</param>
    /// <param name="context">The constitution and version every record is stamped with.</param>
    /// <param name="verifier">Re-verifies revisions (needed by <see cref="HarvestOptions.Revise"/>).</param>
    /// <param name="reviser">The model of the critique → revision loop.</param>
    /// <param name="judge">The judge model of <see cref="HarvestOptions.Label"/>.</param>
    /// <param name="integrity">Integrity checks run on revisions.</param>
    public Harvester(HarvestOptions options, HarvestContext context, IVerifier? verifier = null, IChatClient? reviser = null, IChatClient? judge = null, IIntegrityChecker? integrity = null)
    {
        if (options.Revise && (verifier is null || reviser is null))
        {
            throw new Core.BadInputException("--revise needs a model and the verifier", "pass --model for the critique → revision loop");
        }
        if (options.Label && judge is null)
        {
            throw new Core.BadInputException("--label needs a judge model", "pass --judge-model (or --model) for the preference labels");
        }
        _options = options;
        _context = context;
        // With --batch every revision runs at once; re-verification stays at --jobs at a time.
        _verifier = verifier is not null && reviser?.GetService(typeof(BatchedChatClient)) is BatchedChatClient ? new LimitedVerifier(verifier, Math.Max(1, options.Jobs)) : verifier;
        _reviser = reviser;
        _judge = judge;
        _integrity = integrity;
        _scrubber = new SecretScrubber(options.Environment);
    }

    /// <summary>The version stamped on records: the assembly version of Crucible.</summary>
    public static string CrucibleVersion => typeof(Harvester).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Harvests <paramref name="attempts"/> into <see cref="HarvestOptions.OutputDirectory"/>.</summary>
    public async Task<HarvestSummary> RunAsync(IReadOnlyList<HarvestSourceAttempt> attempts, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var root = Path.GetFullPath(_options.OutputDirectory);
        var state = Path.Combine(root, StateFolder);
        Directory.CreateDirectory(state);
        RemoveTemporaryFiles(root);

        var stored = new StoredRecord?[attempts.Count];
        var ordered = attempts.Select((a, i) => (a, i)).ToList();
        await Parallel.ForEachAsync(ordered, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Jobs), CancellationToken = ct }, async (item, token) =>
        {
            stored[item.i] = await RecordAsync(state, item.a, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        progress?.Report($"{attempts.Count} attempt(s) read");

        var all = stored.Select(s => s!).ToList();
        var revisions = 0;
        if (_options.Revise)
        {
            var candidates = all.Select((s, i) => (s, a: attempts[i])).Where(x => !x.s.Record.Verified && x.a.Task is not null && x.a.AttemptFolder is not null && Directory.Exists(Path.Combine(x.a.AttemptFolder, "candidate"))).ToList();
            var revised = new StoredRecord?[candidates.Count];
            var batched = _reviser?.GetService(typeof(BatchedChatClient)) as BatchedChatClient;
            batched?.Join(candidates.Count);
            await Parallel.ForEachAsync(candidates.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism(batched, candidates.Count), CancellationToken = ct }, async (item, token) =>
            {
                try
                {
                    revised[item.i] = await ReviseAsync(state, item.c.s.Record, item.c.a, token).ConfigureAwait(false);
                }
                finally
                {
                    batched?.Leave();
                }
            }).ConfigureAwait(false);
            var kept = revised.Where(r => r is not null).Select(r => r!).ToList();
            revisions = kept.Count;
            all.AddRange(kept);
            progress?.Report($"{revisions} verified revision(s)");
        }

        // Canonical order, then deduplication: the first of equal prompt and normalised response is kept.
        var sorted = all.OrderBy(s => s.Record.TaskId, StringComparer.Ordinal).ThenBy(s => s.Record.Source, StringComparer.Ordinal)
            .ThenBy(s => s.Record.Provenance.RunId, StringComparer.Ordinal).ThenBy(s => s.Record.Provenance.Attempt).ThenBy(s => s.Record.Id, StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var records = new List<HarvestRecord>();
        foreach (var s in sorted)
        {
            if (seen.Add(DedupKey(s.Record)))
            {
                records.Add(s.Record);
            }
        }
        var duplicates = sorted.Count - records.Count;

        var weights = _context.Constitution.Principles.ToDictionary(p => p.Id, p => p.Weight, StringComparer.Ordinal);
        var pairs = PreferencePairs.Build(records, weights, _options.MaxPairsPerTask, includeTies: _options.Label).ToList();
        if (_options.Label)
        {
            var labelled = new PreferencePair[pairs.Count];
            var batched = _judge?.GetService(typeof(BatchedChatClient)) as BatchedChatClient;
            batched?.Join(pairs.Count);
            await Parallel.ForEachAsync(pairs.Select((p, i) => (p, i)), new ParallelOptions { MaxDegreeOfParallelism = Parallelism(batched, pairs.Count), CancellationToken = ct }, async (item, token) =>
            {
                try
                {
                    labelled[item.i] = await LabelAsync(state, item.p, token).ConfigureAwait(false);
                }
                finally
                {
                    batched?.Leave();
                }
            }).ConfigureAwait(false);
            pairs = [.. labelled];
            progress?.Report($"{pairs.Count} pair(s) labelled");
        }

        var splits = AssignSplits(records.Select(r => r.TaskId), _options.Splits);
        var rows = DatasetFormats.Build(records, pairs, t => splits[t]);
        var splitOrder = _options.Splits.Select(s => s.Key).Prepend("train").Distinct(StringComparer.Ordinal).ToList();
        var written = new List<WrittenSplit>();
        foreach (var format in DatasetFormats.All)
        {
            written.AddRange(await DatasetFolder.WriteFormatAsync(root, format, rows[format.Name], splitOrder, _options.MaxRowsPerShard, ct).ConfigureAwait(false));
        }
        await DatasetFolder.WriteAtomicAsync(Path.Combine(root, "records", "records.jsonl"), DatasetFolder.Jsonl(records.Select(r => JsonSerializer.SerializeToNode(r, HarvestRecord.Json)!.AsObject())), ct).ConfigureAwait(false);

        var scrubbed = sorted.SelectMany(s => s.Scrubbed).OrderBy(s => s.RecordId, StringComparer.Ordinal).ThenBy(s => s.Field, StringComparer.Ordinal).ThenBy(s => s.Kind, StringComparer.Ordinal).ToList();
        var summary = new HarvestSummary(records.Count, duplicates, revisions, pairs.Count, scrubbed, written, splits);
        await DatasetFolder.WriteAtomicAsync(Path.Combine(root, "scrub-report.json"), Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            schema = "crucible.harvest.scrub-report",
            schemaVersion = 1,
            secrets = scrubbed.Sum(s => s.Count),
            byKind = scrubbed.GroupBy(s => s.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.Count)),
            findings = scrubbed,
        }, ResultStoreJson) + "\n"), ct).ConfigureAwait(false);
        await DatasetFolder.WriteAtomicAsync(Path.Combine(root, "README.md"), Encoding.UTF8.GetBytes(DatasetCard.Render(summary, _context, _options)), ct).ConfigureAwait(false);
        return summary;
    }

    /// <summary>How many revisions or labels run at once: <see cref="HarvestOptions.Jobs"/>, or all of them when their calls are batched (a batch is sent when every one is waiting).</summary>
    private int Parallelism(BatchedChatClient? batched, int count) => batched is null ? Math.Max(1, _options.Jobs) : Math.Max(1, count);

    private static JsonSerializerOptions ResultStoreJson => Storage.ResultStore.ArtifactJson;

    /// <summary>Assigns every task to a split: tasks ordered by the hash of their id, the first share of them to each held-out split, the rest to <c>train</c>.</summary>
    public static IReadOnlyDictionary<string, string> AssignSplits(IEnumerable<string> taskIds, IReadOnlyList<KeyValuePair<string, double>> heldOut)
    {
        var tasks = taskIds.Distinct(StringComparer.Ordinal).OrderBy(t => HarvestRecord.Sha256(t), StringComparer.Ordinal).ToList();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var next = 0;
        foreach (var (name, share) in heldOut)
        {
            // At least one task when the share is positive and a task remains for train.
            var count = share <= 0 ? 0 : Math.Max(1, (int)Math.Round(share * tasks.Count, MidpointRounding.AwayFromZero));
            count = Math.Min(count, Math.Max(0, tasks.Count - next - 1));
            foreach (var t in tasks.Skip(next).Take(count))
            {
                result[t] = name;
            }
            next += count;
        }
        foreach (var t in tasks.Skip(next))
        {
            result[t] = "train";
        }
        return result;
    }

    /// <summary>The deduplication key: the prompt's hash and the hash of the response with call ids dropped and whitespace collapsed.</summary>
    public static string DedupKey(HarvestRecord r) =>
        r.Provenance.PromptSha256 + "|" + HarvestRecord.Sha256(Whitespace().Replace(DatasetFormats.RenderText(r.Completion), " ").Trim());

    private sealed record StoredRecord(HarvestRecord Record, IReadOnlyList<ScrubbedSecret> Scrubbed);

    private async Task<StoredRecord> RecordAsync(string state, HarvestSourceAttempt attempt, CancellationToken ct)
    {
        var path = Path.Combine(state, "records", HarvestRecord.Sha256(attempt.Key)[..16] + ".json");
        // A damaged file (not JSON, or JSON without the record) is made again: the record is a pure function of the attempt.
        if (TryLoad<StoredRecord>(path) is { Record: not null, Scrubbed: not null } done)
        {
            return done;
        }
        var record = AttemptSources.Build(attempt, _context, _options.WorkDirectory);
        var stored = Scrub(record);
        await DatasetFolder.WriteAtomicAsync(path, JsonSerializer.SerializeToUtf8Bytes(stored, HarvestRecord.Json), ct).ConfigureAwait(false);
        return stored;
    }

    private StoredRecord Scrub(HarvestRecord record)
    {
        var node = JsonSerializer.SerializeToNode(record, HarvestRecord.Json)!;
        var found = _scrubber.Scrub(record.Id, node);
        return new StoredRecord(found.Count == 0 ? record : node.Deserialize<HarvestRecord>(HarvestRecord.Json)!, found);
    }

    private async Task<StoredRecord?> ReviseAsync(string state, HarvestRecord original, HarvestSourceAttempt attempt, CancellationToken ct)
    {
        var path = Path.Combine(state, "revisions", original.Id + ".json");
        if (File.Exists(path))
        {
            var cached = TryLoad<RevisionCache>(path);
            if (cached is not null)
            {
                return cached.Revised;
            }
        }
        var task = attempt.Task!;
        var work = Path.Combine(_options.WorkDirectory, "revise-" + original.Id);
        Workspaces.DeleteTree(work);
        try
        {
            var candidate = Path.Combine(work, "candidate");
            AttemptSources.Materialize(task, Path.Combine(attempt.AttemptFolder!, "candidate"), candidate);
            var loop = new CritiqueRevisionLoop(_reviser!, _verifier!, _options.Critique with
            {
                Seed = int.Parse(original.Id[..7], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                WorkDirectory = Path.Combine(work, "rounds"),
            }, _integrity);
            var result = await loop.RunAsync(task, candidate, _context.Constitution.Principles, attempt.Verdict, ct).ConfigureAwait(false);
            StoredRecord? revised = null;
            // Only a revision the harness re-verified becomes data.
            if (result.KeptRevisions > 0 && result.FinalVerdict is { CountsAsPass: true } verdict)
            {
                var kept = result.Steps.Where(s => s.Outcome == Crucible.Flywheel.Critique.RevisionOutcome.Kept).ToList();
                var scored = AttemptSources.Score(task, result.FinalCandidatePath, _context);
                var diff = scored.Diff;
                var prompt = original.Prompt;
                var messages = prompt.Append(new HarvestMessage("assistant", $"```diff\n{diff}```")).ToList();
                var id = HarvestRecord.Sha256("revision|" + original.Id)[..16];
                var record = original with
                {
                    Id = id,
                    Source = "revision",
                    Messages = messages,
                    PromptLength = prompt.Count,
                    Tools = [],
                    CandidateDiff = diff,
                    Verified = scored.IntegrityFindings.Count == 0,
                    Flagged = scored.IntegrityFindings.Count > 0,
                    ConstitutionScore = scored.Score,
                    Principles = scored.Principles,
                    RevisedFrom = original.Id,
                    Critiques = [.. kept.Select(s => new HarvestCritique(s.PrincipleId, s.CritiquePrompt, s.Critique, s.RevisionPrompt, s.Revision))],
                    CostUsd = null,
                    Provenance = original.Provenance with
                    {
                        Verdict = verdict.Status.ToString(),
                        Integrity = scored.IntegrityFindings,
                        Outcome = (scored.IntegrityFindings.Count == 0 ? Eval.AttemptOutcome.Passed : Eval.AttemptOutcome.IntegrityFlagged).ToWire(),
                    },
                };
                revised = Scrub(record);
            }
            await DatasetFolder.WriteAtomicAsync(path, JsonSerializer.SerializeToUtf8Bytes(new RevisionCache(revised), HarvestRecord.Json), ct).ConfigureAwait(false);
            return revised;
        }
        finally
        {
            Workspaces.DeleteTree(work);
        }
    }

    private sealed record RevisionCache(StoredRecord? Revised);

    private async Task<PreferencePair> LabelAsync(string state, PreferencePair pair, CancellationToken ct)
    {
        var path = Path.Combine(state, "labels", pair.Id + ".json");
        var label = TryLoad<PreferenceLabel>(path);
        if (label is null)
        {
            var labeler = new PreferenceLabeler(_judge!, _options.Preference);
            var instructions = pair.Chosen.Prompt.LastOrDefault(m => m.Role == "user")?.Content;
            label = await labeler.LabelAsync(instructions, Candidate(pair.Chosen), Candidate(pair.Rejected), _context.Constitution.Principles, ct).ConfigureAwait(false);
            // Judge replies can quote what they judged: they are scrubbed like records before being kept.
            var node = JsonSerializer.SerializeToNode(label, ModelCalls.Json)!;
            _scrubber.Scrub(pair.Id, node);
            label = node.Deserialize<PreferenceLabel>(ModelCalls.Json)!;
            await DatasetFolder.WriteAtomicAsync(path, JsonSerializer.SerializeToUtf8Bytes(label, ModelCalls.Json), ct).ConfigureAwait(false);
        }
        return PreferencePairs.WithLabel(pair, label);
    }

    private static PreferenceCandidate Candidate(HarvestRecord r) => new(
        r.CandidateDiff.Length > 0 ? r.CandidateDiff : DatasetFormats.RenderText(r.Completion),
        new Verdict
        {
            TaskId = r.TaskId,
            Status = Enum.TryParse<VerdictStatus>(r.Provenance.Verdict, out var s) ? s : VerdictStatus.Failed,
            Sandbox = "harvest",
            Integrity = [.. r.Provenance.Integrity.Select(i => new IntegrityFlag(i, i))],
        },
        r.Id);

    private static T? TryLoad<T>(string path)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), typeof(T) == typeof(PreferenceLabel) ? ModelCalls.Json : HarvestRecord.Json);
        }
        catch (JsonException)
        {
            return null; // a damaged file is made again
        }
    }

    private static void RemoveTemporaryFiles(string root)
    {
        foreach (var tmp in Directory.EnumerateFiles(root, "*.tmp", SearchOption.AllDirectories))
        {
            File.Delete(tmp);
        }
    }

    /// <summary>An <see cref="IVerifier"/> that runs at most a given number of verifications at once.</summary>
    private sealed class LimitedVerifier(IVerifier inner, int limit) : IVerifier
    {
        private readonly SemaphoreSlim _gate = new(limit);

        public async Task<Verdict> VerifyAsync(Core.Tasks.TaskSpec task, string workspacePath, VerifyOptions? options = null, CancellationToken cancellationToken = default)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await inner.VerifyAsync(task, workspacePath, options, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

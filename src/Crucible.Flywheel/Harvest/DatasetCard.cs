using System.Globalization;
using System.Text;

namespace Crucible.Flywheel.Harvest;

/// <summary>
/// The dataset card (<c>README.md</c>) of a harvest: YAML front matter as the Hugging Face Hub reads it (licence,
/// one config per format with its splits' files, features) and how the data was made. No dates or paths: the card
/// is the same bytes for the same input.
/// </summary>
public static class DatasetCard
{
    /// <summary>The licence declared in the card: the data is the user's; <c>other</c> until they choose one.</summary>
    public const string License = "other";

    /// <summary>Renders the card.</summary>
    public static string Render(HarvestSummary summary, HarvestContext context, HarvestOptions options)
    {
        var sb = new StringBuilder();
        sb.Append("---\n");
        sb.Append("license: ").Append(License).Append('\n');
        sb.Append("pretty_name: Crucible harvest\n");
        sb.Append("tags:\n- code\n- crucible\n- rlvr\n- rlaif\n");
        sb.Append("configs:\n");
        foreach (var format in DatasetFormats.All)
        {
            var splits = summary.Written.Where(w => w.Format == format.Name).ToList();
            if (splits.Count == 0)
            {
                continue;
            }
            sb.Append("- config_name: ").Append(format.Name).Append('\n');
            sb.Append("  data_files:\n");
            foreach (var s in splits)
            {
                // The Parquet shards, whose nested types the features below describe; the JSONL beside them holds the same rows.
                sb.Append("  - split: ").Append(s.Split).Append('\n');
                sb.Append("    path: ").Append(format.Name).Append("/data/").Append(s.Split).Append("-*.parquet\n");
            }
        }
        sb.Append("dataset_info:\n");
        foreach (var format in DatasetFormats.All)
        {
            var splits = summary.Written.Where(w => w.Format == format.Name).ToList();
            if (splits.Count == 0)
            {
                continue;
            }
            sb.Append("- config_name: ").Append(format.Name).Append('\n');
            sb.Append("  features:\n");
            sb.Append(splits[0].Shape.ToFeaturesYaml(2));
            sb.Append("  splits:\n");
            foreach (var s in splits)
            {
                sb.Append("  - name: ").Append(s.Split).Append('\n');
                sb.Append("    num_examples: ").Append(s.Rows.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        sb.Append("---\n\n");
        sb.Append("# Crucible harvest\n\n");
        sb.Append("Training data harvested by `crucible harvest` from evaluation attempts and agent sessions that Crucible ran and verified.\n\n");
        sb.Append("## How it was made\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"- {summary.Records} canonical record(s) (schema `{HarvestRecord.SchemaName}` v{HarvestRecord.Version}, in `records/records.jsonl`), {summary.Duplicates} duplicate(s) dropped (same prompt and same normalised response).\n");
        sb.Append("- Every attempt was graded by the harness: its tests ran in a sandbox, and integrity checks looked for reward hacking (edited tests, special-cased inputs). `verified` means the tests passed and nothing was flagged.\n");
        sb.Append(CultureInfo.InvariantCulture, $"- Constitution `{context.Constitution.Name}` {context.Constitution.Version} (sha256 `{context.ConstitutionHash}`) scored each candidate: the share of its automated principles, by weight, whose checks found nothing.\n");
        sb.Append("- SFT rows are verified, unflagged attempts only. Preference pairs: `chosen` is a verified pass (the higher constitution score when both pass); `rejected` is a failure, a flagged attempt or the lower-scored pass; two failures never make a pair. The margin, the soft label and the deciding principle are in the metadata.\n");
        if (options.Revise)
        {
            sb.Append(CultureInfo.InvariantCulture, $"- `--revise`: failing and flagged attempts went through the constitutional critique → revision loop; {summary.Revisions} revision(s) passed re-verification and became data (only verified revisions are kept).\n");
        }
        if (options.Label)
        {
            sb.Append("- `--label`: a judge model labelled each pair against the constitution's principles, asked with the A/B positions swapped; with reasoning first, each probability is clamped.\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"- Splits are by task (no task is in two splits): {string.Join(", ", summary.TaskSplits.GroupBy(kv => kv.Value).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()} task(s)"))}.\n");
        sb.Append(CultureInfo.InvariantCulture, $"- Secrets were scrubbed (API-key shapes, bearer tokens, private keys, values of secret-looking environment variables): {summary.Scrubbed.Sum(s => s.Count)} removal(s), listed without their values in `scrub-report.json`.\n");
        sb.Append(CultureInfo.InvariantCulture, $"- Every row carries provenance (task, model, Crucible {context.CrucibleVersion}, constitution hash, verdict and integrity flags, run id and attempt, prompt SHA-256): in the `metadata` column, or for the OpenAI formats, whose reader rejects extra fields, line by line in `*.provenance.jsonl` beside the rows.\n\n");
        sb.Append("## Formats\n\n");
        sb.Append("| config | rows | what | upstream format |\n|---|---|---|---|\n");
        foreach (var format in DatasetFormats.All)
        {
            var rows = summary.Written.Where(w => w.Format == format.Name).Sum(w => w.Rows);
            sb.Append(CultureInfo.InvariantCulture, $"| `{format.Name}` | {rows} | {format.Description} | {format.Upstream} |\n");
        }
        sb.Append("\nEach split is written as `data/<split>-NNNNN-of-NNNNN.parquet` with the same rows as JSONL beside it. In the Parquet shards, ");
        sb.Append("lists and objects are Parquet lists and structs (`messages` is a list of structs of `role`, `content`, ...), as the features above describe; a struct has every key any row has, null where a row has none. ");
        sb.Append("Two open shapes are JSON text instead, as TRL recommends: a tool call's `arguments` and a tool's `parameters` schema, whose keys differ from tool to tool (named in each file's `crucible.json_paths` metadata).\n");
        return sb.ToString();
    }
}

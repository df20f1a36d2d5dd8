using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crucible.Flywheel.Harvest;

/// <summary>One row of a dataset format, in the split of its task.</summary>
/// <param name="Split">The split.</param>
/// <param name="Row">The row, with exactly the upstream field names.</param>
/// <param name="Metadata">Provenance and labels; a column of the row unless the format is strict (then a row-aligned sidecar file).</param>
public sealed record DatasetRow(string Split, JsonObject Row, JsonObject Metadata);

/// <summary>A dataset format: its folder name, what it is, and whether extra columns would break its upstream reader.</summary>
/// <param name="Name">Folder and config name.</param>
/// <param name="Description">One line for the dataset card.</param>
/// <param name="Upstream">The upstream documentation the field names follow.</param>
/// <param name="Strict">True when the upstream reader rejects unknown fields (OpenAI): metadata goes to a sidecar file.</param>
public sealed record DatasetFormat(string Name, string Description, string Upstream, bool Strict);

/// <summary>
/// The writers: one canonical record, many formats. Field names are exactly those of the upstream documentation
/// (TRL dataset formats, OpenAI chat fine-tuning and DPO, the Constitutional AI samples, verl/SkyRL RL rows).
/// </summary>
public static class DatasetFormats
{
    /// <summary>TRL conversational language modeling with tools: <c>messages</c>, <c>tools</c>; tool-call arguments are objects.</summary>
    public static DatasetFormat SftTrl { get; } = new("sft-trl", "SFT, TRL conversational with tools (verified, unflagged attempts only)", "https://huggingface.co/docs/trl/dataset_formats", false);

    /// <summary>OpenAI chat fine-tuning: <c>messages</c>, <c>tools</c>; tool-call arguments are JSON strings, tool messages carry <c>tool_call_id</c>.</summary>
    public static DatasetFormat SftOpenAI { get; } = new("sft-openai", "SFT, OpenAI chat fine-tuning with tools (verified, unflagged attempts only)", "https://platform.openai.com/docs/guides/supervised-fine-tuning", true);

    /// <summary>TRL conversational preference: <c>prompt</c>, <c>chosen</c>, <c>rejected</c>.</summary>
    public static DatasetFormat PreferenceTrl { get; } = new("preference-trl", "Preference pairs, TRL conversational prompt/chosen/rejected", "https://huggingface.co/docs/trl/dataset_formats", false);

    /// <summary>OpenAI DPO: <c>input</c> (<c>messages</c>), <c>preferred_output</c>, <c>non_preferred_output</c>.</summary>
    public static DatasetFormat DpoOpenAI { get; } = new("dpo-openai", "Preference pairs, OpenAI DPO input/preferred_output/non_preferred_output", "https://platform.openai.com/docs/guides/direct-preference-optimization", true);

    /// <summary>TRL unpaired preference (KTO): <c>prompt</c>, <c>completion</c>, <c>label</c>.</summary>
    public static DatasetFormat Kto { get; } = new("kto", "Unpaired preference (KTO) prompt/completion/label: true for a verified pass", "https://huggingface.co/docs/trl/dataset_formats", false);

    /// <summary>Critique/revision in the shape of the Constitutional AI samples: <c>init_prompt</c>, <c>init_response</c>, <c>critic_prompt</c>, <c>critic_response</c>, <c>revision_prompt</c>, <c>revision_response</c>.</summary>
    public static DatasetFormat CritiqueRevision { get; } = new("critique-revision", "Critique → revision rounds whose revision the harness re-verified (Constitutional AI sample shape)", "https://huggingface.co/datasets/HuggingFaceH4/cai-conversation-harmless", false);

    /// <summary>RL prompts as verl and SkyRL read them: <c>data_source</c>, <c>prompt</c>, <c>ability</c>, <c>reward_model</c>, <c>extra_info</c>.</summary>
    public static DatasetFormat RlPrompts { get; } = new("rl-prompts", "Prompt-only RL rows naming the task whose verifier gives the reward (verl/SkyRL)", "https://verl.readthedocs.io/en/latest/preparation/prepare_data.html", false);

    /// <summary>Every format, in the order written.</summary>
    public static IReadOnlyList<DatasetFormat> All { get; } = [SftTrl, SftOpenAI, PreferenceTrl, DpoOpenAI, Kto, CritiqueRevision, RlPrompts];

    /// <summary>The <c>data_source</c> of RL rows.</summary>
    public const string DataSource = "crucible";

    /// <summary>The <c>ability</c> of RL rows.</summary>
    public const string Ability = "coding";

    /// <summary>Builds every format's rows from deduplicated records and pairs.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<DatasetRow>> Build(IReadOnlyList<HarvestRecord> records, IReadOnlyList<PreferencePair> pairs, Func<string, string> splitOf)
    {
        var sft = records.Where(r => r.Verified && !r.Flagged).ToList();
        var result = new Dictionary<string, IReadOnlyList<DatasetRow>>(StringComparer.Ordinal)
        {
            [SftTrl.Name] = [.. sft.Select(r => new DatasetRow(splitOf(r.TaskId), new JsonObject
            {
                ["messages"] = Messages(r.Messages, openAI: false),
                ["tools"] = Tools(r.Tools),
            }, Metadata(r)))],
            [SftOpenAI.Name] = [.. sft.Select(r => new DatasetRow(splitOf(r.TaskId), new JsonObject
            {
                ["messages"] = Messages(r.Messages, openAI: true),
                ["tools"] = Tools(r.Tools),
            }, Metadata(r)))],
            [PreferenceTrl.Name] = [.. pairs.Select(p => new DatasetRow(splitOf(p.Chosen.TaskId), new JsonObject
            {
                ["prompt"] = Messages(p.Chosen.Prompt, openAI: false),
                ["chosen"] = Messages(p.Chosen.Completion, openAI: false),
                ["rejected"] = Messages(p.Rejected.Completion, openAI: false),
            }, PairMetadata(p)))],
            [DpoOpenAI.Name] = [.. pairs.Select(p => new DatasetRow(splitOf(p.Chosen.TaskId), new JsonObject
            {
                ["input"] = new JsonObject { ["messages"] = TextMessages(p.Chosen.Prompt) },
                ["preferred_output"] = new JsonArray(Assistant(RenderText(p.Chosen.Completion))),
                ["non_preferred_output"] = new JsonArray(Assistant(RenderText(p.Rejected.Completion))),
            }, PairMetadata(p)))],
            [Kto.Name] = [.. records.Select(r => new DatasetRow(splitOf(r.TaskId), new JsonObject
            {
                ["prompt"] = Messages(r.Prompt, openAI: false),
                ["completion"] = Messages(r.Completion, openAI: false),
                ["label"] = r.Verified,
            }, Metadata(r)))],
            [CritiqueRevision.Name] = [.. records.SelectMany(r => r.Critiques.Select((c, i) => new DatasetRow(splitOf(r.TaskId), new JsonObject
            {
                ["init_prompt"] = r.Prompt.LastOrDefault(m => m.Role == "user")?.Content ?? "",
                ["init_response"] = i == 0 ? InitialResponse(r, records) : r.Critiques[i - 1].Revision,
                ["critic_prompt"] = c.CritiqueRequest,
                ["critic_response"] = c.Critique,
                ["revision_prompt"] = c.RevisionRequest,
                ["revision_response"] = c.Revision,
            }, Metadata(r, new JsonObject { ["principle"] = c.PrincipleId, ["round"] = i + 1 }))))],
            [RlPrompts.Name] = [.. records.GroupBy(r => r.TaskId).OrderBy(g => g.Key, StringComparer.Ordinal).Select((g, i) =>
            {
                var r = g.OrderBy(x => x.Id, StringComparer.Ordinal).First();
                var split = splitOf(r.TaskId);
                return new DatasetRow(split, new JsonObject
                {
                    ["data_source"] = DataSource,
                    ["prompt"] = TextMessages(r.Prompt),
                    ["ability"] = Ability,
                    ["reward_model"] = new JsonObject { ["style"] = "rule", ["ground_truth"] = r.TaskId },
                    ["extra_info"] = new JsonObject
                    {
                        ["split"] = split,
                        ["index"] = i,
                        ["task_id"] = r.TaskId,
                        ["suite"] = r.Suite ?? "",
                        ["language"] = r.Language ?? "",
                        ["verifier"] = "crucible verify",
                    },
                }, Metadata(r));
            })],
        };
        return result;
    }

    /// <summary>Conversation text a trainer's comparison can read: the assistant's words and tool calls, and the tool results, in order.</summary>
    public static string RenderText(IEnumerable<HarvestMessage> completion)
    {
        var sb = new StringBuilder();
        foreach (var m in completion)
        {
            if (m.Role == "tool")
            {
                sb.Append("<tool_result name=\"").Append(m.Name).Append("\">\n").Append(m.Content).Append("\n</tool_result>\n");
                continue;
            }
            if (m.Content.Length > 0)
            {
                sb.Append(m.Content).Append('\n');
            }
            foreach (var c in m.ToolCalls ?? [])
            {
                sb.Append("<tool_call name=\"").Append(c.Name).Append("\">").Append(c.Arguments.GetRawText()).Append("</tool_call>\n");
            }
        }
        return sb.ToString();
    }

    private static string InitialResponse(HarvestRecord revision, IReadOnlyList<HarvestRecord> records)
    {
        var original = records.FirstOrDefault(r => r.Id == revision.RevisedFrom);
        return original is null ? "" : original.CandidateDiff.Length > 0 ? original.CandidateDiff : RenderText(original.Completion);
    }

    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = text };

    private static JsonArray TextMessages(IEnumerable<HarvestMessage> messages) =>
        [.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })];

    /// <summary>Messages in TRL (arguments as objects, tool messages named) or OpenAI shape (arguments as JSON strings, tool messages with <c>tool_call_id</c>).</summary>
    public static JsonArray Messages(IEnumerable<HarvestMessage> messages, bool openAI)
    {
        var array = new JsonArray();
        foreach (var m in messages)
        {
            var o = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
            if (m.ToolCalls is { Count: > 0 } calls)
            {
                o["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode)(openAI
                    ? new JsonObject
                    {
                        ["id"] = c.Id,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments.GetRawText() },
                    }
                    : new JsonObject
                    {
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = JsonNode.Parse(c.Arguments.GetRawText()) },
                    }))]);
            }
            if (m.Role == "tool")
            {
                if (openAI)
                {
                    o["tool_call_id"] = m.ToolCallId ?? "";
                }
                else
                {
                    o["name"] = m.Name ?? "";
                }
            }
            array.Add(o);
        }
        return array;
    }

    private static JsonArray Tools(IEnumerable<HarvestTool> tools) =>
        [.. tools.Select(t => (JsonNode)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = JsonNode.Parse(t.Parameters.GetRawText()) },
        })];

    /// <summary>Provenance of a record as a metadata object.</summary>
    public static JsonObject Metadata(HarvestRecord r, JsonObject? extra = null)
    {
        var p = r.Provenance;
        var o = new JsonObject
        {
            ["record_id"] = r.Id,
            ["source"] = r.Source,
            ["task_id"] = p.TaskId,
            ["model"] = p.Model,
            ["crucible_version"] = p.CrucibleVersion,
            ["constitution_sha256"] = p.ConstitutionHash,
            ["verdict"] = p.Verdict,
            ["verified"] = r.Verified,
            ["integrity"] = new JsonArray([.. p.Integrity.Select(i => (JsonNode)i)]),
            ["constitution_score"] = r.ConstitutionScore,
            ["run_id"] = p.RunId,
            ["attempt"] = p.Attempt,
            ["sample"] = p.Sample,
            ["outcome"] = p.Outcome,
            ["prompt_sha256"] = p.PromptSha256,
            ["cost_usd"] = r.CostUsd is { } c ? (double)c : null,
        };
        foreach (var kv in extra ?? [])
        {
            o[kv.Key] = kv.Value?.DeepClone();
        }
        return o;
    }

    private static JsonObject PairMetadata(PreferencePair p)
    {
        var o = new JsonObject
        {
            ["pair_id"] = p.Id,
            ["task_id"] = p.Chosen.TaskId,
            ["chosen"] = Metadata(p.Chosen),
            ["rejected"] = Metadata(p.Rejected),
            ["rejected_because"] = p.Reason,
            ["margin"] = p.Margin,
            ["soft_label"] = p.SoftLabel,
            ["deciding_principle"] = p.DecidingPrinciple,
            ["judge"] = p.Label is null ? null : JsonSerializer.SerializeToNode(new { method = p.Label.Method.ToString(), probability = p.Label.Probability, clamped = p.Label.Clamped, swappedPositions = p.Label.SwappedPositions }, HarvestRecord.Json),
        };
        return o;
    }
}

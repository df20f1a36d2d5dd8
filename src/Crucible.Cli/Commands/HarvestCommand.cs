using System.CommandLine;
using System.Globalization;
using Crucible.Models.Batches;
using Crucible.Constitution.Loading;
using Crucible.Core;
using Crucible.Flywheel.Harvest;
using Crucible.Flywheel.Storage;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible harvest RUN... [--sessions PATH]... --out DIR [--revise] [--label] [--split test=0.1]</c>: turn eval
/// attempts and agent sessions into training data in the formats trainers read.
/// </summary>
internal static class HarvestCommand
{
    public static Command Create(CliContext context)
    {
        var runs = new Argument<string[]>("RUN") { Description = "Eval run ids (or unique prefixes) from the result store", Arity = ArgumentArity.ZeroOrMore };
        var sessions = new Option<string[]>("--sessions") { HelpName = "PATH", Description = "A repository (or its .crucible/sessions folder) whose agent sessions are harvested; repeatable", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--out", "-o") { HelpName = "DIR", Description = "The dataset folder (created; a rerun resumes and rewrites it identically)", Required = true };
        var revise = new Option<bool>("--revise") { Description = "Send failing or flagged attempts through the critique → revision loop; only re-verified revisions become data (needs --model)" };
        var label = new Option<bool>("--label") { Description = "Ask a judge model for soft preference labels on pairs, positions swapped (needs --judge-model or --model)" };
        var split = new Option<string[]>("--split") { HelpName = "NAME=SHARE", Description = "Held-out split by share of tasks, e.g. test=0.1 (repeatable; the rest is train)", DefaultValueFactory = _ => ["test=0.1"] };
        var batch = new Option<bool>("--batch") { Description = "Send --revise and --label calls through the provider's batch API (Anthropic Message Batches, or the OpenAI Batch API for OpenAI-compatible models); a rerun resumes a batch already submitted" };
        var batchPoll = new Option<double>("--batch-poll") { HelpName = "SECONDS", Description = "Seconds between polls of a running batch", DefaultValueFactory = _ => 30 };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Attempts processed in parallel", DefaultValueFactory = _ => 1 };
        var model = new Option<string?>("--model") { HelpName = "SPEC", Description = "Model of the critique → revision loop (and the judge unless --judge-model)" };
        var judge = new Option<string?>("--judge-model") { HelpName = "SPEC", Description = "Judge model of --label" };
        var constitution = new Option<string?>("--constitution") { Description = "Constitution YAML file (default: the built-in code constitution)" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Re-verify revisions without bubblewrap (recorded in every verdict)" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON on stdout" };

        var command = new Command("harvest", "Turn eval attempts and agent sessions into training data (SFT, preference, KTO, critique/revision, RL prompts).")
        {
            runs, sessions, output, revise, label, batch, batchPoll, split, jobs, model, judge, constitution, noSandbox, json,
        };
        context.SetAction(command, async (parse, ct) =>
        {
            var runIds = parse.GetValue(runs) ?? [];
            var sessionPaths = parse.GetValue(sessions) ?? [];
            if (runIds.Length == 0 && sessionPaths.Length == 0)
            {
                throw new BadInputException("nothing to harvest", "name eval runs (crucible harvest RUN --out DIR) or session folders (--sessions PATH)");
            }
            if (parse.GetValue(jobs) < 1)
            {
                throw new BadInputException("--jobs must be at least 1", "pass --jobs 1 or more");
            }
            var attempts = new List<HarvestSourceAttempt>();
            if (runIds.Length > 0)
            {
                using var store = new ResultStore(context.DatabasePath);
                foreach (var id in runIds)
                {
                    var run = store.FindRun(id) ?? throw new BadInputException($"no run '{id}' in {context.DatabasePath}", "pass a run id from 'ls .crucible/runs' (or --state-dir for another state folder)");
                    attempts.AddRange(AttemptSources.FromRun(store, run));
                }
            }
            foreach (var path in sessionPaths)
            {
                attempts.AddRange(AttemptSources.FromSessions(context.FullPath(path)));
            }
            var constitutionPath = parse.GetValue(constitution);
            var text = constitutionPath is null ? ConstitutionLoader.DefaultText : File.ReadAllText(context.FullPath(constitutionPath));
            var doc = constitutionPath is null ? ConstitutionLoader.Default : ConstitutionLoader.Load(context.FullPath(constitutionPath));
            var harvestContext = new HarvestContext(doc, HarvestRecord.Sha256(text), Harvester.CrucibleVersion);

            var doRevise = parse.GetValue(revise);
            var doLabel = parse.GetValue(label);
            var modelSpec = parse.GetValue(model);
            var judgeSpec = parse.GetValue(judge) ?? modelSpec;
            if (doRevise && modelSpec is null)
            {
                throw new BadInputException("--revise needs a model", "pass --model SPEC, e.g. --model anthropic:claude-sonnet-4-5");
            }
            if (doLabel && judgeSpec is null)
            {
                throw new BadInputException("--label needs a judge model", "pass --judge-model SPEC (or --model SPEC)");
            }
            var doBatch = parse.GetValue(batch);
            if (doBatch && !doRevise && !doLabel)
            {
                throw new BadInputException("--batch needs --revise or --label", "add --revise and/or --label: only their model calls are batched");
            }
            if (parse.GetValue(batchPoll) is var poll && (poll < 0 || double.IsNaN(poll)))
            {
                throw new BadInputException("--batch-poll must be 0 or more seconds", "pass e.g. --batch-poll 30");
            }
            var options = new HarvestOptions
            {
                Batch = doBatch,
                OutputDirectory = context.FullPath(parse.GetValue(output)!),
                Splits = ParseSplits(parse.GetValue(split) ?? []),
                Jobs = parse.GetValue(jobs),
                Revise = doRevise,
                Label = doLabel,
                Environment = Environment(context),
                WorkDirectory = Core.IO.ProcessTemp.NewPath("crucible-harvest-"),
            };
            Directory.CreateDirectory(options.WorkDirectory);
            var sandbox = doRevise ? context.CreateSandbox(parse.GetValue(noSandbox)) : null;
            var batchState = Path.Combine(options.OutputDirectory, Harvester.StateFolder, "batch");
            using var reviser = !doRevise ? null : doBatch ? Batched(context, modelSpec!, batchState, poll) : context.CreateChatClient(modelSpec!);
            using var judgeClient = !doLabel ? null : doBatch ? Batched(context, judgeSpec!, batchState, poll) : context.CreateChatClient(judgeSpec!);
            var harvester = new Harvester(options, harvestContext, sandbox is null ? null : context.CreateVerifier(sandbox, options.Jobs), reviser, judgeClient, sandbox is null ? null : context.CreateIntegrityChecker(sandbox));
            context.Err.MarkupLine($"[bold]harvest[/]: {attempts.Count} attempt(s) into {Markup.Escape(options.OutputDirectory)}");
            var summary = await harvester.RunAsync(attempts, new SyncProgress<string>(m => context.Err.WriteLine(m)), ct);
            if (parse.GetValue(json))
            {
                context.Out.Profile.Out.Writer.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    summary.Records, summary.Duplicates, summary.Revisions, summary.Pairs,
                    scrubbed = summary.Scrubbed.Sum(s => s.Count),
                    formats = summary.Written.Select(w => new { w.Format, w.Split, w.Rows, w.Files }),
                }, ResultStore.ArtifactJson));
                return 0;
            }
            var table = new Table().Title("[bold]harvest[/]").AddColumn("format").AddColumn("split").AddColumn("rows");
            foreach (var w in summary.Written)
            {
                table.AddRow(Markup.Escape(w.Format), Markup.Escape(w.Split), w.Rows.ToString(CultureInfo.InvariantCulture));
            }
            context.Out.Write(table);
            context.Out.MarkupLine($"{summary.Records} record(s), {summary.Duplicates} duplicate(s) dropped, {summary.Pairs} pair(s), {summary.Revisions} verified revision(s), {summary.Scrubbed.Sum(s => s.Count)} secret(s) scrubbed");
            context.Out.MarkupLine($"[grey]dataset: {Markup.Escape(options.OutputDirectory)} (README.md is the dataset card)[/]");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The batched model of <c>--batch</c>: Anthropic Message Batches for <c>anthropic:</c> models, the OpenAI Batch API
    /// (<c>/v1/files</c> + <c>/v1/batches</c>) for OpenAI and OpenAI-compatible ones.
    /// </summary>
    private static IChatClient Batched(CliContext context, string spec, string stateFolder, double pollSeconds)
    {
        var parsed = context.Models.Parse(spec);
        var store = new ChatBatchStore(Path.Combine(stateFolder, "batches"));
        var options = new ChatBatchOptions { PollInterval = TimeSpan.FromSeconds(pollSeconds) };
        var connection = context.Models.Resolve(parsed);
        IChatBatchClient client = parsed.Provider == Crucible.Models.Specs.ModelProviders.Anthropic
            ? new Crucible.Models.Anthropic.AnthropicBatchClient(connection, store, options)
            : new Crucible.Models.OpenAI.OpenAIBatchClient(connection, store, options);
        // Batched calls go to the run's usage ledger like direct ones, at the batch price.
        return context.Models.RecordBatchUsage(new BatchedChatClient(client, stateFolder), connection);
    }

    /// <summary>Parses <c>NAME=SHARE</c> pairs; the shares must leave room for train.</summary>
    internal static IReadOnlyList<KeyValuePair<string, double>> ParseSplits(IEnumerable<string> specs)
    {
        var list = new List<KeyValuePair<string, double>>();
        foreach (var spec in specs)
        {
            var eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !double.TryParse(spec[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var share) || share < 0 || share >= 1)
            {
                throw new BadInputException($"--split '{spec}' is not NAME=SHARE with a share in [0, 1)", "pass e.g. --split test=0.1 (a tenth of the tasks held out)");
            }
            var name = spec[..eq];
            if (name == "train" || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z0-9_]*$"))
            {
                throw new BadInputException($"--split name '{name}' is not allowed", "use a lower-case name other than train (train takes the remaining tasks), e.g. test or validation");
            }
            list.Add(new(name, share));
        }
        if (list.Sum(s => s.Value) >= 1)
        {
            throw new BadInputException("the --split shares add up to 1 or more", "leave some tasks for train, e.g. --split test=0.1 --split validation=0.1");
        }
        return list;
    }

    private static Dictionary<string, string?> Environment(CliContext context)
    {
        var names = System.Environment.GetEnvironmentVariables().Keys.Cast<string>();
        return names.Where(SecretScrubber.IsSecretName).Distinct(StringComparer.Ordinal).ToDictionary(n => n, n => context.Setup.Environment(n), StringComparer.Ordinal);
    }
}

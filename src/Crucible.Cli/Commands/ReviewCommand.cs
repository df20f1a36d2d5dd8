using System.CommandLine;
using System.Text.Json;
using Crucible.Constitution;
using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;
using Crucible.Constitution.Critique;
using Crucible.Constitution.Loading;
using Crucible.Constitution.Review;
using Crucible.Verification.Differential;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Core.Usage;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Tasks;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible review [PATH | --diff REF] [--task TASK_DIR] [--constitution FILE] [--model SPEC [--principles N]] [--json]</c>:
/// reviews a change against the constitution. With <c>--model</c>, the model also critiques the change's
/// diff against each principle (<see cref="PrincipleCritic"/>) and its assessment (satisfied, violated,
/// unclear) is printed next to the principle's automated findings. Exit codes: 0 when no integrity
/// check fired (quality findings and "violated" AI assessments are reported but do not fail: a model's
/// opinion is advice, only the automated integrity checks are evidence), 1 when an integrity check
/// fired (for CI and git hooks), 2 for bad input.
/// </summary>
internal static class ReviewCommand
{
    /// <summary>What to review and how.</summary>
    /// <param name="Path">The folder to review (default: the current folder).</param>
    /// <param name="Diff">The git revision to compare the working tree with (default: <c>HEAD</c>).</param>
    /// <param name="Task">A task folder giving instructions, protected files and allowed files.</param>
    /// <param name="Constitution">A constitution YAML file (default: the built-in one).</param>
    /// <param name="Model">The model for the AI review; null runs the automated checks only.</param>
    /// <param name="Json">Print JSON instead of a tree.</param>
    /// <param name="Principles">With a model: critique only the first N principles, in constitution order (one model call each). Null: all.</param>
    /// <param name="NoDifferential">With a task: skip differential testing against the task's reference (it runs the candidate in the sandbox).</param>
    /// <param name="DifferentialConfig">With a task: a differential configuration file (<c>--differential-config</c>) applied under the task's own task.yaml.</param>
    internal sealed record Settings(string? Path, string? Diff, string? Task, string? Constitution, string? Model, bool Json, int? Principles = null, bool NoDifferential = false, string? DifferentialConfig = null);

    /// <summary>The model-driven half of a review.</summary>
    /// <param name="Model">The model spec.</param>
    /// <param name="Critiques">One critique per principle critiqued, in constitution order.</param>
    /// <param name="Tokens">Tokens of the critique calls, as the provider reported them.</param>
    /// <param name="Cost">Dollars of the calls as the usage ledger priced them; null when unknown.</param>
    internal sealed record AiReview(string Model, IReadOnlyList<PrincipleCritique> Critiques, TokenUsage Tokens, decimal? Cost)
    {
        /// <summary>The critique of <paramref name="principleId"/>, or null when it was not critiqued.</summary>
        public PrincipleCritique? For(string principleId) => Critiques.FirstOrDefault(c => c.PrincipleId == principleId);

        /// <summary>One line: what was critiqued, the assessments, and what it cost.</summary>
        public string Summary(int principles)
        {
            int Count(PrincipleAssessment a) => Critiques.Count(c => c.Assessment == a);
            var cost = Cost is { } usd ? $"${usd.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}" : "cost unknown";
            return $"AI review by {Model}: {Critiques.Count} of {principles} principle(s) critiqued ({Count(PrincipleAssessment.Satisfied)} satisfied, {Count(PrincipleAssessment.Violated)} violated, {Count(PrincipleAssessment.Unclear)} unclear); "
                + $"{Tokens.TotalInputTokens:N0} input + {Tokens.OutputTokens:N0} output tokens, {cost}. AI assessments are advice: they do not change the exit code.";
        }
    }

    /// <summary>What the review says when no model was given.</summary>
    internal const string AiSkipped = "AI review skipped (no --model): only the automated checks ran.";


    public static Command Create(CliContext context)
    {
        var path = new Argument<string?>("PATH") { Description = "Folder to review: a git working tree (default: the current folder), or a task workspace with --task", Arity = ArgumentArity.ZeroOrOne };
        var diff = new Option<string?>("--diff") { Description = "Compare the working tree with this git revision instead of HEAD" };
        var task = new Option<string?>("--task") { Description = "Task folder: its instructions, protected files and allowed files inform the checks" };
        var constitution = new Option<string?>("--constitution") { Description = "Constitution YAML file (default: the built-in code constitution)" };
        var model = new Option<string?>("--model") { Description = "Model spec for the AI review, e.g. anthropic:claude-sonnet-4-5" };
        var json = new Option<bool>("--json") { Description = "Print the review as JSON on stdout" };
        var principles = new Option<int?>("--principles") { Description = "With --model: critique only the first N principles, in constitution order (one model call each; default: all)" };
        var noDifferential = new Option<bool>("--no-differential") { Description = "With --task: do not compare the candidate with the task's reference on generated inputs" };
        var differentialConfig = new Option<string?>("--differential-config") { HelpName = "FILE", Description = "With --task: differential configuration per task (schema crucible.differential-config); task.yaml wins, then this file, then the built-in overlays" };
        var command = new Command("review", "Review a change against the constitution (exit 1 when an integrity check fires, 2 on bad input).")
        {
            path, diff, task, constitution, model, json, principles, noDifferential, differentialConfig,
        };
        context.SetAction(command, (parse, ct) => RunAsync(
            new Settings(parse.GetValue(path), parse.GetValue(diff), parse.GetValue(task), parse.GetValue(constitution), parse.GetValue(model), parse.GetValue(json), parse.GetValue(principles), parse.GetValue(noDifferential), parse.GetValue(differentialConfig)),
            context, ct));
        return command;
    }

    /// <summary>Runs the review without a model (<see cref="RunAsync"/> when one is given) and prints it; returns the exit code.</summary>
    internal static int Run(Settings settings, CliContext context) =>
        RunAsync(settings, context, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs the review and prints it; returns the exit code.</summary>
    /// <exception cref="BadInputException">A missing path, a folder that is neither a git repository nor a task workspace, a bad task or constitution, a bad <c>--principles</c>.</exception>
    internal static async Task<int> RunAsync(Settings settings, CliContext context, CancellationToken cancellationToken)
    {
        var (output, errors) = (context.Out, context.Err);
        if (settings.Principles is < 1)
        {
            throw new BadInputException($"--principles {settings.Principles} is not a number of principles", "pass --principles 1 or more, or leave it out to critique every principle");
        }
        if (settings.Principles is not null && settings.Model is null)
        {
            throw new BadInputException("--principles was given without --model", "add --model SPEC for the AI review, or drop --principles");
        }
        var constitution = settings.Constitution is null ? ConstitutionLoader.Default : ConstitutionLoader.Load(context.FullPath(settings.Constitution));
        if (settings.DifferentialConfig is not null && settings.Task is null)
        {
            throw new BadInputException("--differential-config was given without --task", "add --task DIR (differential testing compares against a task's reference), or drop --differential-config");
        }
        var overlay = settings.DifferentialConfig is { } config ? DifferentialOverlay.Load(context.FullPath(config)) : null;
        var task = settings.Task is null ? null : LoadTask(context.FullPath(settings.Task), overlay);
        var changes = LoadChanges(context, settings, task);
        var result = AutomatedReview.Run(constitution, changes, task is null ? null : CheckContext.FromTask(task));
        var review = settings.Model is null ? null : await CritiqueAsync(context, settings.Model, settings.Principles, result, task, cancellationToken).ConfigureAwait(false);
        var ai = review?.Summary(constitution.Principles.Count) ?? AiSkipped;
        DifferentialReport? differential = null;
        if (task is not null && !settings.NoDifferential)
        {
            // The task as shipped is no candidate: its stub disagrees with the reference by design, and "passes its tests but
            // does not generalise" cannot be said of it.
            differential = !changes.Changed.Any()
                ? DifferentialReport.NotComparable(task.Id, "nothing changed from the task's starting files")
                : DifferentialTester.Precondition(task) is { } why
                ? DifferentialReport.NotComparable(task.Id, why)
                : await new DifferentialTester(context.CreateSandbox(noSandbox: false)).CompareAsync(task, context.FullPath(settings.Path ?? "."), cancellationToken).ConfigureAwait(false);
        }
        var flagged = result.IntegrityFailed || differential?.Status == DifferentialStatus.Disagrees;
        foreach (var error in result.Report.Errors)
        {
            errors.MarkupLine($"[yellow]warning:[/] a check failed to run: {Markup.Escape(error)}");
        }
        if (settings.Json)
        {
            output.Profile.Out.Writer.WriteLine(ToJson(result, task, ai, review, differential));
        }
        else
        {
            Print(output, result, task, ai, review);
            PrintDifferential(output, differential);
        }
        return flagged ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static void PrintDifferential(IAnsiConsole output, DifferentialReport? report)
    {
        switch (report)
        {
            case null:
                return;
            case { Status: DifferentialStatus.Disagrees, Counterexample: { } c }:
                output.MarkupLine($"[red]FAIL[/] [bold]{DifferentialChecker.Rule}[/]: passes its tests but disagrees with the reference (seed {c.Seed}, case {c.Case} of {report.Cases})");
                output.MarkupLine($"  input:    {Markup.Escape(c.Call)}");
                output.MarkupLine($"  expected: {Markup.Escape(c.Expected)}");
                output.MarkupLine($"  got:      {Markup.Escape(c.Got)}");
                if (report.Config is { } config)
                {
                    output.MarkupLine($"  config:   {Markup.Escape(config)}");
                }
                return;
            case { Status: DifferentialStatus.Agrees }:
                output.MarkupLine($"[green]differential:[/] agrees with the reference on {report.Compared} generated input(s) (seed {report.Seed}; {report.Invalid} invalid{(report.RejectedByContract > 0 ? $" ({report.RejectedByContract} outside the input contracts)" : "")}, {report.CandidateTimeouts} timed out{(report.FirstTimeout is { } first ? $", first {Markup.Escape(first)}" : "")}){(report.Config is { } source ? $"; config: {Markup.Escape(source)}" : "")}");
                return;
            default:
                output.MarkupLine($"[grey]differential: not comparable: {Markup.Escape(report.Reason)}[/]");
                return;
        }
    }

    /// <summary>
    /// Asks the model to critique the change's diff against each principle (the first
    /// <paramref name="limit"/>, in constitution order), one call per principle. Usage is read from the
    /// process's usage ledger, which prices every call made through the model factory.
    /// </summary>
    private static async Task<AiReview> CritiqueAsync(CliContext context, string model, int? limit, ReviewResult result, TaskSpec? task, CancellationToken cancellationToken)
    {
        var ledger = context.Models.Ledger;
        var callsBefore = ledger.Records.Count;
        var diff = UnifiedDiff.Of(result.Changes);
        using var client = context.CreateChatClient(model);
        var critic = new PrincipleCritic(client);
        var critiques = new List<PrincipleCritique>();
        foreach (var principle in result.Constitution.Principles.Take(limit ?? int.MaxValue))
        {
            critiques.Add(await critic.CritiqueAsync(task?.Instructions, diff, principle, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        var calls = ledger.Records.Skip(callsBefore).ToList();
        // Dollars are known only when the calls went through the ledger (retried and failed ones included) and each had a price.
        decimal? cost = calls.Count > 0 && calls.All(c => c.CostUsd is not null) ? calls.Sum(c => c.CostUsd!.Value) : null;
        var tokens = critiques.Aggregate(TokenUsage.Zero, (sum, c) => sum + c.Usage);
        return new AiReview(model, critiques, tokens, cost);
    }

    private static TaskSpec LoadTask(string dir, DifferentialOverlay? overlay)
    {
        var suite = TaskSuites.Load(dir, overlay);
        return suite.Tasks.Count switch
        {
            1 => suite.Tasks[0],
            0 => throw new BadInputException($"'{dir}' holds no task that can run here{(suite.Unsupported.Count > 0 ? $": {suite.Unsupported[0].Reason}" : "")}", "pass one task folder (with a task.yaml or an Exercism .meta/config.json) to --task"),
            _ => throw new BadInputException($"'{dir}' holds {suite.Tasks.Count} tasks, not one", "pass a single task folder to --task, not a suite"),
        };
    }

    private static ChangeSet LoadChanges(CliContext context, Settings settings, TaskSpec? task)
    {
        var path = context.FullPath(settings.Path ?? ".");
        if (!Directory.Exists(path))
        {
            throw new BadInputException($"'{path}' does not exist or is not a folder", "pass the folder to review (a git working tree, or a task workspace with --task)");
        }
        if (ChangeSetBuilder.IsGitRepository(path))
        {
            return ChangeSetBuilder.FromGit(path, settings.Diff);
        }
        if (settings.Diff is not null)
        {
            throw new BadInputException($"--diff needs a git repository, and '{path}' is not inside one", "run the review inside a git repository, or drop --diff");
        }
        if (task is not null)
        {
            return ChangeSetBuilder.FromTask(task, path);
        }
        throw new BadInputException($"'{path}' is not inside a git repository", "run 'crucible review' in a git working tree (it reviews the changes against HEAD), or pass --task TASK_DIR to review a task workspace against the task's starting files");
    }

    private static void Print(IAnsiConsole output, ReviewResult result, TaskSpec? task, string ai, AiReview? review)
    {
        var changed = result.Changes.Changed.ToList();
        output.MarkupLine($"[bold]Review[/] of {Markup.Escape(result.Changes.Description)}: {changed.Count} changed file(s)");
        output.MarkupLine($"Constitution [bold]{Markup.Escape(result.Constitution.Name)}[/] v{Markup.Escape(result.Constitution.Version)} ({result.Constitution.Principles.Count} principles){(task is null ? "" : $", task [bold]{Markup.Escape(task.Id)}[/]")}");
        var tree = new Tree("Principles");
        foreach (var p in result.Principles)
        {
            var (mark, color) = p.Status switch
            {
                PrincipleStatus.Passed => ("ok", "green"),
                PrincipleStatus.Findings => (p.Findings.Any(f => f.IsIntegrity) ? "FAIL" : "findings", p.Findings.Any(f => f.IsIntegrity) ? "red" : "yellow"),
                _ => ("model only", "grey"),
            };
            var node = tree.AddNode($"[{color}]{mark}[/] [bold]{Markup.Escape(p.Principle.Id)}[/]: {Markup.Escape(p.Principle.Question)}");
            foreach (var check in p.Principle.Checks)
            {
                var findings = result.Report.For(check).ToList();
                var checkNode = node.AddNode(findings.Count == 0 ? $"[green]ok[/] {Markup.Escape(check)}" : $"[{(CheckIds.Integrity.Contains(check) ? "red" : "yellow")}]{findings.Count} finding(s)[/] {Markup.Escape(check)}");
                foreach (var f in findings)
                {
                    AddFinding(checkNode, f);
                }
            }
            if (review?.For(p.Principle.Id) is { } critique)
            {
                var assessmentColor = critique.Assessment switch
                {
                    PrincipleAssessment.Satisfied => "green",
                    PrincipleAssessment.Violated => "red",
                    _ => "grey",
                };
                var aiNode = node.AddNode($"AI assessment: [{assessmentColor}]{critique.Assessment.ToString().ToLowerInvariant()}[/]");
                aiNode.AddNode(Markup.Escape(critique.Critique.Trim()));
            }
        }
        if (result.Unassigned.Count > 0)
        {
            var other = tree.AddNode("[red]FAIL[/] [bold]integrity[/]: checks every review runs, whatever the constitution");
            foreach (var f in result.Unassigned)
            {
                AddFinding(other, f);
            }
        }
        output.Write(tree);
        var integrity = result.Report.Findings.Count(f => f.IsIntegrity);
        var quality = result.Report.Findings.Count - integrity;
        output.MarkupLine(integrity > 0
            ? $"[red]{integrity} integrity finding(s)[/], {quality} quality finding(s): the change does not count as done"
            : $"[green]no integrity findings[/], {quality} quality finding(s)");
        output.MarkupLine(Markup.Escape(ai));
        foreach (var skipped in result.Changes.Skipped)
        {
            output.MarkupLine($"[grey]skipped: {Markup.Escape(skipped)}[/]");
        }
    }

    private static void AddFinding(TreeNode parent, Finding f)
    {
        var node = parent.AddNode($"{Markup.Escape(f.Location)}{(f.Location.Length > 0 ? ": " : "")}{Markup.Escape(f.Message)}");
        if (f.Snippet is { Length: > 0 } snippet)
        {
            node.AddNode($"[grey]{Markup.Escape(snippet)}[/]");
        }
    }

    private static string ToJson(ReviewResult result, TaskSpec? task, string ai, AiReview? review, DifferentialReport? differential) => JsonSerializer.Serialize(new
    {
        differential,
        source = result.Changes.Description,
        changedFiles = result.Changes.Changed.Select(f => new { f.Path, kind = f.Kind.ToString() }),
        constitution = new { result.Constitution.Name, result.Constitution.Version, path = result.Constitution.SourcePath },
        task = task?.Id,
        integrityFailed = result.IntegrityFailed,
        principles = result.Principles.Select(p => new
        {
            p.Principle.Id,
            p.Principle.Question,
            p.Principle.Weight,
            status = p.Status.ToString(),
            checks = p.Principle.Checks.Select(c => new { id = c, findings = result.Report.For(c) }),
            ai = review?.For(p.Principle.Id) is { } c ? new { assessment = c.Assessment.ToString().ToLowerInvariant(), critique = c.Critique } : null,
        }),
        unassigned = result.Unassigned,
        aiReview = ai,
        aiUsage = review is null ? null : new { model = review.Model, principles = review.Critiques.Count, review.Tokens.TotalInputTokens, review.Tokens.OutputTokens, costUsd = review.Cost },
        skipped = result.Changes.Skipped,
        errors = result.Report.Errors,
    }, ResultStore.ArtifactJson);
}

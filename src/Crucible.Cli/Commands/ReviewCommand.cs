using System.CommandLine;
using System.Text.Json;
using Crucible.Constitution;
using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;
using Crucible.Constitution.Loading;
using Crucible.Constitution.Review;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Tasks;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible review [PATH | --diff REF] [--task TASK_DIR] [--constitution FILE] [--model SPEC] [--json]</c>:
/// reviews a change against the constitution. Exit codes: 0 when no integrity check fired (quality
/// findings are reported but do not fail), 1 when an integrity check fired (for CI and git hooks),
/// 2 for bad input.
/// </summary>
internal static class ReviewCommand
{
    /// <summary>What to review and how.</summary>
    /// <param name="Path">The folder to review (default: the current folder).</param>
    /// <param name="Diff">The git revision to compare the working tree with (default: <c>HEAD</c>).</param>
    /// <param name="Task">A task folder giving instructions, protected files and allowed files.</param>
    /// <param name="Constitution">A constitution YAML file (default: the built-in one).</param>
    /// <param name="Model">The model for the AI review (not available in this build yet).</param>
    /// <param name="Json">Print JSON instead of a tree.</param>
    internal sealed record Settings(string? Path, string? Diff, string? Task, string? Constitution, string? Model, bool Json);

    /// <summary>What the review says when no model was given.</summary>
    internal const string AiSkipped = "AI review skipped (no --model): only the automated checks ran.";

    /// <summary>What the review says when a model was given: the model-driven review is not part of this build yet.</summary>
    internal const string AiUnavailable = "AI review not available in this build yet: --model was given but the model-driven critique is not wired into 'crucible review'; only the automated checks ran.";

    public static Command Create()
    {
        var path = new Argument<string?>("PATH") { Description = "Folder to review: a git working tree (default: the current folder), or a task workspace with --task", Arity = ArgumentArity.ZeroOrOne };
        var diff = new Option<string?>("--diff") { Description = "Compare the working tree with this git revision instead of HEAD" };
        var task = new Option<string?>("--task") { Description = "Task folder: its instructions, protected files and allowed files inform the checks" };
        var constitution = new Option<string?>("--constitution") { Description = "Constitution YAML file (default: the built-in code constitution)" };
        var model = new Option<string?>("--model") { Description = "Model spec for the AI review, e.g. anthropic:claude-sonnet-4-5" };
        var json = new Option<bool>("--json") { Description = "Print the review as JSON on stdout" };
        var command = new Command("review", "Review a change against the constitution (exit 1 when an integrity check fires, 2 on bad input).")
        {
            path, diff, task, constitution, model, json,
        };
        command.SetAction(parse => Run(
            new Settings(parse.GetValue(path), parse.GetValue(diff), parse.GetValue(task), parse.GetValue(constitution), parse.GetValue(model), parse.GetValue(json)),
            CliConsole.Out, CliConsole.Err));
        return command;
    }

    /// <summary>Runs the review and prints it; returns the exit code.</summary>
    /// <exception cref="BadInputException">A missing path, a folder that is neither a git repository nor a task workspace, a bad task or constitution.</exception>
    internal static int Run(Settings settings, IAnsiConsole output, IAnsiConsole errors)
    {
        var constitution = settings.Constitution is null ? ConstitutionLoader.Default : ConstitutionLoader.Load(settings.Constitution);
        var task = settings.Task is null ? null : LoadTask(settings.Task);
        var changes = LoadChanges(settings, task);
        var result = AutomatedReview.Run(constitution, changes, task is null ? null : CheckContext.FromTask(task));
        var ai = settings.Model is null ? AiSkipped : AiUnavailable;
        foreach (var error in result.Report.Errors)
        {
            errors.MarkupLine($"[yellow]warning:[/] a check failed to run: {Markup.Escape(error)}");
        }
        if (settings.Json)
        {
            output.Profile.Out.Writer.WriteLine(ToJson(result, task, ai));
        }
        else
        {
            Print(output, result, task, ai);
        }
        return result.IntegrityFailed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static TaskSpec LoadTask(string dir)
    {
        var suite = TaskSuites.Load(dir);
        return suite.Tasks.Count switch
        {
            1 => suite.Tasks[0],
            0 => throw new BadInputException($"'{dir}' holds no task that can run here{(suite.Unsupported.Count > 0 ? $": {suite.Unsupported[0].Reason}" : "")}", "pass one task folder (with a task.yaml or an Exercism .meta/config.json) to --task"),
            _ => throw new BadInputException($"'{dir}' holds {suite.Tasks.Count} tasks, not one", "pass a single task folder to --task, not a suite"),
        };
    }

    private static ChangeSet LoadChanges(Settings settings, TaskSpec? task)
    {
        var path = settings.Path ?? Environment.CurrentDirectory;
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

    private static void Print(IAnsiConsole output, ReviewResult result, TaskSpec? task, string ai)
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

    private static string ToJson(ReviewResult result, TaskSpec? task, string ai) => JsonSerializer.Serialize(new
    {
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
        }),
        unassigned = result.Unassigned,
        aiReview = ai,
        skipped = result.Changes.Skipped,
        errors = result.Report.Errors,
    }, new JsonSerializerOptions(ResultStore.Json) { WriteIndented = true });
}

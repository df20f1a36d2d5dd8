using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary><c>crucible tasks list|check SUITE</c>: inspect and validate task suites.</summary>
internal static class TasksCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("tasks", "Inspect and validate task suites.");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Check(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var suite = new Argument<string>("SUITE") { Description = "Suite folder" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var cmd = new Command("list", "List the tasks of a suite, and the entries that cannot run here with the reason.") { suite, json };
        context.SetAction(cmd, (parse, _) =>
        {
            var s = TaskSuites.Load(context.FullPath(parse.GetValue(suite)!));
            if (parse.GetValue(json))
            {
                context.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    suite = s.Path,
                    format = s.Format,
                    tasks = s.Tasks.Select(t => new { t.Id, t.Language, runner = t.Runner.Kind, t.Difficulty, t.Editable, tests = t.TestFiles.Select(f => f.Path), hasReference = t.ReferenceFiles.Count > 0, t.Tags, t.Adjustments }),
                    unsupported = s.Unsupported,
                }, ResultStore.ArtifactJson));
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = new Table().AddColumn("id").AddColumn("language").AddColumn("difficulty").AddColumn("editable").AddColumn("tests").AddColumn("reference").AddColumn("notes");
            foreach (var t in s.Tasks)
            {
                table.AddRow(
                    Markup.Escape(t.Id), t.Language, t.Difficulty?.ToString(CultureInfo.InvariantCulture) ?? "", Markup.Escape(string.Join(", ", t.Editable)),
                    Markup.Escape(string.Join(", ", t.TestFiles.Select(f => f.Path))), t.ReferenceFiles.Count > 0 ? "yes" : "[red]no[/]",
                    Markup.Escape(string.Join(", ", t.Tags.Concat(t.Adjustments.Count > 0 ? [$"{t.Adjustments.Count} adjustment(s)"] : []))));
            }
            foreach (var u in s.Unsupported)
            {
                table.AddRow($"[grey]{Markup.Escape(u.Id)}[/]", "", "", "", "", "", $"[grey]not supported: {Markup.Escape(u.Reason)}[/]");
            }
            context.Out.Write(table);
            context.Out.MarkupLine($"{s.Tasks.Count} task(s) ({s.Format} layout){(s.Unsupported.Count > 0 ? $", {s.Unsupported.Count} not supported here" : "")}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return cmd;
    }

    private static Command Check(CliContext context)
    {
        var suite = new Argument<string>("SUITE") { Description = "Suite folder" };
        var repeat = new Option<int>("--repeat") { Description = "Times each check is repeated, to flag flaky tasks", DefaultValueFactory = _ => 1 };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Tasks checked in parallel", DefaultValueFactory = _ => 1 };
        var filter = new Option<string?>("--filter") { Description = "Only tasks whose id matches this glob" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run without bubblewrap (recorded)" };
        var cmd = new Command("check", "Validate each task as SWE-bench does: the reference passes and the untouched stub fails (exit 1 if any task is invalid).")
        {
            suite, repeat, jobs, filter, json, noSandbox,
        };
        context.SetAction(cmd, async (parse, ct) =>
        {
            if (parse.GetValue(repeat) < 1 || parse.GetValue(jobs) < 1)
            {
                throw new Core.BadInputException("--repeat and --jobs must be at least 1", "pass a positive number");
            }
            var s = TaskSuites.Filter(TaskSuites.Load(context.FullPath(parse.GetValue(suite)!)), parse.GetValue(filter));
            var checker = new TaskChecker(context.CreateVerifier(context.CreateSandbox(parse.GetValue(noSandbox)), parse.GetValue(jobs)));
            var done = 0;
            var progress = new SyncProgress<TaskCheck>(c =>
            {
                done++;
                // Progress goes to stderr with or without --json (stdout carries only the result).
                {
                    var color = c.IsValid ? "green" : "red";
                    context.Err.MarkupLine($"[grey][[{done}/{s.Tasks.Count}]][/] {Markup.Escape(c.TaskId)}: [{color}]{c.Status}[/]{(c.Reason is null ? "" : $" [grey]{Markup.Escape(c.Reason)}[/]")}");
                }
            });
            var checks = await checker.CheckAsync(s, parse.GetValue(repeat), parse.GetValue(jobs), progress, ct);
            if (parse.GetValue(json))
            {
                context.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    suite = s.Path,
                    repeat = parse.GetValue(repeat),
                    checks = checks.Select(c => new { c.TaskId, status = c.Status.ToString(), c.IsValid, c.Reason, referencePassed = c.Reference.Count(v => v.CountsAsPass), stubPassed = c.Stub.Count(v => v.CountsAsPass) }),
                    unsupported = s.Unsupported,
                }, ResultStore.ArtifactJson));
            }
            else
            {
                var table = new Table().AddColumn("status").AddColumn("tasks").AddColumn("ids");
                foreach (var g in checks.GroupBy(c => c.Status).OrderBy(g => g.Key))
                {
                    table.AddRow(g.Key.ToString(), g.Count().ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", g.Select(c => c.TaskId).Take(12)) + (g.Count() > 12 ? ", ..." : "")));
                }
                context.Out.Write(table);
                foreach (var u in s.Unsupported)
                {
                    context.Out.MarkupLine($"[grey]not supported here: {Markup.Escape(u.Id)}: {Markup.Escape(u.Reason)}[/]");
                }
            }
            return checks.All(c => c.IsValid) ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return cmd;
    }
}

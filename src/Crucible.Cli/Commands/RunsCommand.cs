using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary><c>crucible runs list</c> and <c>crucible runs show RUN</c>: past evaluation runs from the result database.</summary>
internal static class RunsCommand
{
    /// <summary>Schema name of <c>runs list --json</c>.</summary>
    public const string ListSchema = "crucible.run-list";

    public static Command Create(CliContext context)
    {
        var listJson = new Option<bool>("--json") { Description = $"Print the runs as JSON ({ListSchema} v1)" };
        var list = new Command("list", "List past evaluation runs, newest first: status, solver, suite, attempts and pass rate.") { listJson };
        context.SetAction(list, (parse, ct) =>
        {
            using var store = new ResultStore(context.DatabasePath);
            var reports = store.Runs().Select(r => RunReport.Build(r, store.Results(r.Id))).ToList();
            if (parse.GetValue(listJson))
            {
                var doc = new
                {
                    schema = ListSchema,
                    version = 1,
                    runs = reports.Select(r => new
                    {
                        r.Run.Id, r.Run.Status, r.Run.Solver, r.Run.Suite, r.Run.CreatedAt, r.Run.FinishedAt, r.Run.Options,
                        r.Counts, passAt1 = r.PassAtK.FirstOrDefault(p => p.K == 1)?.Estimate, costUsd = r.Usage.CostUsd,
                    }),
                };
                context.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(doc, ResultStore.ArtifactJson));
                return Task.FromResult(ExitCodes.Ok);
            }
            if (reports.Count == 0)
            {
                context.Out.MarkupLine($"no runs yet in {Markup.Escape(context.DatabasePath)} (start one with 'crucible eval SUITE')");
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = new Table().AddColumn("run").AddColumn("status").AddColumn("solver").AddColumn("suite").AddColumn("attempts").AddColumn("pass@1").AddColumn("cost");
            foreach (var r in reports)
            {
                var p1 = r.PassAtK.FirstOrDefault(p => p.K == 1)?.Estimate.Value ?? 0;
                table.AddRow(
                    Markup.Escape(r.Run.Id), Markup.Escape(r.Run.Status), Markup.Escape(r.Run.Solver), Markup.Escape(Path.GetFileName(r.Run.Suite.TrimEnd('/'))),
                    r.Counts.Excluded > 0 ? $"{r.Counts.Total} ({r.Counts.Excluded} not counted)" : r.Counts.Total.ToString(CultureInfo.InvariantCulture),
                    (p1 * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
                    "$" + r.Usage.CostUsd.ToString("F4", CultureInfo.InvariantCulture));
            }
            context.Out.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });

        var id = new Argument<string>("RUN") { Description = "Run id (or a unique prefix)" };
        var showJson = new Option<bool>("--json") { Description = $"Print the run report as JSON ({RunReport.SchemaName} v{RunReport.CurrentVersion})" };
        var show = new Command("show", "Show one run: its options, status, pass@k with intervals, outcomes, cost and time.") { id, showJson };
        context.SetAction(show, (parse, ct) =>
        {
            using var store = new ResultStore(context.DatabasePath);
            var report = EvalCompareCommand.Load(store, parse.GetValue(id)!, context);
            if (parse.GetValue(showJson))
            {
                context.Out.Profile.Out.Writer.WriteLine(report.ToJson());
                return Task.FromResult(ExitCodes.Ok);
            }
            context.Out.MarkupLine(Markup.Escape($"suite {report.Run.Suite} · solver {report.Run.Solver} · started {report.Run.CreatedAt:u}{(report.Run.FinishedAt is { } f ? $" · finished {f:u}" : "")}"));
            context.Out.MarkupLine(Markup.Escape($"options: {report.Run.Options.GetRawText()}"));
            RunReportView.Render(context, report);
            context.Out.MarkupLine($"[grey]folder: {Markup.Escape(report.Run.Folder)}[/]");
            return Task.FromResult(ExitCodes.Ok);
        });

        return new Command("runs", "Past evaluation runs from the result database (.crucible/crucible.db).") { list, show };
    }
}

using System.CommandLine;
using Crucible.Core;
using Crucible.Viewer;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary><c>crucible eval report RUN --html FILE</c>: the viewer's pages of one run as one self-contained HTML file.</summary>
internal static class EvalReportCommand
{
    public static Command Create(CliContext context)
    {
        var run = new Argument<string>("RUN") { Description = "Run id (or unique id prefix)" };
        var html = new Option<string?>("--html") { HelpName = "FILE", Description = "Write the run's report as one self-contained HTML file (data inlined, no network)" };
        var command = new Command("report", "Write a run's report: the viewer's pages (tasks, attempts, trajectories, diffs, verdicts, charts) as one static HTML file.")
        {
            run, html,
        };
        context.SetAction(command, (parse, ct) => RunAsync(context, parse.GetValue(run)!, parse.GetValue(html), ct));
        return command;
    }

    internal static Task<int> RunAsync(CliContext context, string runId, string? html, CancellationToken ct)
    {
        if (html is null)
        {
            throw new BadInputException("no output given", "pass --html FILE, e.g. 'crucible eval report RUN --html report.html'");
        }
        ct.ThrowIfCancellationRequested();
        using var catalog = ViewCommand.OpenCatalog(context);
        var target = context.FullPath(html);
        if (Directory.Exists(target))
        {
            throw new BadInputException($"--html {html} is a folder", "pass a file name, e.g. report.html");
        }
        if (!StaticReport.Write(catalog, runId, target))
        {
            throw new BadInputException($"no run '{runId}' in {context.DatabasePath}", "pass a run id from 'crucible view' or the folders under .crucible/runs");
        }
        context.Out.Profile.Out.Writer.WriteLine(target);
        context.Err.MarkupLine($"wrote the report of run [bold]{Markup.Escape(runId)}[/] to {Markup.Escape(target)} ({new FileInfo(target).Length / 1024} KiB)");
        return Task.FromResult(ExitCodes.Ok);
    }
}

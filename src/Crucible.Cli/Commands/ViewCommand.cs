using System.CommandLine;
using System.Diagnostics;
using Crucible.Core;
using Crucible.Viewer;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary><c>crucible view [RUN]</c>: a local web viewer of the evaluation store (runs, tasks, attempts, trajectories, diffs, verdicts).</summary>
internal static class ViewCommand
{
    public static Command Create(CliContext context)
    {
        var run = new Argument<string?>("RUN") { Description = "Open this run (id or unique id prefix) first", Arity = ArgumentArity.ZeroOrOne };
        var listen = new Option<string>("--listen") { HelpName = "ADDRESS", Description = "Address to listen on (0.0.0.0 for every interface: anyone who can reach it reads your runs)", DefaultValueFactory = _ => ViewerOptions.Default.Listen };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one)", DefaultValueFactory = _ => ViewerOptions.Default.Port };
        var open = new Option<bool>("--open") { Description = "Open the viewer in the browser" };
        var command = new Command("view", "Browse evaluation runs in a local web viewer: pass rates, tasks, attempts, trajectories, diffs, verdicts, charts and comparisons.")
        {
            run, listen, port, open,
        };
        context.SetAction(command, (parse, ct) => RunAsync(context, parse.GetValue(run), new ViewerOptions { Listen = parse.GetValue(listen)!, Port = parse.GetValue(port) }, parse.GetValue(open), ct));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string? runId, ViewerOptions options, bool open, CancellationToken ct)
    {
        if (options.Port is < 0 or > 65535)
        {
            throw new BadInputException($"--port {options.Port} is not a port", "pass a number from 1 to 65535, or 0 (the default) for a free one");
        }
        using var catalog = OpenCatalog(context, options);
        var start = "";
        if (runId is not null)
        {
            var found = catalog.Find(runId) ?? throw new BadInputException($"no run '{runId}' in {context.DatabasePath}", "run 'crucible view' without a run to list them all");
            start = $"#/run/{Uri.EscapeDataString(found.Id)}";
        }
        await using var server = ViewerServer.Start(catalog, options);
        var url = new Uri(server.Address, start);
        // The URL alone on stdout, for scripts; the rest on stderr.
        context.Out.Profile.Out.Writer.WriteLine(url.AbsoluteUri);
        context.Err.MarkupLine($"[bold]crucible view[/] serving {Markup.Escape(context.DatabasePath)} at [link]{Markup.Escape(url.AbsoluteUri)}[/] (Ctrl-C stops it)");
        if (open && context.Setup.OpenBrowser(url) is { } problem)
        {
            context.Warn($"could not open the browser ({problem}); open {url.AbsoluteUri} yourself");
        }
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM is how a viewer is meant to stop: nothing is left unfinished.
        }
        return ExitCodes.Ok;
    }

    /// <summary>The store of <paramref name="context"/>, read-only; a folder with no runs yet is bad input, not an empty database created in passing.</summary>
    internal static RunCatalog OpenCatalog(CliContext context, ViewerOptions? options = null)
    {
        if (!File.Exists(context.DatabasePath))
        {
            throw new BadInputException($"no evaluation runs here: {context.DatabasePath} does not exist", "run 'crucible eval SUITE' first, or pass --state-dir with the folder holding crucible.db");
        }
        return new RunCatalog(context.DatabasePath, options);
    }

    /// <summary>
    /// Opens <paramref name="url"/> with <c>xdg-open</c>, started through <c>setsid</c> so it (and the browser it starts) is
    /// its own process group and session, meant to outlive this command. Returns null, or why it could not start.
    /// </summary>
    internal static string? OpenWithXdgOpen(Uri url)
    {
        try
        {
            var info = new ProcessStartInfo("setsid", ["xdg-open", url.AbsoluteUri]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info);
            return process is null ? "setsid did not start" : null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}

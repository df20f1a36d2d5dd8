using System.CommandLine;
using Crucible.Server.Mcp;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible mcp [--suite NAME=PATH]... [--no-sandbox]</c>: an MCP server on stdin/stdout with the tools <c>verify</c>,
/// <c>review</c>, <c>list_tasks</c> and <c>verify_task</c> (<see cref="CrucibleMcpTools"/>), for Claude Code, Codex CLI
/// and Gemini CLI. Nothing but MCP messages is written to stdout.
/// </summary>
internal static class McpCommand
{
    public static Command Create(CliContext context)
    {
        var suites = ServeCommand.SuiteOption();
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run tests without bubblewrap (recorded in every verdict)" };
        var command = new Command("mcp", "Serve Crucible's tools (verify, review, list_tasks, verify_task) over MCP on stdin/stdout.") { suites, noSandbox };
        context.SetAction(command, async (parse, ct) =>
        {
            var options = ServeCommand.Options(context, parse.GetValue(suites) ?? [], parse.GetValue(noSandbox));
            await using var input = Console.OpenStandardInput();
            await using var output = Console.OpenStandardOutput();
            await McpStdio.RunAsync(options, input, output, ct).ConfigureAwait(false);
            return ct.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
        });
        return command;
    }
}

using System.CommandLine;
using Crucible.Core;
using Spectre.Console;

namespace Crucible.Cli;

/// <summary>Builds and runs the <c>crucible</c> command tree.</summary>
public static class CliApp
{
    /// <summary>Builds the root command with every sub-command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Crucible: a coding agent whose work counts only when the harness has run it and proven it.");
        foreach (var command in CommandTree.All())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses <paramref name="args"/>, runs the chosen command and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            // Parse errors are bad input: report them with the usage hint and exit 2, not the library's default 1.
            foreach (var error in parse.Errors)
            {
                WriteBadInput(new BadInputException(error.Message, $"see 'crucible {string.Join(' ', parse.CommandResult.Command.Name == root.Name ? [] : new[] { parse.CommandResult.Command.Name })} --help'".Replace("  ", " ", StringComparison.Ordinal)));
            }
            return ExitCodes.BadInput;
        }
        try
        {
            // Exceptions reach the handlers below (bad input → 2); Ctrl-C cancels the action's token.
            // No termination timeout: the first Ctrl-C cancels the running step (the interactive agent keeps its session),
            // and commands end themselves promptly on cancellation.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (BadInputException e)
        {
            WriteBadInput(e);
            return ExitCodes.BadInput;
        }
        catch (Core.Sandbox.SandboxUnavailableException e)
        {
            WriteBadInput(new BadInputException(e.Message, "install and enable the sandbox as described, or pass --no-sandbox to run without isolation (recorded in results)"));
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            CliConsole.Err.MarkupLine("[yellow]interrupted[/]");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>Prints a bad-input error with its fix to stderr.</summary>
    public static void WriteBadInput(BadInputException e)
    {
        var err = CliConsole.Err;
        err.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
        if (e.Fix is { Length: > 0 } fix)
        {
            err.MarkupLine($"[yellow]fix:[/] {Markup.Escape(fix)}");
        }
    }
}

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
        foreach (var command in CommandTree.Commands())
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
        try
        {
            return await parse.InvokeAsync();
        }
        catch (BadInputException e)
        {
            WriteBadInput(e);
            return ExitCodes.BadInput;
        }
    }

    /// <summary>Prints a bad-input error with its fix to stderr.</summary>
    public static void WriteBadInput(BadInputException e)
    {
        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        err.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
        if (e.Fix is { Length: > 0 } fix)
        {
            err.MarkupLine($"[yellow]fix:[/] {Markup.Escape(fix)}");
        }
    }
}

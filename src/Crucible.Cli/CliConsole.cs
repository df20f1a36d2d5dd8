using Spectre.Console;

namespace Crucible.Cli;

/// <summary>The consoles commands write to: results on stdout, progress and diagnostics on stderr.</summary>
internal static class CliConsole
{
    /// <summary>Standard output (results, tables, JSON).</summary>
    public static IAnsiConsole Out { get; set; } = AnsiConsole.Console;

    /// <summary>Standard error (progress bars, warnings, errors), so <c>--json</c> output stays clean.</summary>
    public static IAnsiConsole Err { get; set; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>True when stderr is an interactive terminal (progress bars are drawn only then).</summary>
    public static bool ErrIsTerminal => !Console.IsErrorRedirected && Err.Profile.Capabilities.Interactive;

    /// <summary>Writes a warning line to stderr.</summary>
    public static void Warn(string message) => Err.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");
}

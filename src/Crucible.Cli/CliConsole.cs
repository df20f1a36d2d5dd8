using Spectre.Console;

namespace Crucible.Cli;

/// <summary>The consoles commands write to: results on stdout, progress and diagnostics on stderr.</summary>
internal static class CliConsole
{
    /// <summary>Standard output (results, tables, JSON).</summary>
    public static IAnsiConsole Out { get; set; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Out),
        // Redirected output (files, pipes, CI logs) gets plain text, never escape codes.
        Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    });

    /// <summary>Standard error (progress bars, warnings, errors), so <c>--json</c> output stays clean.</summary>
    public static IAnsiConsole Err { get; set; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
        Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        ColorSystem = Console.IsErrorRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
    });

    /// <summary>True when stderr is an interactive terminal (progress bars are drawn only then).</summary>
    public static bool ErrIsTerminal => !Console.IsErrorRedirected && Err.Profile.Capabilities.Interactive;

    /// <summary>Writes a warning line to stderr.</summary>
    public static void Warn(string message) => Err.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");
}

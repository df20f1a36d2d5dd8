using Spectre.Console;

namespace Crucible.Cli;

/// <summary>The consoles commands write to: results on stdout, progress and diagnostics on stderr.</summary>
internal static class CliConsole
{
    /// <summary>Width used when output is redirected: wide enough that tables never wrap ids or paths.</summary>
    public const int RedirectedWidth = 1000;

    /// <summary>Standard output (results, tables, JSON).</summary>
    public static IAnsiConsole Out { get; set; } = Create(Console.Out, Console.IsOutputRedirected);

    /// <summary>Standard error (progress bars, warnings, errors), so <c>--json</c> output stays clean.</summary>
    public static IAnsiConsole Err { get; set; } = Create(Console.Error, Console.IsErrorRedirected);

    /// <summary>True when stderr is an interactive terminal (progress bars are drawn only then).</summary>
    public static bool ErrIsTerminal => !Console.IsErrorRedirected && Err.Profile.Capabilities.Interactive;

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            // Redirected output (files, pipes, CI logs) gets plain text, never escape codes.
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }
        return console;
    }

    /// <summary>Writes a warning line to stderr.</summary>
    public static void Warn(string message) => Err.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");
}

using Spectre.Console;

namespace Crucible.Cli;

/// <summary>Creates the consoles of the process: results on stdout, progress and diagnostics on stderr (see <see cref="CliContext"/>).</summary>
internal static class CliConsole
{
    /// <summary>Width used when output is redirected: wide enough that tables never wrap ids or paths.</summary>
    public const int RedirectedWidth = 1000;

    /// <summary>A console over <paramref name="writer"/>: plain text, no colours and <see cref="RedirectedWidth"/> columns when redirected.</summary>
    public static IAnsiConsole Create(TextWriter writer, bool redirected)
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
}

using Spectre.Console;

namespace Crucible.Cli.Tests;

/// <summary>Consoles that capture what commands print.</summary>
public static class TestConsoles
{
    /// <summary>A plain, wide console (as when output is redirected), so lines are not wrapped.</summary>
    public static IAnsiConsole Plain(StringWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 240;
        return console;
    }
}

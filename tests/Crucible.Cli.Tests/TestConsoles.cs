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

/// <summary>Per-test CLI contexts: a working folder, capture consoles and no terminal, so tests never share process-wide state.</summary>
internal static class TestContexts
{
    /// <summary>
    /// A setup working in <paramref name="workingDirectory"/>, printing to <paramref name="output"/> and
    /// <paramref name="errors"/>; the user's home is <paramref name="home"/> (give a temporary folder so the
    /// real user's settings are never read) and the environment is empty unless <paramref name="environment"/> is given.
    /// </summary>
    public static CliSetup Setup(string workingDirectory, StringWriter output, StringWriter errors, string home, Func<string, string?>? environment = null) => new()
    {
        WorkingDirectory = workingDirectory,
        Home = home,
        Environment = environment ?? (_ => null),
        Out = TestConsoles.Plain(output),
        Err = TestConsoles.Plain(errors),
    };
}

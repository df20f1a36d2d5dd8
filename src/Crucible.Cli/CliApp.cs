using System.CommandLine;
using Crucible.Core;
using Crucible.Core.IO;
using Spectre.Console;

namespace Crucible.Cli;

/// <summary>Builds and runs the <c>crucible</c> command tree.</summary>
public static class CliApp
{
    /// <summary>The description shown at the top of <c>crucible --help</c>.</summary>
    internal const string Description = "Crucible: a coding agent whose work counts only when the harness has run it and proven it.";

    /// <summary>Builds the root command with every sub-command, each bound to <paramref name="context"/>.</summary>
    internal static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(Description);
        foreach (var command in CommandTree.All(context))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses <paramref name="args"/>, runs the chosen command in this process's context and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        // Temp folders of Crucible processes that died without cleaning up (kill -9, power loss); never a live one's.
        ProcessTemp.SweepStale();
        using var interrupts = CliInterrupts.ForProcess();
        try
        {
            using var context = CliContext.ForProcess(interrupts);
            return await RunAsync(args, context);
        }
        finally
        {
            // Every exit path that returns here removes this process's temp folders (a forced exit does it itself).
            ProcessTemp.DeleteRoot();
        }
    }

    /// <summary>Parses <paramref name="args"/>, runs the chosen command with <paramref name="context"/> and returns its exit code.</summary>
    internal static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var root = Build(context);
        var parse = root.Parse(HelpArguments(args));
        var invocation = new InvocationConfiguration
        {
            // Exceptions reach the handlers below (bad input → 2); Ctrl-C cancels the action's token.
            // No termination timeout: the first Ctrl-C cancels the running step (the interactive agent keeps its session),
            // and commands end themselves promptly on cancellation.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
            Output = context.Out.Profile.Out.Writer,
            Error = context.Err.Profile.Out.Writer,
        };
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            // Parse errors are bad input: report them with the usage hint and exit 2, not the library's default 1.
            var names = new List<string>();
            for (var r = parse.CommandResult; r.Command != root && r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent)
            {
                names.Insert(0, r.Command.Name);
            }
            var commandPath = string.Join(' ', names);
            foreach (var error in parse.Errors)
            {
                WriteBadInput(context.Err, new BadInputException(Describe(error.Message), $"see 'crucible {(commandPath.Length > 0 ? commandPath + " " : "")}--help'"));
            }
            return ExitCodes.BadInput;
        }
        try
        {
            var code = await parse.InvokeAsync(invocation, context.Setup.Cancellation);
            // A command reports an interruption as 130; SIGTERM's is 143, so a CI system sees what stopped the job.
            return code == ExitCodes.Interrupted && context.Interrupts.Signal is { } signal ? CliInterrupts.ExitCode(signal) : code;
        }
        catch (BadInputException e)
        {
            WriteBadInput(context.Err, e);
            return ExitCodes.BadInput;
        }
        catch (Core.Sandbox.SandboxUnavailableException e)
        {
            WriteBadInput(context.Err, new BadInputException(e.Message, "install and enable the sandbox as described, or pass --no-sandbox to run without isolation (recorded in results)"));
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            context.Err.MarkupLine("[yellow]interrupted[/]");
            return context.Interrupts.Signal is { } signal ? CliInterrupts.ExitCode(signal) : ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// Bare <c>crucible</c> shows the help, and <c>crucible help [COMMAND...]</c> is <c>crucible [COMMAND...] --help</c>,
    /// as in <c>git</c>, <c>gh</c> and <c>cargo</c>.
    /// </summary>
    internal static string[] HelpArguments(string[] args) => args switch
    {
        [] => ["--help"],
        ["help", .. var rest] => [.. rest, "--help"],
        _ => args,
    };

    /// <summary>
    /// A parse error in the user's words: System.CommandLine names the .NET type a value failed to convert to
    /// (<c>System.Nullable`1[System.Int32]</c>); the user is told what kind of value the option takes instead.
    /// </summary>
    internal static string Describe(string parseError)
    {
        var m = System.Text.RegularExpressions.Regex.Match(parseError, @"^Cannot parse argument '(?<value>.*)' for (?<kind>option|command) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?$");
        if (!m.Success)
        {
            return parseError;
        }
        var type = m.Groups["type"].Value;
        var expected = ValueKinds.FirstOrDefault(k => type.Contains(k.Type, StringComparison.Ordinal)).Description ?? "a value of another kind";
        var target = m.Groups["kind"].Value == "option" ? m.Groups["name"].Value : $"the argument of '{m.Groups["name"].Value}'";
        return $"'{m.Groups["value"].Value}' is not a valid value for {target}: expected {expected}";
    }

    /// <summary>What each .NET value type of an option is called in an error message.</summary>
    private static readonly (string Type, string Description)[] ValueKinds =
    [
        ("System.Int32", "a whole number"),
        ("System.Int64", "a whole number"),
        ("System.Decimal", "a number"),
        ("System.Double", "a number"),
        ("System.Boolean", "true or false"),
        ("System.TimeSpan", "a duration"),
    ];

    /// <summary>Prints a bad-input error with its fix to <paramref name="err"/>.</summary>
    internal static void WriteBadInput(IAnsiConsole err, BadInputException e)
    {
        err.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
        if (e.Fix is { Length: > 0 } fix)
        {
            err.MarkupLine($"[yellow]fix:[/] {Markup.Escape(fix)}");
        }
    }
}

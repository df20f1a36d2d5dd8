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

    /// <summary>The name of the global option that moves Crucible's state.</summary>
    internal const string StateDirOptionName = "--state-dir";

    /// <summary>
    /// <c>--state-dir DIR</c>, on every command: where Crucible keeps its state (a read-only checkout, a shared disk).
    /// A new instance per tree: a symbol records its parents, and trees are built in parallel in tests.
    /// </summary>
    private static Option<string?> StateDirOption() => new(StateDirOptionName)
    {
        HelpName = "DIR",
        Description = $"Keep Crucible's state (results, runs, sessions, cache) in DIR [default: ${CliContext.StateDirVariable}, else \"state_dir\" in settings, else .crucible/ here]",
        Recursive = true,
    };

    /// <summary>Builds the root command with every sub-command, each bound to <paramref name="context"/>.</summary>
    internal static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(Description) { StateDirOption() };
        foreach (var command in CommandTree.All(context))
        {
            root.Subcommands.Add(command);
        }
        CliHelp.Customize(root);
        return root;
    }

    /// <summary>
    /// The process's entry point: parses <paramref name="args"/>, runs the chosen command in this process's context and
    /// returns its exit code. On every exit path it removes this process's whole temp folder (<see cref="ProcessTemp.DeleteRoot"/>),
    /// so it must be the only Crucible work in the process: a host that runs commands beside other work (a test process
    /// runs many in parallel) calls <see cref="RunAsync(string[], CliContext)"/> instead, which leaves the folder alone.
    /// </summary>
    public static async Task<int> RunProcessAsync(string[] args)
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
        if (parse.Errors.Count > 0 && parse.Action is not (System.CommandLine.Help.HelpAction or CliHelp.SectionedHelpAction))
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
            context.UseStateDirectory(parse.GetValue<string?>(StateDirOptionName));
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
        catch (StateException e)
        {
            WriteError(context.Err, e.Message, e.Fix);
            return ExitCodes.Failure;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (Crucible.Models.Storage.StateDatabase.IsDamage(e))
        {
            // Damage found after a database opened cleanly (a page read mid-run): nothing is moved while it is in use.
            WriteError(context.Err, $"a database in {context.StateDirectory} is damaged: {e.Message}",
                $"move the damaged .db file out of {context.StateDirectory} (keep it: 'sqlite3 FILE .recover' may get its rows back) and run the command again");
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            WriteError(context.Err, $"permission denied: {e.Message}",
                $"check the permissions of the folder named above; for Crucible's state folder ({context.StateDirectory}): {StateException.RelocateHint}");
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
    internal static void WriteBadInput(IAnsiConsole err, BadInputException e) => WriteError(err, e.Message, e.Fix);

    /// <summary>Prints an <c>error:</c> line and, when known, a <c>fix:</c> line to <paramref name="err"/>.</summary>
    internal static void WriteError(IAnsiConsole err, string message, string? fix)
    {
        err.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        if (fix is { Length: > 0 })
        {
            err.MarkupLine($"[yellow]fix:[/] {Markup.Escape(fix)}");
        }
    }
}

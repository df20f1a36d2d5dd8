using System.CommandLine;

namespace Crucible.Cli;

/// <summary>
/// The list of top-level commands. Each command is a class with <c>static Command Create(CliContext context)</c>
/// (see "Adding a command" in DEVELOPERS.md); add its factory here.
/// </summary>
internal static class CommandTree
{
    public static IEnumerable<Command> All(CliContext context)
    {
        yield return Commands.EvalCommand.Create(context);
        yield return Commands.TasksCommand.Create(context);
        yield return Commands.RunCommand.Create(context);
        yield return Commands.ModelsCommand.Create(context);
        yield return Commands.ReviewCommand.Create(context);
        yield return Commands.VerifyCommand.Create(context);
        yield return Commands.RunsCommand.Create(context);
        yield return Commands.ViewCommand.Create(context);
        yield return Commands.HarvestCommand.Create(context);
        yield return Commands.WorkerCommand.Create(context);
        yield return Commands.ServeCommand.Create(context);
        yield return Commands.McpCommand.Create(context);
    }
}

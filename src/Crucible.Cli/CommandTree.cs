using System.CommandLine;

namespace Crucible.Cli;

/// <summary>The list of top-level commands. Each area adds its own factory here.</summary>
internal static class CommandTree
{
    public static IEnumerable<Command> All()
    {
        yield return Commands.EvalCommand.Create();
        yield return Commands.TasksCommand.Create();
        yield return Commands.RunCommand.Create();
        yield return Commands.ModelsCommand.Create();
        yield return Commands.ReviewCommand.Create();
        yield return Commands.VerifyCommand.Create();
    }
}

using System.Text;

namespace Crucible.Agent.Context;

/// <summary>
/// Builds the system prompt: the agent's instructions, then the instruction files and the notes, all
/// fixed for the session so the prompt prefix (system prompt and tool declarations) stays cacheable.
/// </summary>
public static class SystemPrompt
{
    /// <summary>Where the agent's notes live, relative to the workspace root.</summary>
    public const string NotesPath = ".crucible/NOTES.md";

    /// <summary>The agent's standing instructions.</summary>
    public const string Base = """
        You are Crucible, a coding agent working in a repository through tools. Work in small, checked steps:
        read the relevant code first, make focused changes, and run the tests to see their effect.

        - Use the tools to read, search, edit and run code; commands run in a sandbox without network unless allowed.
        - Tool errors and permission denials come back to you as results: read them and adapt.
        - Do not change existing tests to make them pass; fix the code. New tests are welcome.
        - Record decisions and facts that will matter later (not trivia) with the `notes` tool.
        - When the work is finished, answer with a short summary and no tool call. The harness then runs the
          tests itself and reports the verdict: you cannot mark the work as successful yourself.
        """;

    /// <summary>The full system prompt.</summary>
    /// <param name="instructionFiles">Instruction files, in load order.</param>
    /// <param name="notes">The notes file's text at session start, or null.</param>
    /// <param name="taskInstructions">Extra standing context, e.g. which files a task allows editing, or null.</param>
    public static string Build(IReadOnlyList<InstructionFile> instructionFiles, string? notes, string? taskInstructions = null)
    {
        var sb = new StringBuilder(Base.TrimEnd()).Append('\n');
        foreach (var f in instructionFiles)
        {
            sb.Append("\n<instructions file=\"").Append(f.Path).Append("\">\n").Append(f.Content.TrimEnd('\n')).Append("\n</instructions>\n");
        }
        if (!string.IsNullOrWhiteSpace(notes))
        {
            sb.Append("\n<notes file=\"").Append(NotesPath).Append("\">\n").Append(notes.TrimEnd('\n')).Append("\n</notes>\n");
        }
        if (!string.IsNullOrWhiteSpace(taskInstructions))
        {
            sb.Append('\n').Append(taskInstructions.TrimEnd('\n')).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Reads the notes file of <paramref name="workspaceRoot"/>, or null when there is none.</summary>
    public static string? ReadNotes(string workspaceRoot)
    {
        var path = Path.Combine(workspaceRoot, NotesPath);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }
}

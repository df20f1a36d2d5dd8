using System.Globalization;
using System.Text.Json;
using Crucible.Core.IO;

namespace Crucible.Agent.Tools;

/// <summary>
/// <c>notes</c>: the agent's persistent memory, <c>.crucible/NOTES.md</c> in the workspace, loaded into
/// the next session's context.
/// </summary>
public sealed class NotesTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "notes";

    /// <inheritdoc />
    public override string Description => $"""
        Your persistent memory for this repository ({AgentToolOptions.NotesPath}); it is loaded at the start of every future session and kept when the context is compacted.
        Record decisions and facts that will matter later: how to build and test this project, conventions you discovered, decisions the user made, pitfalls you hit and how you solved them. Do not record trivia, step-by-step logs or things obvious from the code.
        action 'read' returns the notes; 'append' adds text under a dated heading; 'replace' rewrites the whole notes (use it to remove outdated entries).
        """;

    /// <inheritdoc />
    public override bool IsMutating => true;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "action": { "type": "string", "enum": ["read", "append", "replace"], "description": "What to do." },
            "text": { "type": "string", "description": "For append: the note. For replace: the complete new notes." }
          },
          "required": ["action"],
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(JsonElement arguments, ToolContext context)
    {
        var action = new ToolArguments(arguments).OptionalStringOrNull("action");
        // Resolved like any path: the notes file could be a link to another file (a protected test, a denied secret).
        return new($"notes {action}") { Paths = DescribePath(AgentToolOptions.NotesPath, context, action == "read" ? PathAccess.Read : PathAccess.Write) };
    }

    /// <summary>The notes of <paramref name="workspaceRoot"/>, or null when there are none (for loading at session start).</summary>
    public static string? Load(string workspaceRoot)
    {
        try
        {
            var path = new WorkspacePaths(workspaceRoot).Resolve(AgentToolOptions.NotesPath, PathAccess.Read);
            // Only the notes file itself: a link planted there must not pull another file (a secret) into the system prompt.
            return path.Kind == FileKind.Regular && path.RelativePath == AgentToolOptions.NotesPath ? TextFiles.Read(path).Text : null;
        }
        catch (ToolInputException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    protected override Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        var action = args.RequiredString("action");
        var path = Paths(context).Resolve(AgentToolOptions.NotesPath, action == "read" ? PathAccess.Read : PathAccess.Write);
        if (path.RelativePath != AgentToolOptions.NotesPath)
        {
            // A link in place of the notes would make notes read or write another file (a protected test, a denied secret).
            return Task.FromResult(ToolResult.Error($"Refused: {AgentToolOptions.NotesPath} is a link to '{path.Display}'; the notes must be a plain file. Remove the link to use notes."));
        }
        var current = path.Kind == FileKind.Regular ? TextFiles.Read(path).Text : "";
        switch (action)
        {
            case "read":
                return Task.FromResult(new ToolResult(current.Length == 0 ? "There are no notes yet." : current));
            case "append":
                var text = args.RequiredString("text").Trim();
                if (text.Length == 0)
                {
                    return Task.FromResult(ToolResult.Error("text is empty; give the note to append."));
                }
                var stamp = Options.Clock.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
                var separator = current.Length == 0 ? "# Notes\n\n" : current.EndsWith("\n\n", StringComparison.Ordinal) ? "" : current.EndsWith('\n') ? "\n" : "\n\n";
                TextFiles.Write(path.FullPath, $"{current}{separator}## {stamp}\n\n{text}\n", bom: false);
                return Task.FromResult(new ToolResult($"Appended a note to {AgentToolOptions.NotesPath}.") { ChangedPaths = [path.RelativePath] });
            case "replace":
                var all = args.RequiredString("text");
                TextFiles.Write(path.FullPath, all.EndsWith('\n') || all.Length == 0 ? all : all + "\n", bom: false);
                return Task.FromResult(new ToolResult($"Replaced {AgentToolOptions.NotesPath} ({TextFiles.Lines(all).Length} lines).") { ChangedPaths = [path.RelativePath] });
            default:
                return Task.FromResult(ToolResult.Error($"Unknown action '{action}'; use read, append or replace."));
        }
    }
}

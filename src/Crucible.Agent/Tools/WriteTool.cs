using System.Text.Json;
using Crucible.Core.IO;

namespace Crucible.Agent.Tools;

/// <summary><c>write</c>: creates or overwrites a file with the given content.</summary>
public sealed class WriteTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "write";

    /// <inheritdoc />
    public override string Description => """
        Create a file, or replace a file's whole content, in the workspace. Missing parent folders are created.
        For changes to part of an existing file prefer edit: it is safer and shows exactly what changed.
        Paths are relative to the workspace root; paths outside it, and .git/hooks, .git/config and .crucible/settings.json, are refused.
        """;

    /// <inheritdoc />
    public override bool IsMutating => true;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "path": { "type": "string", "description": "File path relative to the workspace root." },
            "content": { "type": "string", "description": "The complete new content of the file." }
          },
          "required": ["path", "content"],
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(JsonElement arguments, ToolContext context)
    {
        var path = new ToolArguments(arguments).OptionalStringOrNull("path");
        return new CallDescription($"write {path}") { Paths = DescribePath(path, context, PathAccess.Write) };
    }

    /// <inheritdoc />
    protected override Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Paths(context).Resolve(args.RequiredString("path"), PathAccess.Write);
        var content = args.RequiredString("content");
        if (path.Kind == FileKind.Directory)
        {
            return Task.FromResult(ToolResult.Error($"'{path.Display}' is a directory; give a file path."));
        }
        var existed = path.Kind != FileKind.Missing;
        var bom = existed && TextFiles.StartsWithBom(path.FullPath);
        TextFiles.Write(path.FullPath, content, bom);
        var lines = TextFiles.Lines(content).Length;
        var verb = existed ? "Overwrote" : "Created";
        return Task.FromResult(new ToolResult($"{verb} '{path.Display}' ({lines} lines).") { ChangedPaths = [path.RelativePath] });
    }
}

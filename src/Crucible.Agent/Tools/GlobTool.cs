using System.Text;
using System.Text.Json;
using Crucible.Core.IO;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Tools;

/// <summary><c>glob</c>: lists workspace files whose paths match a glob, honouring <c>.gitignore</c>.</summary>
public sealed class GlobTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "glob";

    /// <inheritdoc />
    public override string Description =>
        $"""
        List files in the workspace whose paths match a glob pattern, listed folder by folder in name order. '*' matches within one folder name, '**' matches any number of folders, '?' one character.
        Patterns are relative to the search folder (path, default the workspace root): '*.cs' lists only that folder's files, '**/*.cs' all of them at any depth, 'src/**/*Tests.cs' under src.
        Files ignored by .gitignore and the .git folder are not listed. At most {Options.GlobMaxResults} paths are returned; narrow the pattern when the list is truncated.
        """;

    /// <inheritdoc />
    public override bool IsMutating => false;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "pattern": { "type": "string", "description": "Glob such as **/*.cs or src/*.py." },
            "path": { "type": "string", "description": "Folder to search, relative to the workspace root. Default: the root." }
          },
          "required": ["pattern"],
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(JsonElement arguments, ToolContext context) => DescribeSearch(arguments, context);

    /// <inheritdoc />
    protected override Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        var pattern = args.RequiredString("pattern");
        var paths = Paths(context);
        var start = paths.Resolve(args.OptionalString("path") ?? ".", PathAccess.Read);
        if (start.Kind != FileKind.Directory)
        {
            return Task.FromResult(ToolResult.Error($"'{start.Display}' is not a folder. Give a folder as path, or use read for a file."));
        }
        var glob = new PathGlob(pattern.TrimStart('/'));
        var prefix = start.RelativePath.Length == 0 ? "" : start.RelativePath + "/";
        var walker = new WorkspaceWalker(paths, Options.HiddenPaths);
        var shown = new List<string>();
        var total = 0;
        foreach (var file in walker.Files(start, cancellationToken))
        {
            if (glob.IsMatch(file[prefix.Length..]))
            {
                total++;
                if (shown.Count < Options.GlobMaxResults)
                {
                    shown.Add(file);
                }
            }
        }
        if (total == 0)
        {
            return Task.FromResult(new ToolResult($"No files match '{pattern}' in '{start.Display}'."));
        }
        var sb = new StringBuilder(string.Join('\n', shown));
        if (total > shown.Count)
        {
            sb.Append($"\n[truncated: showing {shown.Count} of {total} matching files; narrow the pattern or the path]");
        }
        return Task.FromResult(new ToolResult(sb.ToString()));
    }
}

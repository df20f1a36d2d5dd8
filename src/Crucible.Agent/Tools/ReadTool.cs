using System.Globalization;
using System.Text;
using Crucible.Core.IO;

namespace Crucible.Agent.Tools;

/// <summary><c>read</c>: a text file's lines with line numbers, a range at a time.</summary>
public sealed class ReadTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "read";

    /// <inheritdoc />
    public override string Description =>
        $"""
        Read a text file in the workspace. Each line is returned as '<line number><TAB><text>' (numbers start at 1; they are not part of the file).
        By default returns the first {Options.ReadDefaultLineLimit} lines; pass offset (first line, 1-based) and limit (number of lines) to read other parts.
        Lines longer than {Options.ReadMaxLineChars} characters are cut with a marker. Binary files are refused, and so are files over {Options.ReadMaxBytes / 1024} KiB unless you give offset or limit.
        Paths are relative to the workspace root; paths outside it are refused. Read a file before you edit it.
        """;

    /// <inheritdoc />
    public override bool IsMutating => false;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "path": { "type": "string", "description": "File path relative to the workspace root." },
            "offset": { "type": "integer", "minimum": 1, "description": "First line to return (1-based). Default 1." },
            "limit": { "type": "integer", "minimum": 1, "description": "How many lines to return." }
          },
          "required": ["path"],
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(System.Text.Json.JsonElement arguments, ToolContext context)
    {
        var path = new ToolArguments(arguments).OptionalStringOrNull("path");
        return new CallDescription($"read {path}") { Paths = DescribePath(path, context, PathAccess.Read) };
    }

    /// <inheritdoc />
    protected override Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Paths(context).Resolve(args.RequiredString("path"), PathAccess.Read);
        if (new WorkspaceWalker(Paths(context), Options.HiddenPaths).IsHidden(path.RelativePath))
        {
            // The file opened, links resolved, is what counts: a link named alias.txt to config/.env is the secret.
            return Task.FromResult(ToolResult.Error($"Refused '{path.Display}': the settings hide it from the file tools (a read deny rule)."));
        }
        var offset = args.OptionalInt("offset", 1, int.MaxValue);
        var limit = args.OptionalInt("limit", 1, int.MaxValue);
        switch (path.Kind)
        {
            case FileKind.Missing:
                return Task.FromResult(ToolResult.Error($"'{path.Display}' does not exist. Use glob to find files."));
            case FileKind.Directory:
                return Task.FromResult(ToolResult.Error($"'{path.Display}' is a directory, not a file. Use glob to list its files."));
        }
        var size = new FileInfo(path.FullPath).Length;
        if (size > Options.ReadMaxBytes && offset is null && limit is null)
        {
            return Task.FromResult(ToolResult.Error(
                $"Refused '{path.Display}': it is {size} bytes, over the {Options.ReadMaxBytes} byte cap for whole-file reads. Read a range with offset and limit (e.g. offset 1, limit 200), or grep for what you need."));
        }
        if (TextFiles.BinaryReason(path.FullPath, Options.BinarySniffBytes) is { } reason)
        {
            return Task.FromResult(ToolResult.Error($"Refused '{path.Display}': {reason}."));
        }
        return Task.FromResult(ReadRange(path, offset ?? 1, limit ?? Options.ReadDefaultLineLimit, cancellationToken));
    }

    private ToolResult ReadRange(ResolvedPath path, int first, int count, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder();
        var lineNumber = 0;
        var last = (long)first + count - 1;
        try
        {
            using var reader = TextFiles.OpenReader(path.FullPath);
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (lineNumber >= first && lineNumber <= last)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    sb.Append(lineNumber.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\t')
                        .Append(TextFiles.Truncate(line, Options.ReadMaxLineChars)).Append('\n');
                }
            }
        }
        catch (DecoderFallbackException)
        {
            return ToolResult.Error($"Refused '{path.Display}': it is not valid UTF-8 text (a binary file or another encoding).");
        }
        if (lineNumber == 0)
        {
            return new ToolResult($"'{path.Display}' is empty (0 lines).");
        }
        if (first > lineNumber)
        {
            return ToolResult.Error($"offset {first} is past the end of '{path.Display}', which has {lineNumber} lines.");
        }
        var shownLast = Math.Min(last, lineNumber);
        if (first > 1 || shownLast < lineNumber)
        {
            sb.Append(CultureInfo.InvariantCulture, $"[showing lines {first}-{shownLast} of {lineNumber}");
            sb.Append(shownLast < lineNumber ? $"; continue with offset {shownLast + 1}]" : "]");
            sb.Append('\n');
        }
        return new ToolResult(sb.ToString());
    }
}

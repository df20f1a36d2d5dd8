using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Core.IO;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Tools;

/// <summary><c>grep</c>: searches file contents with a regular expression, honouring <c>.gitignore</c>.</summary>
public sealed class GrepTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "grep";

    /// <inheritdoc />
    public override string Description =>
        $"""
        Search the contents of workspace files with a regular expression (.NET syntax, like PCRE; matched per line). Results are 'path:line: text'; with context, surrounding lines are 'path-line- text' and groups are separated by '--'.
        path limits the search to a folder or one file; glob filters file paths relative to the search folder (e.g. '**/*.cs'); context adds up to {Options.GrepMaxContextLines} lines before and after; ignore_case makes the search case-insensitive.
        Files ignored by .gitignore, the .git folder, binary files and files over {Options.GrepMaxFileBytes / (1024 * 1024)} MiB are skipped. At most {Options.GrepMaxMatches} matching lines are returned; narrow the search when truncated.
        """;

    /// <inheritdoc />
    public override bool IsMutating => false;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "pattern": { "type": "string", "description": "Regular expression to search for." },
            "path": { "type": "string", "description": "Folder or file to search, relative to the workspace root. Default: the root." },
            "glob": { "type": "string", "description": "Only search files whose path (relative to the search folder) matches this glob, e.g. **/*.cs." },
            "context": { "type": "integer", "minimum": 0, "description": "Lines of context before and after each match. Default 0." },
            "ignore_case": { "type": "boolean", "description": "Case-insensitive search. Default false." }
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
        var contextLines = args.OptionalInt("context", 0, Options.GrepMaxContextLines) ?? 0;
        var options = RegexOptions.CultureInvariant | (args.OptionalBool("ignore_case", false) ? RegexOptions.IgnoreCase : 0);
        Regex regex;
        try
        {
            regex = new Regex(pattern, options, Options.GrepRegexTimeout);
        }
        catch (ArgumentException e)
        {
            return Task.FromResult(ToolResult.Error($"Invalid regular expression '{pattern}': {e.Message}"));
        }
        var paths = Paths(context);
        var start = paths.Resolve(args.OptionalString("path") ?? ".", PathAccess.Read);
        var walker = new WorkspaceWalker(paths, Options.HiddenPaths);
        IEnumerable<string> files;
        var prefix = "";
        switch (start.Kind)
        {
            case FileKind.Directory:
                files = walker.Files(start, cancellationToken);
                prefix = start.RelativePath.Length == 0 ? "" : start.RelativePath + "/";
                break;
            case FileKind.Regular:
                if (walker.IsHidden(start.RelativePath))
                {
                    return Task.FromResult(ToolResult.Error($"'{start.Display}' is hidden from search by the settings."));
                }
                files = [start.RelativePath];
                prefix = start.RelativePath.Contains('/', StringComparison.Ordinal) ? start.RelativePath[..(start.RelativePath.LastIndexOf('/') + 1)] : "";
                break;
            default:
                return Task.FromResult(ToolResult.Error($"'{start.Display}' does not exist."));
        }
        var filter = args.OptionalString("glob") is { } g ? new PathGlob(g.TrimStart('/')) : null;

        var output = new StringBuilder();
        var matches = 0;
        var truncated = false;
        var skipped = new List<string>();
        try
        {
            foreach (var file in files)
            {
                if (filter is not null && !filter.IsMatch(file[prefix.Length..]))
                {
                    continue;
                }
                var full = Path.Combine(paths.Root, file);
                if (new FileInfo(full).Length > Options.GrepMaxFileBytes)
                {
                    skipped.Add($"{file} (over {Options.GrepMaxFileBytes} bytes)");
                    continue;
                }
                if (TextFiles.BinaryReason(full, Options.BinarySniffBytes) is not null)
                {
                    continue;
                }
                string[] lines;
                try
                {
                    lines = TextFiles.Lines(File.ReadAllText(full));
                }
                catch (IOException)
                {
                    continue;
                }
                if (!SearchFile(file, lines, regex, contextLines, output, ref matches))
                {
                    truncated = true;
                    break;
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            return Task.FromResult(ToolResult.Error($"The regular expression '{pattern}' took longer than {Options.GrepRegexTimeout.TotalSeconds:0.#} s on one line (catastrophic backtracking?). Simplify it."));
        }
        if (matches == 0)
        {
            output.Append(CultureInfo.InvariantCulture, $"No matches for '{pattern}' in '{start.Display}'.");
        }
        if (truncated)
        {
            output.Append(CultureInfo.InvariantCulture, $"\n[truncated: stopped after {Options.GrepMaxMatches} matching lines; narrow the pattern, path or glob]");
        }
        if (skipped.Count > 0)
        {
            output.Append("\n[skipped large files: ").Append(string.Join(", ", skipped)).Append(']');
        }
        return Task.FromResult(new ToolResult(output.ToString().TrimStart('\n')));
    }

    /// <summary>Appends the file's matches with context; false when the match cap was reached.</summary>
    private bool SearchFile(string file, string[] lines, Regex regex, int contextLines, StringBuilder output, ref int matches)
    {
        var lastPrinted = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!regex.IsMatch(lines[i]))
            {
                continue;
            }
            if (matches >= Options.GrepMaxMatches)
            {
                return false;
            }
            matches++;
            var from = Math.Max(i - contextLines, lastPrinted + 1);
            if (contextLines > 0 && output.Length > 0 && from > lastPrinted + 1)
            {
                output.Append("\n--");
            }
            for (var j = from; j <= i; j++)
            {
                Line(output, file, j, lines[j], j == i);
            }
            lastPrinted = i;
            // Trailing context stops at the next match, which prints itself.
            for (var j = i + 1; j <= Math.Min(lines.Length - 1, i + contextLines) && !regex.IsMatch(lines[j]); j++)
            {
                Line(output, file, j, lines[j], false);
                lastPrinted = j;
            }
        }
        return true;
    }

    private void Line(StringBuilder output, string file, int index, string text, bool isMatch) =>
        output.Append('\n').Append(file).Append(isMatch ? ':' : '-').Append((index + 1).ToString(CultureInfo.InvariantCulture))
            .Append(isMatch ? ": " : "- ").Append(TextFiles.Truncate(text, Options.GrepMaxLineChars));
}

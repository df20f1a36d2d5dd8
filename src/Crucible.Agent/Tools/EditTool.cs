using System.Globalization;
using System.Text;
using System.Text.Json;
using Crucible.Core.IO;

namespace Crucible.Agent.Tools;

/// <summary>
/// <c>edit</c>: exact string replacements that must each match exactly once. Several edits in one call
/// are applied in order to the evolving content and written once: all or nothing.
/// </summary>
public sealed class EditTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "edit";

    /// <inheritdoc />
    public override string Description => """
        Change part of an existing text file by exact string replacement. old_string must match the file's current text exactly once — every character, including indentation and line breaks — and is replaced by new_string.
        Include enough surrounding lines in old_string to make it unique. Do not include the line numbers that read shows.
        To make several changes to one file, pass edits: [{old_string, new_string}, ...]; they are applied in order (each sees the result of the previous ones) and either all are applied or none.
        If old_string matches nothing, the error shows the closest region of the file; if it matches several places, the error lists their line numbers. Use write to create new files.
        """;

    /// <inheritdoc />
    public override bool IsMutating => true;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "path": { "type": "string", "description": "File path relative to the workspace root." },
            "old_string": { "type": "string", "description": "Exact text to replace; must occur exactly once." },
            "new_string": { "type": "string", "description": "Replacement text." },
            "edits": {
              "type": "array",
              "description": "Several replacements applied in order, atomically. Use instead of old_string/new_string.",
              "items": {
                "type": "object",
                "properties": {
                  "old_string": { "type": "string" },
                  "new_string": { "type": "string" }
                },
                "required": ["old_string", "new_string"],
                "additionalProperties": false
              }
            }
          },
          "required": ["path"],
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(JsonElement arguments, ToolContext context)
    {
        var path = new ToolArguments(arguments).OptionalStringOrNull("path");
        return new CallDescription($"edit {path}") { Paths = DescribePath(path, context, PathAccess.Write) };
    }

    /// <inheritdoc />
    protected override Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Paths(context).Resolve(args.RequiredString("path"), PathAccess.Write);
        var edits = ParseEdits(args);
        switch (path.Kind)
        {
            case FileKind.Missing:
                return Task.FromResult(ToolResult.Error($"'{path.Display}' does not exist. Use write to create a new file."));
            case FileKind.Directory:
                return Task.FromResult(ToolResult.Error($"'{path.Display}' is a directory; give a file path."));
        }
        var file = TextFiles.Read(path);
        var text = file.Text;
        var summary = new StringBuilder();
        for (var i = 0; i < edits.Count; i++)
        {
            var (oldString, newString) = edits[i];
            if (file.UsesCrlf && !oldString.Contains("\r\n", StringComparison.Ordinal))
            {
                // The model sees lines, not line endings: match a CRLF file with LF-written strings and keep its CRLFs.
                oldString = oldString.Replace("\n", "\r\n", StringComparison.Ordinal);
                newString = newString.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
            }
            var label = edits.Count == 1 ? "old_string" : $"edit {i + 1} of {edits.Count}: old_string";
            var matches = Occurrences(text, oldString);
            if (matches.Count == 0)
            {
                return Task.FromResult(ToolResult.Error(NoMatch(label, path, text, oldString, i, edits.Count)));
            }
            if (matches.Count > 1)
            {
                var lines = string.Join(", ", matches.Select(m => TextFiles.LineOf(text, m).ToString(CultureInfo.InvariantCulture)).Distinct());
                return Task.FromResult(ToolResult.Error(
                    $"{label} matches {matches.Count} places in '{path.Display}' (starting on lines {lines}). Include more surrounding lines so it matches exactly once.{NothingWritten(edits.Count)}"));
            }
            var at = matches[0];
            text = string.Concat(text.AsSpan(0, at), newString, text.AsSpan(at + oldString.Length));
            var firstLine = TextFiles.LineOf(text, at);
            var newLines = Math.Max(1, TextFiles.Lines(newString).Length);
            var range = newLines > 1 ? $"lines {firstLine}-{firstLine + newLines - 1}" : $"line {firstLine}";
            summary.Append(CultureInfo.InvariantCulture, $"\n- replaced {Math.Max(1, TextFiles.Lines(oldString).Length)} line(s); the new text is at {range}");
        }
        TextFiles.Write(path.FullPath, text, file.HasBom);
        var head = edits.Count == 1 ? $"Edited '{path.Display}':" : $"Edited '{path.Display}' ({edits.Count} edits, applied together):";
        return Task.FromResult(new ToolResult(head + summary) { ChangedPaths = [path.RelativePath] });
    }

    private static List<(string Old, string New)> ParseEdits(ToolArguments args)
    {
        var list = args.OptionalArray("edits");
        var single = args.OptionalString("old_string");
        var edits = new List<(string, string)>();
        if (list is not null && single is not null)
        {
            throw new ToolInputException("Give either old_string/new_string or edits, not both.");
        }
        if (list is null)
        {
            if (single is null)
            {
                throw new ToolInputException("Missing old_string (or edits). Give the exact text to replace and new_string.");
            }
            edits.Add((single, args.OptionalString("new_string") ?? throw new ToolInputException("Missing required argument 'new_string' (a string).")));
        }
        else
        {
            if (list.Count == 0)
            {
                throw new ToolInputException("edits is empty; give at least one {old_string, new_string}.");
            }
            for (var i = 0; i < list.Count; i++)
            {
                var item = new ToolArguments(list[i]);
                try
                {
                    edits.Add((item.RequiredString("old_string"), item.RequiredString("new_string")));
                }
                catch (ToolInputException e)
                {
                    throw new ToolInputException($"edits[{i}]: {e.Message}");
                }
            }
        }
        for (var i = 0; i < edits.Count; i++)
        {
            var prefix = edits.Count == 1 ? "" : $"edits[{i}]: ";
            if (edits[i].Item1.Length == 0)
            {
                throw new ToolInputException($"{prefix}old_string is empty. To create a file use write; to add text, quote the lines next to where it goes.");
            }
            if (edits[i].Item1 == edits[i].Item2)
            {
                throw new ToolInputException($"{prefix}old_string and new_string are identical; nothing would change.");
            }
        }
        return edits;
    }

    /// <summary>Start indices of every occurrence, overlapping ones included (an overlap is ambiguous too).</summary>
    private static List<int> Occurrences(string text, string value)
    {
        var found = new List<int>();
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            found.Add(i);
        }
        return found;
    }

    private string NoMatch(string label, ResolvedPath path, string text, string oldString, int index, int count)
    {
        var sb = new StringBuilder($"{label} was not found in '{path.Display}'");
        sb.Append(index > 0 ? " (after applying the earlier edits of this call)." : ".");
        if (ClosestRegion.Find(TextFiles.Lines(text), TextFiles.Lines(oldString), Options.EditClosestRegionPadding) is { } region)
        {
            sb.Append(CultureInfo.InvariantCulture, $" The closest region is lines {region.FirstLine}-{region.LastLine} ({Math.Round(region.Similarity * 100)}% similar):\n");
            sb.Append(region.Text);
            sb.Append("\nCopy the text exactly as it is in the file (whitespace and indentation included), or read the file again.");
        }
        else
        {
            sb.Append(" Read the file again and copy the text exactly.");
        }
        return sb.Append(NothingWritten(count)).ToString();
    }

    private static string NothingWritten(int count) => count > 1 ? " No edit was applied; the file is unchanged." : "";
}

/// <summary>Finds the window of lines most similar to a snippet (for edit's "closest region").</summary>
internal static class ClosestRegion
{
    /// <summary>A region of the file.</summary>
    public sealed record Region(int FirstLine, int LastLine, double Similarity, string Text);

    /// <summary>The best window of <paramref name="needle"/>'s line count, or null for an empty file.</summary>
    public static Region? Find(string[] lines, string[] needle, int padding)
    {
        if (lines.Length == 0 || needle.Length == 0)
        {
            return null;
        }
        var width = Math.Min(needle.Length, lines.Length);
        var needleGrams = needle.Select(l => Bigrams(l.Trim())).ToArray();
        var lineGrams = new HashSet<string>?[lines.Length];
        var bestStart = 0;
        var bestScore = -1.0;
        for (var start = 0; start + width <= lines.Length; start++)
        {
            var score = 0.0;
            for (var k = 0; k < needle.Length; k++)
            {
                var j = start + k;
                if (j < lines.Length)
                {
                    score += Dice(lineGrams[j] ??= Bigrams(lines[j].Trim()), needleGrams[k]);
                }
            }
            score /= needle.Length;
            if (score > bestScore)
            {
                bestScore = score;
                bestStart = start;
            }
        }
        var first = Math.Max(0, bestStart - padding);
        var last = Math.Min(lines.Length - 1, bestStart + width - 1 + padding);
        var sb = new StringBuilder();
        for (var i = first; i <= last; i++)
        {
            sb.Append((i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\t').Append(lines[i]).Append('\n');
        }
        return new Region(first + 1, last + 1, bestScore, sb.ToString().TrimEnd('\n'));
    }

    private static HashSet<string> Bigrams(string s)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (s.Length == 1)
        {
            set.Add(s);
        }
        for (var i = 0; i + 1 < s.Length; i++)
        {
            set.Add(s.Substring(i, 2));
        }
        return set;
    }

    private static double Dice(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }
        var common = a.Count < b.Count ? a.Count(b.Contains) : b.Count(a.Contains);
        return 2.0 * common / (a.Count + b.Count);
    }
}

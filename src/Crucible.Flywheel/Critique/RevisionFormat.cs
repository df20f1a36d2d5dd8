using Crucible.Constitution.Critique;
using Crucible.Constitution;
using System.Text;
using System.Text.RegularExpressions;
using Crucible.Core.Tasks;

namespace Crucible.Flywheel.Critique;

/// <summary>One file in a parsed revision.</summary>
/// <param name="Path">Workspace-relative path as the model wrote it, normalised to forward slashes.</param>
/// <param name="Content">The complete new content, or null when the model deletes the file.</param>
public sealed record RevisionFile(string Path, string? Content);

/// <summary>A file of a revision that was refused.</summary>
/// <param name="Path">The path the model wrote.</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record RejectedPath(string Path, string Reason);

/// <summary>What a revision reply said.</summary>
/// <param name="Files">Files written or deleted, in reply order (a path given twice keeps its last block).</param>
/// <param name="NoChange">True when the reply said <c>&lt;no-change/&gt;</c>.</param>
/// <param name="Error">Why the reply could not be parsed, or null.</param>
public sealed record ParsedRevision(IReadOnlyList<RevisionFile> Files, bool NoChange, string? Error);

/// <summary>
/// The text format a model uses to return a revision: the complete new content of each changed file
/// between <c>&lt;file path="..."&gt;</c> and <c>&lt;/file&gt;</c> lines, <c>&lt;delete path="..."/&gt;</c>
/// to delete a file, or <c>&lt;no-change/&gt;</c> when nothing needs changing. Every tag sits on a line
/// of its own; text outside the tags is ignored. A Markdown code fence directly inside a file block is
/// removed. The content is written with a final newline.
/// </summary>
public static partial class RevisionFormat
{
    /// <summary>The format, as told to the model.</summary>
    public const string Instructions = """
        Reply with the complete new content of every file you change, each in this exact format, with every tag on a line of its own:

        <file path="relative/path/of/the/file">
        ...the whole file, not a diff...
        </file>

        To delete a file, write <delete path="relative/path"/> on a line of its own.
        If the code needs no change, reply with <no-change/> alone.
        Text outside these tags is ignored.
        """;

    [GeneratedRegex("""^<file\s+path="(?<path>[^"]+)"\s*>$""")]
    private static partial Regex FileOpen();

    [GeneratedRegex("""^<delete\s+path="(?<path>[^"]+)"\s*/>$""")]
    private static partial Regex DeleteTag();

    /// <summary>Parses a model's revision reply.</summary>
    public static ParsedRevision Parse(string reply)
    {
        var lines = reply.Replace("\r\n", "\n").Split('\n');
        var files = new List<RevisionFile>();
        var noChange = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (FileOpen().Match(line) is { Success: true } open)
            {
                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "</file>");
                if (end < 0)
                {
                    return new ParsedRevision([], false, $"the block <file path=\"{open.Groups["path"].Value}\"> has no closing </file> line");
                }
                Add(files, new RevisionFile(PathGlob.Normalize(open.Groups["path"].Value), Content(lines[(i + 1)..end])));
                i = end;
            }
            else if (DeleteTag().Match(line) is { Success: true } delete)
            {
                Add(files, new RevisionFile(PathGlob.Normalize(delete.Groups["path"].Value), null));
            }
            else if (line == "<no-change/>" || line == "<no-change />")
            {
                noChange = true;
            }
        }
        if (noChange && files.Count > 0)
        {
            return new ParsedRevision([], false, "the reply both says <no-change/> and changes files");
        }
        return new ParsedRevision(files, noChange, null);
    }

    /// <summary>Renders files in the format (used to show the model the current contents).</summary>
    public static string Render(string path, string content)
    {
        var sb = new StringBuilder();
        sb.Append("<file path=\"").Append(path).Append("\">\n").Append(content);
        if (!content.EndsWith('\n'))
        {
            sb.Append('\n');
        }
        return sb.Append("</file>\n").ToString();
    }

    /// <summary>
    /// The files of <paramref name="revision"/> that may not be written for <paramref name="task"/>: paths
    /// leaving the workspace, protected test files, and files outside the task's editable globs.
    /// </summary>
    public static IReadOnlyList<RejectedPath> Check(TaskSpec task, IEnumerable<RevisionFile> revision)
    {
        var protectedPaths = task.TestFiles.Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
        var rejected = new List<RejectedPath>();
        foreach (var f in revision)
        {
            var segments = f.Path.Split('/');
            if (f.Path.StartsWith('/') || segments.Any(s => s is ".." or "." or ""))
            {
                rejected.Add(new RejectedPath(f.Path, "the path is not a plain workspace-relative path"));
            }
            else if (protectedPaths.Contains(f.Path))
            {
                rejected.Add(new RejectedPath(f.Path, "it is a protected test file"));
            }
            else if (!PathGlob.MatchesAny(f.Path, task.Editable))
            {
                rejected.Add(new RejectedPath(f.Path, $"it is outside the editable files ({string.Join(", ", task.Editable)})"));
            }
        }
        return rejected;
    }

    private static void Add(List<RevisionFile> files, RevisionFile file)
    {
        files.RemoveAll(f => f.Path == file.Path);
        files.Add(file);
    }

    private static string Content(string[] lines)
    {
        if (lines.Length >= 2 && lines[0].TrimStart().StartsWith("```", StringComparison.Ordinal) && lines[^1].Trim() == "```")
        {
            lines = lines[1..^1];
        }
        return lines.Length == 0 ? "" : string.Join("\n", lines) + "\n";
    }
}

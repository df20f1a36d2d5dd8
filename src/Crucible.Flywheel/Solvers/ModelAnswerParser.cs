using System.Text;
using System.Text.RegularExpressions;
using Crucible.Core.Tasks;

namespace Crucible.Flywheel.Solvers;

/// <summary>The files a one-shot model answer gives, or why it gives none usable.</summary>
/// <param name="Files">Workspace-relative path → new whole content, in answer order. Empty when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the answer is malformed, or null.</param>
public sealed record ParsedAnswer(IReadOnlyDictionary<string, string> Files, string? Error)
{
    /// <summary>A malformed answer.</summary>
    public static ParsedAnswer Malformed(string error) => new(new Dictionary<string, string>(), error);
}

/// <summary>
/// Reads whole files out of a model's answer (rules in docs/eval.md, "The model solver"). Each file is a fenced code block
/// (<c>```</c> or <c>~~~</c>, three or more) whose path is given either in the fence's info string
/// (<c>```python path=solution.py</c>, <c>```solution.py</c>) or on the last non-empty line before the fence
/// (<c>FILE: solution.py</c>, <c>### solution.py</c>, <c>**`solution.py`**</c>). A single fenced block without a path is
/// the whole content of the only editable file. A path outside the editable globs, an unterminated block (a cut-off
/// answer) or an answer with no file is malformed. When a path appears twice, the last block wins.
/// </summary>
public static partial class ModelAnswerParser
{
    /// <summary>Parses <paramref name="answer"/> for a task whose editable globs are <paramref name="editable"/> and whose editable files are <paramref name="editableFiles"/>.</summary>
    public static ParsedAnswer Parse(string answer, IReadOnlyList<string> editable, IReadOnlyList<string> editableFiles)
    {
        var lines = answer.ReplaceLineEndings("\n").Split('\n');
        var blocks = new List<(string? Path, string Content)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var open = FencePattern().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }
            var fence = open.Groups["fence"].Value;
            var info = open.Groups["info"].Value.Trim();
            var body = new StringBuilder();
            var j = i + 1;
            for (; j < lines.Length; j++)
            {
                var trimmed = lines[j].Trim();
                // A closing fence is the same character, at least as long, and nothing else on the line.
                if (trimmed.Length >= fence.Length && trimmed.All(ch => ch == fence[0]))
                {
                    break;
                }
                body.Append(lines[j]).Append('\n');
            }
            if (j >= lines.Length)
            {
                return ParsedAnswer.Malformed($"the code block opened on line {i + 1} is never closed (was the answer cut off?)");
            }
            blocks.Add((PathFromInfo(info) ?? PathFromHeading(lines, i), body.ToString()));
            i = j;
        }
        if (blocks.Count == 0)
        {
            return ParsedAnswer.Malformed("the answer has no fenced code block with a file's content");
        }
        if (blocks.Count == 1 && blocks[0].Path is null)
        {
            if (editableFiles.Count != 1)
            {
                return ParsedAnswer.Malformed($"the answer's only code block names no file, and the task has {editableFiles.Count} editable files");
            }
            blocks[0] = (editableFiles[0], blocks[0].Content);
        }
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, content) in blocks.Where(b => b.Path is not null))
        {
            var normalized = Normalize(path!);
            if (normalized is null || !PathGlob.MatchesAny(normalized, editable))
            {
                return ParsedAnswer.Malformed($"the answer writes '{path}', which is not an editable file (editable: {string.Join(", ", editable)})");
            }
            files[normalized] = content;
        }
        return files.Count == 0
            ? ParsedAnswer.Malformed("no code block in the answer names a file (put the path on the line before each block)")
            : new ParsedAnswer(files, null);
    }

    /// <summary>A workspace-relative path with forward slashes and no <c>..</c>, or null for one that leaves the workspace.</summary>
    private static string? Normalize(string path)
    {
        var p = path.Replace('\\', '/').Trim();
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p[2..];
        }
        return p.Length == 0 || p.StartsWith('/') || p.Split('/').Any(s => s is ".." or "") ? null : p;
    }

    private static string? PathFromInfo(string info)
    {
        if (info.Length == 0)
        {
            return null;
        }
        if (KeyedPathPattern().Match(info) is { Success: true } keyed)
        {
            return keyed.Groups[1].Value.Trim('"', '\'');
        }
        // "python solution.py" or "solution.py": the token that looks like a file name.
        return info.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(LooksLikePath);
    }

    private static string? PathFromHeading(string[] lines, int fenceLine)
    {
        for (var k = fenceLine - 1; k >= 0 && k >= fenceLine - 2; k--)
        {
            var line = lines[k].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var stripped = HeadingPrefixPattern().Replace(line, "").Trim().Trim('*', '`', '_', ':', ' ');
            return LooksLikePath(stripped) ? stripped : null;
        }
        return null;
    }

    private static bool LooksLikePath(string s) => s.Length > 0 && !s.Contains(' ', StringComparison.Ordinal) && FileNamePattern().IsMatch(s);

    [GeneratedRegex(@"^\s{0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex FencePattern();

    [GeneratedRegex(@"(?:path|file|filename)\s*=\s*(""[^""]+""|'[^']+'|\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex KeyedPathPattern();

    [GeneratedRegex(@"^(?:#+\s*|[-*]\s+)?(?:\*\*|__)?\s*(?:file|path|filename)\s*:\s*|^#+\s*", RegexOptions.IgnoreCase)]
    private static partial Regex HeadingPrefixPattern();

    [GeneratedRegex(@"^[\w./\\-]*\w\.[A-Za-z0-9]{1,8}$")]
    private static partial Regex FileNamePattern();
}

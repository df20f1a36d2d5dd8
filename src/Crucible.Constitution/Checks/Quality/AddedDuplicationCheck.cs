using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.added-duplication</c>: blocks of added code that repeat code elsewhere (in the same file
/// or another). Lines are normalised (comments and whitespace removed, string and number literals
/// replaced by placeholders, lines of only braces skipped); every window of
/// <see cref="CheckOptions.DuplicationWindowLines"/> significant lines made only of added lines is
/// compared with every other window of the new side. One finding per run of duplicated windows.
/// </summary>
public sealed partial class AddedDuplicationCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.AddedDuplication;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        var window = input.Options.DuplicationWindowLines;
        var files = input.Changes.Files.Where(f => f.After is not null && SourceLanguages.Of(f.Path) != SourceLanguage.Other).ToList();
        // Every window of the new side: normalised text → where it starts.
        var index = new Dictionary<string, List<(string Path, int Start, int End)>>(StringComparer.Ordinal);
        var perFile = new Dictionary<string, List<(int Line, string Text)>>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            var significant = Significant(f.After!).ToList();
            perFile[f.Path] = significant;
            for (var i = 0; i + window <= significant.Count; i++)
            {
                var key = string.Join('\n', significant.Skip(i).Take(window).Select(s => s.Text));
                if (!index.TryGetValue(key, out var list))
                {
                    index[key] = list = [];
                }
                list.Add((f.Path, significant[i].Line, significant[i + window - 1].Line));
            }
        }
        foreach (var f in files.Where(f => f.Kind is FileChangeKind.Added or FileChangeKind.Modified))
        {
            var significant = perFile[f.Path];
            var reportedUntil = 0;
            for (var i = 0; i + window <= significant.Count; i++)
            {
                var lines = significant.Skip(i).Take(window).ToList();
                if (lines[0].Line <= reportedUntil || !lines.All(l => f.AddedLines.Contains(l.Line)))
                {
                    continue;
                }
                var key = string.Join('\n', lines.Select(s => s.Text));
                var start = lines[0].Line;
                var end = lines[^1].Line;
                var other = index[key].FirstOrDefault(o => o.Path != f.Path || o.End < start || o.Start > end);
                if (other.Path is null)
                {
                    continue;
                }
                reportedUntil = end;
                yield return input.Finding(Id, $"{window}+ lines duplicate {other.Path}:{other.Start}: extract the shared code", f.Path, start, CheckInput.LineOf(f.After!, start));
            }
        }
    }

    /// <summary>The significant lines of a source text, normalised, with their 1-based numbers.</summary>
    public static IEnumerable<(int Line, string Text)> Significant(string text)
    {
        var lines = LineDiff.Lines(text);
        for (var i = 0; i < lines.Length; i++)
        {
            var t = Normalize(lines[i]);
            if (t.Length > 0 && !Trivial().IsMatch(t))
            {
                yield return (i + 1, t);
            }
        }
    }

    /// <summary>Removes comments and whitespace and replaces literals with placeholders.</summary>
    public static string Normalize(string line)
    {
        var t = StringLiteral().Replace(line, "\"S\"");
        t = NumberLiteral().Replace(t, "0");
        t = LineComment().Replace(t, "");
        return Whitespace().Replace(t, "");
    }

    [GeneratedRegex(""""
        "(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'
        """", RegexOptions.CultureInvariant)]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?<![\w])\d+(\.\d+)?[a-zA-Z]?(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex NumberLiteral();

    [GeneratedRegex(@"(//|#).*$", RegexOptions.CultureInvariant)]
    private static partial Regex LineComment();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    /// <summary>Lines that carry no logic of their own: braces, <c>else</c>, <c>pass</c>, bare <c>return;</c>/<c>break;</c>.</summary>
    [GeneratedRegex(@"^([{}()\[\];,]+|else|else:|try|try:|finally|finally:|pass|return;?|break;?|continue;?|end|\}\);?|\)\);?|using.*|import.*|from.*import.*|package.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Trivial();
}

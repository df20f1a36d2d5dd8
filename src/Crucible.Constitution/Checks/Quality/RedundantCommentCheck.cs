using System.Text.RegularExpressions;
using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.redundant-comment</c>: an added comment that restates the next line of code: every
/// content word of the comment (stop words removed, operators read as words: <c>++</c> is
/// "increment", <c>=</c> is "set") appears among the words of the code line. Comments should say why.
/// </summary>
public sealed partial class RedundantCommentCheck : ICheck
{
    private static readonly HashSet<string> StopWords =
    [
        "a", "an", "the", "to", "of", "and", "or", "in", "on", "for", "with", "by", "from", "into", "is", "are", "be", "it", "its",
        "this", "that", "we", "then", "now", "here", "variable", "call", "method", "function",
    ];

    private static readonly (string Operator, string Word)[] OperatorWords =
    [
        ("++", "increment"), ("--", "decrement"), ("+=", "add"), ("-=", "subtract"), ("+", "add"), ("-", "subtract"),
        ("*", "multiply"), ("/", "divide"), ("==", "check"), ("=", "set"), ("=", "assign"), ("=", "store"), ("return", "return"),
        ("new", "create"), ("throw", "throw"), ("foreach", "loop"), ("for", "loop"), ("while", "loop"), ("if", "check"),
    ];

    /// <summary>A comment needs at least this many content words to be judged (a one-word label is not a restatement).</summary>
    public const int MinContentWords = 2;

    /// <inheritdoc />
    public string Id => CheckIds.RedundantComment;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var file in input.Changes.Changed.Where(f => f.After is not null))
        {
            var language = SourceLanguages.Of(file.Path);
            var lines = LineDiff.Lines(file.After!);
            foreach (var c in Comments.Added(file))
            {
                if (c.Line >= lines.Length || CommentedOutCodeCheck.IsCode(language, c.Text))
                {
                    continue;
                }
                var next = lines[c.Line]; // the line after the comment (0-based index = 1-based line)
                if (string.IsNullOrWhiteSpace(next) || SolutionCode.IsTextComment(next))
                {
                    continue;
                }
                if (Restates(c.Text, next))
                {
                    yield return input.Finding(Id, "the comment restates the code below it: say why, or delete it", file.Path, c.Line, $"{c.Text.Trim()} ⟶ {next.Trim()}");
                }
            }
        }
    }

    /// <summary>True when every content word of <paramref name="comment"/> is among the words of <paramref name="code"/>.</summary>
    public static bool Restates(string comment, string code)
    {
        var words = Words(comment).Where(w => !StopWords.Contains(w)).ToList();
        if (words.Count < MinContentWords)
        {
            return false;
        }
        var codeWords = Words(code).ToHashSet(StringComparer.Ordinal);
        foreach (var (op, word) in OperatorWords)
        {
            if (code.Contains(op, StringComparison.Ordinal))
            {
                codeWords.Add(word);
            }
        }
        return words.All(codeWords.Contains);
    }

    /// <summary>Lower-case words, identifiers split at camelCase and underscores, plural <c>s</c> dropped.</summary>
    public static IEnumerable<string> Words(string text) =>
        Word().Matches(CamelBoundary().Replace(text, " "))
            .Select(m => m.Value.ToLowerInvariant())
            .Select(w => w.Length > 3 && w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) ? w[..^1] : w);

    [GeneratedRegex(@"[A-Za-z]+|\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    [GeneratedRegex(@"(?<=[a-z0-9])(?=[A-Z])|_", RegexOptions.CultureInvariant)]
    private static partial Regex CamelBoundary();
}

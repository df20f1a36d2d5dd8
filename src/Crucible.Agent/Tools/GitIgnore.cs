using System.Text;
using System.Text.RegularExpressions;

namespace Crucible.Agent.Tools;

/// <summary>
/// The rules of one <c>.gitignore</c> file (or <c>.git/info/exclude</c>), following gitignore(5):
/// blank lines and <c>#</c> comments skipped, <c>!</c> negates, a trailing <c>/</c> matches directories
/// only, a pattern with a slash at its start or middle is anchored to the file's folder (otherwise it
/// matches a name at any depth below it), <c>*</c> <c>?</c> <c>[...]</c> stay within a segment, and
/// <c>**</c> spans segments. Matching is case-sensitive, as git's default on Linux.
/// </summary>
public sealed class GitIgnoreFile
{
    private readonly List<Rule> _rules;

    private sealed record Rule(Regex Regex, bool Negated, bool DirectoryOnly);

    /// <summary>Parses the text of a gitignore file whose folder is <paramref name="baseDirectory"/> (workspace-relative, "" for the root).</summary>
    public GitIgnoreFile(string baseDirectory, string text)
    {
        BaseDirectory = baseDirectory.Trim('/');
        _rules = [];
        foreach (var raw in text.Split('\n'))
        {
            if (Parse(raw.TrimEnd('\r')) is { } rule)
            {
                _rules.Add(rule);
            }
        }
    }

    /// <summary>The folder the patterns are relative to.</summary>
    public string BaseDirectory { get; }

    /// <summary>
    /// The verdict of this file for <paramref name="relativePath"/> (workspace-relative): true ignored,
    /// false re-included by a negation, null when no rule matches. The last matching rule wins.
    /// </summary>
    public bool? Match(string relativePath, bool isDirectory)
    {
        string local;
        if (BaseDirectory.Length == 0)
        {
            local = relativePath;
        }
        else if (relativePath.StartsWith(BaseDirectory + "/", StringComparison.Ordinal))
        {
            local = relativePath[(BaseDirectory.Length + 1)..];
        }
        else
        {
            return null;
        }
        for (var i = _rules.Count - 1; i >= 0; i--)
        {
            var rule = _rules[i];
            if ((!rule.DirectoryOnly || isDirectory) && rule.Regex.IsMatch(local))
            {
                return !rule.Negated;
            }
        }
        return null;
    }

    private static Rule? Parse(string line)
    {
        if (line.Length == 0 || line.StartsWith('#'))
        {
            return null;
        }
        // Trailing spaces are ignored unless escaped with a backslash.
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ' && !(end > 1 && line[end - 2] == '\\'))
        {
            end--;
        }
        line = line[..end];
        var negated = false;
        if (line.StartsWith('!'))
        {
            negated = true;
            line = line[1..];
        }
        else if (line.StartsWith("\\!", StringComparison.Ordinal) || line.StartsWith("\\#", StringComparison.Ordinal))
        {
            line = line[1..];
        }
        var directoryOnly = line.EndsWith('/');
        line = line.TrimEnd('/');
        if (line.Length == 0)
        {
            return null;
        }
        var anchored = line.Contains('/', StringComparison.Ordinal);
        line = line.TrimStart('/');
        var body = Translate(line);
        var pattern = anchored || line.StartsWith("**/", StringComparison.Ordinal) ? $"^{body}$" : $"^(?:.*/)?{body}$";
        return new Rule(new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Singleline), negated, directoryOnly);
    }

    private static string Translate(string glob)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    var atStart = i == 0 || glob[i - 1] == '/';
                    var slashAfter = i + 2 < glob.Length && glob[i + 2] == '/';
                    if (atStart && slashAfter)
                    {
                        sb.Append("(?:.*/)?");
                        i += 2;
                    }
                    else if (atStart && i + 2 == glob.Length)
                    {
                        sb.Append(".*");
                        i += 1;
                    }
                    else
                    {
                        // "**" not alone in its segment behaves like "*".
                        sb.Append("[^/]*");
                        i += 1;
                    }
                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    var close = glob.IndexOf(']', i + 2);
                    if (close < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }
                    var set = glob[(i + 1)..close];
                    if (set.StartsWith('!'))
                    {
                        set = "^" + set[1..];
                    }
                    sb.Append('[').Append(set.Replace("\\", @"\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                case '\\' when i + 1 < glob.Length:
                    sb.Append(Regex.Escape(glob[i + 1].ToString()));
                    i++;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return sb.ToString();
    }
}

/// <summary>How a <see cref="WorkspaceWalker"/> walks the workspace.</summary>
public sealed record WorkspaceWalkOptions
{
    /// <summary>The search tools' walk: git rules honoured.</summary>
    public static WorkspaceWalkOptions Default { get; } = new();

    /// <summary>
    /// The walk that must miss nothing git does not manage: git rules not honoured, so git-ignored files are seen
    /// (the read-deny scan needs this: a denied <c>.env</c> is usually git-ignored).
    /// </summary>
    public static WorkspaceWalkOptions IncludingIgnored { get; } = new() { HonourGitIgnore = false };

    /// <summary>
    /// Whether <c>.gitignore</c> files (root and nested) and <c>.git/info/exclude</c> leave out what they match, and
    /// nested <c>.git</c> folders (submodules, vendored repositories) are skipped as well. Default true. The workspace's
    /// own <c>.git</c> is always skipped.
    /// </summary>
    public bool HonourGitIgnore { get; init; } = true;
}

/// <summary>
/// The one walk of the workspace: <c>.git</c> always skipped, <c>.gitignore</c> files (root and nested) and
/// <c>.git/info/exclude</c> honoured unless <see cref="WorkspaceWalkOptions.HonourGitIgnore"/> is off, links never
/// followed into folders. <see cref="Files"/> lists what the search tools see: only regular files (or links to regular
/// files inside the workspace) that the hidden globs do not match. <see cref="HiddenEntries"/> lists what those globs match.
/// </summary>
public sealed class WorkspaceWalker
{
    private readonly WorkspacePaths _paths;
    private readonly Core.Tasks.PathGlob[] _hidden;
    private readonly WorkspaceWalkOptions _options;

    /// <summary>Creates a walker over <paramref name="paths"/>' workspace, never listing <paramref name="hiddenPaths"/> (globs) as files.</summary>
    /// <param name="paths">The workspace.</param>
    /// <param name="hiddenPaths">Workspace-relative globs of the files and folders hidden from the walk.</param>
    /// <param name="options">How to walk; <see cref="WorkspaceWalkOptions.Default"/> when null.</param>
    public WorkspaceWalker(WorkspacePaths paths, IEnumerable<string>? hiddenPaths = null, WorkspaceWalkOptions? options = null)
    {
        _paths = paths;
        _hidden = (hiddenPaths ?? []).Select(p => new Core.Tasks.PathGlob(p)).ToArray();
        _options = options ?? WorkspaceWalkOptions.Default;
    }

    /// <summary>Workspace-relative paths of the files under <paramref name="start"/> (a resolved folder), folder by folder with names in ordinal order.</summary>
    public IEnumerable<string> Files(ResolvedPath start, CancellationToken cancellationToken = default)
    {
        var ignores = RootIgnores();
        // Load the .gitignore files of the folders above the start folder so their rules apply below it too.
        // A start folder that is itself ignored is still searched (it was asked for by name), as ripgrep does; .git never is.
        var segments = start.RelativePath.Length == 0 ? [] : start.RelativePath.Split('/');
        if (segments.Contains(".git"))
        {
            yield break;
        }
        for (var i = 0; i < segments.Length; i++)
        {
            AddIgnore(ignores, string.Join('/', segments.Take(i)));
        }
        foreach (var entry in Walk(start.RelativePath, ignores, cancellationToken))
        {
            if (!entry.Hidden)
            {
                yield return entry.RelativePath;
            }
        }
    }

    /// <summary>
    /// Workspace-relative paths of the files and folders of the whole workspace that the hidden globs match, as it is now,
    /// folder by folder with names in ordinal order. A matched folder is listed without its contents. Links are never
    /// listed (a link to a hidden file opens the hidden path itself).
    /// </summary>
    public IEnumerable<string> HiddenEntries(CancellationToken cancellationToken = default)
    {
        if (_hidden.Length == 0)
        {
            return [];
        }
        var ignores = RootIgnores();
        return Walk("", ignores, cancellationToken).Where(e => e.Hidden && !e.IsLink).Select(e => e.RelativePath);
    }

    /// <summary>The rules that apply everywhere: <c>.git/info/exclude</c>, when git rules are honoured.</summary>
    private List<GitIgnoreFile> RootIgnores()
    {
        var ignores = new List<GitIgnoreFile>();
        var exclude = Path.Combine(_paths.Root, ".git", "info", "exclude");
        if (_options.HonourGitIgnore && File.Exists(exclude))
        {
            ignores.Add(new GitIgnoreFile("", SafeRead(exclude)));
        }
        return ignores;
    }

    /// <summary>True when the relative path is ignored by git rules or hidden by settings (used for single files too).</summary>
    public bool IsHidden(string relativePath) => _hidden.Any(g => g.IsMatch(relativePath));

    /// <summary>One place the walk reached: a listable file, or an entry the hidden globs matched (and so not entered).</summary>
    private readonly record struct Entry(string RelativePath, bool Hidden, bool IsLink);

    private IEnumerable<Entry> Walk(string relativeDir, List<GitIgnoreFile> ignores, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var added = AddIgnore(ignores, relativeDir);
        var full = relativeDir.Length == 0 ? _paths.Root : Path.Combine(_paths.Root, relativeDir);
        List<(string Name, bool IsDir, bool IsLink)> entries;
        try
        {
            entries = new DirectoryInfo(full).EnumerateFileSystemInfos()
                .Select(e => (e.Name, IsDir: e is DirectoryInfo && e.LinkTarget is null, IsLink: e.LinkTarget is not null))
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            entries = [];
        }
        foreach (var (name, isDir, isLink) in entries)
        {
            var rel = relativeDir.Length == 0 ? name : relativeDir + "/" + name;
            if (IsSkippedGitFolder(relativeDir, name) || IsIgnored(ignores, rel, isDir))
            {
                continue;
            }
            if (IsHidden(rel))
            {
                yield return new Entry(rel, Hidden: true, isLink);
            }
            else if (isDir)
            {
                foreach (var f in Walk(rel, ignores, cancellationToken))
                {
                    yield return f;
                }
            }
            else if (IsListableFile(rel, isLink, out var target) && !IsHidden(target))
            {
                yield return new Entry(rel, Hidden: false, isLink);
            }
        }
        if (added)
        {
            ignores.RemoveAt(ignores.Count - 1);
        }
    }

    /// <summary>The workspace's own <c>.git</c> always; a nested one only when git rules are honoured (a walk that sees ignored files must see every file git does not manage for this workspace).</summary>
    private bool IsSkippedGitFolder(string relativeDir, string name) =>
        name == ".git" && (relativeDir.Length == 0 || _options.HonourGitIgnore);

    /// <summary>
    /// True when <paramref name="rel"/> is a regular file, or a link to one inside the workspace; <paramref name="target"/> is
    /// the workspace-relative file it opens (hidden paths apply to it too, so a link cannot show a hidden file under another name).
    /// </summary>
    private bool IsListableFile(string rel, bool isLink, out string target)
    {
        target = rel;
        var full = Path.Combine(_paths.Root, rel);
        // The walk never enters linked folders, so only a link entry itself can lead outside.
        string real;
        try
        {
            real = isLink ? WorkspacePaths.RealPath(full) : full;
        }
        catch (ToolInputException)
        {
            return false; // a link loop lists nothing
        }
        if (!WorkspacePaths.IsInside(real, _paths.Root) || Core.IO.UnixFileType.Get(real) != Core.IO.FileKind.Regular)
        {
            return false;
        }
        target = _paths.Relative(real);
        return true;
    }

    private bool AddIgnore(List<GitIgnoreFile> ignores, string relativeDir)
    {
        if (!_options.HonourGitIgnore)
        {
            return false;
        }
        var file = Path.Combine(relativeDir.Length == 0 ? _paths.Root : Path.Combine(_paths.Root, relativeDir), ".gitignore");
        if (Core.IO.UnixFileType.Get(file) != Core.IO.FileKind.Regular)
        {
            return false;
        }
        ignores.Add(new GitIgnoreFile(relativeDir, SafeRead(file)));
        return true;
    }

    /// <summary>Deeper files override shallower ones; within a file the last matching rule wins.</summary>
    private static bool IsIgnored(List<GitIgnoreFile> ignores, string rel, bool isDirectory)
    {
        for (var i = ignores.Count - 1; i >= 0; i--)
        {
            if (ignores[i].Match(rel, isDirectory) is { } verdict)
            {
                return verdict;
            }
        }
        return false;
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}

using System.Text;
using Crucible.Core;
using Crucible.Core.Tasks;

namespace Crucible.Verification.Repository;

/// <summary>Settings of <see cref="WorkingTreeCommits"/>.</summary>
public sealed record WorkingTreeCommitOptions
{
    /// <summary>The defaults.</summary>
    public static WorkingTreeCommitOptions Default { get; } = new();

    /// <summary>
    /// Top-level folders left out of every capture: Crucible's own state (sessions, transcripts, caches) is never
    /// part of the user's work. Their files that the user's index already tracks keep the index's version.
    /// Default: <c>.crucible</c>.
    /// </summary>
    public IReadOnlyList<string> ExcludedFolders { get; init; } = [CrucibleStateFolder.Name];

    /// <summary>
    /// Files inside <see cref="ExcludedFolders"/> captured all the same when they exist. Default:
    /// <c>.crucible/settings.json</c> (it names the test command, so it is part of the start the change is judged against).
    /// </summary>
    public IReadOnlyList<string> IncludedFiles { get; init; } = [CrucibleStateFolder.SettingsPath];

    /// <summary>Author and committer of capture commits (so no git identity needs to be configured). Default: <c>Crucible</c>.</summary>
    public string AuthorName { get; init; } = "Crucible";

    /// <summary>E-mail of <see cref="AuthorName"/>. Default: <c>crucible@localhost</c>.</summary>
    public string AuthorEmail { get; init; } = "crucible@localhost";

    /// <summary>How long one git command may take. Default: 2 minutes.</summary>
    public TimeSpan GitTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Folder for the temporary index (never inside the repository). Null: the system temp folder.</summary>
    public string? TempRoot { get; init; }
}

/// <summary>
/// Captures a git working tree as it is — tracked changes, staged or not, and untracked files git does not ignore —
/// as a tree or a commit object, without touching the user's branch, index, stash list or files: git adds the
/// files to a temporary copy of the index (<c>GIT_INDEX_FILE</c>), writes a tree from it and, for a commit, makes one
/// whose parent is <c>HEAD</c> (none before the first commit) and keeps it under a ref so <c>git gc</c> keeps it.
/// The session of <c>crucible run</c> uses it for its start (the base the agent's work is verified against).
/// </summary>
public static class WorkingTreeCommits
{
    /// <summary>True when <paramref name="path"/> is inside a git working tree.</summary>
    public static bool IsRepository(string path, WorkingTreeCommitOptions? options = null)
    {
        try
        {
            GitRepository.Open(path, (options ?? WorkingTreeCommitOptions.Default).GitTimeout);
            return true;
        }
        catch (BadInputException)
        {
            return false;
        }
    }

    /// <summary>The repository's top-level folder.</summary>
    /// <exception cref="BadInputException"><paramref name="path"/> is not inside a git working tree.</exception>
    public static string Root(string path, WorkingTreeCommitOptions? options = null) =>
        GitRepository.Open(path, (options ?? WorkingTreeCommitOptions.Default).GitTimeout).Root;

    /// <summary>The id of the tree the working tree of <paramref name="path"/> holds now.</summary>
    /// <exception cref="BadInputException">Not inside a git working tree.</exception>
    public static string CaptureTree(string path, WorkingTreeCommitOptions? options = null)
    {
        options ??= WorkingTreeCommitOptions.Default;
        return WriteTree(GitRepository.Open(path, options.GitTimeout), options);
    }

    /// <summary>
    /// The commit under <paramref name="refName"/> (e.g. <c>refs/crucible/sessions/ID</c>); when there is none yet,
    /// the working tree is captured as a new commit with <paramref name="message"/> and the ref is created.
    /// </summary>
    /// <exception cref="BadInputException">Not inside a git working tree, or git failed.</exception>
    public static string CaptureCommit(string path, string refName, string message, WorkingTreeCommitOptions? options = null)
    {
        options ??= WorkingTreeCommitOptions.Default;
        var git = GitRepository.Open(path, options.GitTimeout);
        if (git.ResolveCommit(refName) is { } existing)
        {
            return existing;
        }
        var tree = WriteTree(git, options);
        var env = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = options.AuthorName,
            ["GIT_AUTHOR_EMAIL"] = options.AuthorEmail,
            ["GIT_COMMITTER_NAME"] = options.AuthorName,
            ["GIT_COMMITTER_EMAIL"] = options.AuthorEmail,
        };
        var args = new List<string> { "commit-tree", "--no-gpg-sign", tree, "-m", message };
        if (git.ResolveCommit("HEAD") is { } head)
        {
            args.AddRange(["-p", head]);
        }
        var commit = Text(Check(git.Bytes(env, [.. args]), "commit-tree")).Trim();
        // The empty old value makes the update fail if another process created the ref meanwhile.
        Check(git.Bytes(null, "update-ref", "-m", message, refName, commit, ""), "update-ref");
        return commit;
    }

    /// <summary>
    /// Puts <paramref name="paths"/> (repository-relative) back as they are in <paramref name="commit"/>: content,
    /// executable bit and links; a path the commit does not have is deleted. Nothing else is touched, the index neither.
    /// </summary>
    /// <exception cref="BadInputException">Not inside a git working tree, or the commit is unknown.</exception>
    public static void Restore(string path, string commit, IEnumerable<string> paths, WorkingTreeCommitOptions? options = null)
    {
        options ??= WorkingTreeCommitOptions.Default;
        var git = GitRepository.Open(path, options.GitTimeout);
        foreach (var rel in paths)
        {
            var target = Path.Combine(git.Root, rel);
            var entry = Text(Check(git.Bytes(null, "ls-tree", "-z", "--full-tree", commit, "--", rel), "ls-tree")).TrimEnd('\0');
            var info = new FileInfo(target);
            if (info.Exists || info.LinkTarget is not null)
            {
                info.Delete();
            }
            if (entry.Length == 0)
            {
                continue; // not in the commit: the file was added since
            }
            var meta = entry[..entry.IndexOf('\t', StringComparison.Ordinal)].Split(' ');
            if (meta[1] != "blob")
            {
                continue;
            }
            var bytes = Check(git.Bytes(null, "cat-file", "blob", meta[2]), "cat-file");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (meta[0] == "120000")
            {
                File.CreateSymbolicLink(target, Encoding.UTF8.GetString(bytes));
                continue;
            }
            File.WriteAllBytes(target, bytes);
            if (meta[0] == "100755")
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(target) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
    }

    private static string WriteTree(GitRepository git, WorkingTreeCommitOptions options)
    {
        var temp = Path.Combine(options.TempRoot ?? Path.GetTempPath(), "crucible-index-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            var index = Path.Combine(temp, "index");
            // Starting from a copy of the user's index lets git reuse its file stats instead of hashing every file again.
            var userIndex = Text(Check(git.Bytes(null, "rev-parse", "--git-path", "index"), "rev-parse")).Trim();
            userIndex = Path.GetFullPath(userIndex, git.Root);
            if (File.Exists(userIndex))
            {
                File.Copy(userIndex, index);
            }
            var env = new Dictionary<string, string> { ["GIT_INDEX_FILE"] = index };
            var add = new List<string> { "add", "-A", "--", "." };
            add.AddRange(options.ExcludedFolders.Select(f => $":(exclude){f}"));
            Check(git.Bytes(env, [.. add]), "add");
            // An ignored file stays out, as everywhere else (the verifier does not see it as changed either).
            var included = options.IncludedFiles.Where(f => File.Exists(Path.Combine(git.Root, f)) && git.Bytes(null, "check-ignore", "-q", "--", f).Exit != 0).ToList();
            if (included.Count > 0)
            {
                Check(git.Bytes(env, ["add", "-A", "--", .. included]), "add");
            }
            return Text(Check(git.Bytes(env, "write-tree"), "write-tree")).Trim();
        }
        finally
        {
            TreeFiles.Delete(temp);
        }
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static byte[] Check((int Exit, byte[] Output, string Error) r, string what) =>
        r.Exit == 0 ? r.Output : throw new BadInputException($"git {what} failed: {r.Error.Trim()}", "check that the repository is healthy ('git status', 'git fsck')");
}

using System.Text;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;
using Crucible.Verification.Repository;

namespace Crucible.Constitution.Changes;

/// <summary>
/// Builds change sets from a task and a candidate workspace, from two folders, or from a git
/// repository (working tree against <c>HEAD</c> or another revision). Binary files, links and build
/// outputs are left out.
/// </summary>
public static class ChangeSetBuilder
{
    /// <summary>
    /// The task's files (before) against the candidate workspace (after). Each starting file is compared
    /// with the version the candidate's file derives from (<see cref="TaskBaseline"/>): the harness's
    /// adjustments of a file (un-skipped tests, a rewritten project file) are not the candidate's change,
    /// and neither is a copy of the task as it ships. A file the harness made is no deletion when the
    /// candidate lacks it, and a candidate file that the task folder ships beside the starting files is
    /// compared with that file.
    /// </summary>
    public static ChangeSet FromTask(TaskSpec task, string candidatePath, ChangeSetOptions? options = null)
    {
        options ??= ChangeSetOptions.Default;
        var skipped = new List<string>();
        var after = ReadFolder(candidatePath, options, skipped);
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in task.StartingFiles)
        {
            var path = PathGlob.Normalize(f.Path);
            var versions = TaskBaseline.Versions(f);
            if (versions.Count == 0 || (TaskBaseline.IsHarnessMade(f) && !after.ContainsKey(path)))
            {
                continue;
            }
            before[path] = TaskBaseline.Closest(versions, after.GetValueOrDefault(path));
        }
        if (TaskBaseline.ShippedRoot(task) is { } root)
        {
            foreach (var path in after.Keys.Where(p => !before.ContainsKey(p)))
            {
                if (TryReadFile(Path.Combine(root, path), options, out var shipped, out _))
                {
                    before[path] = shipped;
                }
            }
        }
        return ChangeSet.FromTexts(before, after, $"task {task.Id}: starting files vs {candidatePath}", skipped);
    }

    /// <summary>Every file of <paramref name="beforeDir"/> against every file of <paramref name="afterDir"/>.</summary>
    public static ChangeSet FromFolders(string beforeDir, string afterDir, ChangeSetOptions? options = null)
    {
        options ??= ChangeSetOptions.Default;
        foreach (var dir in new[] { beforeDir, afterDir })
        {
            if (!Directory.Exists(dir))
            {
                throw new BadInputException($"folder '{dir}' does not exist", "pass two existing folders: the original and the changed copy");
            }
        }
        var skipped = new List<string>();
        return ChangeSet.FromTexts(ReadFolder(beforeDir, options, skipped), ReadFolder(afterDir, options, skipped), $"{beforeDir} vs {afterDir}", skipped);
    }

    /// <summary>True when <paramref name="path"/> is an existing folder inside a git working tree.</summary>
    public static bool IsGitRepository(string path, ChangeSetOptions? options = null) =>
        Directory.Exists(path) && GitRepository.TryOpen(path, (options ?? ChangeSetOptions.Default).GitTimeout) is not null;

    /// <summary>
    /// The working tree of the git repository holding <paramref name="path"/> against revision
    /// <paramref name="baseRef"/> (default <c>HEAD</c>). Untracked files that git does not ignore count
    /// as added; ignored files and Crucible's own state (<see cref="CrucibleStateFolder.IsState"/>) are left out. Only files under <paramref name="path"/> are included,
    /// with paths relative to it (for the repository root, every file, relative to the root).
    /// </summary>
    /// <exception cref="BadInputException">The path is missing, not in a git repository, or the revision does not exist.</exception>
    public static ChangeSet FromGit(string path, string? baseRef = null, ChangeSetOptions? options = null)
    {
        options ??= ChangeSetOptions.Default;
        baseRef ??= "HEAD";
        if (!Directory.Exists(path))
        {
            throw new BadInputException($"'{path}' does not exist or is not a folder", "pass the folder of a git repository (default: the current folder)");
        }
        var git = GitRepository.TryOpen(path, options.GitTimeout)
            ?? throw new BadInputException($"'{path}' is not inside a git repository", "run the review inside a git repository, or pass --task TASK_DIR to review a task workspace that is not under git");
        var root = git.Root;
        if (git.ResolveCommit(baseRef) is null)
        {
            throw new BadInputException($"git revision '{baseRef}' does not exist in {root}", baseRef == "HEAD"
                ? "commit at least once, or pass --diff REF naming an existing revision"
                : "pass --diff with an existing branch, tag or commit (see 'git log')");
        }
        var changed = Split(Git(git, "diff", "--name-only", "-z", "--no-renames", baseRef, "--").Output).Where(p => !CrucibleStateFolder.IsState(p));
        var untracked = Split(Git(git, "ls-files", "--others", "--exclude-standard", "-z").Output).Where(p => !CrucibleStateFolder.IsState(p));
        var tracked = Split(Git(git, "ls-files", "-z").Output).Where(p => !CrucibleStateFolder.IsState(p));
        var atBase = Split(Git(git, "ls-tree", "-r", "--name-only", "-z", baseRef).Output).ToHashSet(StringComparer.Ordinal);

        var skipped = new List<string>();
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        var after = new Dictionary<string, string>(StringComparer.Ordinal);
        // Crucible's own folder (sessions, transcripts, results) is no one's change, even when git does not ignore it.
        var changedSet = changed.Concat(untracked).Where(p => !CrucibleStateFolder.IsState(p)).ToHashSet(StringComparer.Ordinal);
        foreach (var p in changedSet.Order(StringComparer.Ordinal))
        {
            if (atBase.Contains(p))
            {
                var shown = GitBytes(git, "show", $"{baseRef}:{p}");
                if (shown is not null && shown.Length <= options.MaxFileBytes && TryDecode(shown, out var b))
                {
                    before[p] = b;
                }
                else
                {
                    skipped.Add($"{p} (binary or larger than {options.MaxFileBytes} bytes at {baseRef})");
                }
            }
            if (TryReadFile(Path.Combine(root, p), options, out var a, out var why))
            {
                after[p] = a;
            }
            else if (why is not null)
            {
                skipped.Add($"{p} ({why})");
                before.Remove(p); // do not report a file we could not read as deleted
            }
        }
        var context = 0;
        var unchanged = tracked.Where(p => !changedSet.Contains(p) && !CrucibleStateFolder.IsState(p)).Order(StringComparer.Ordinal).ToList();
        foreach (var p in unchanged)
        {
            if (context >= options.MaxUnchangedFiles)
            {
                // One line, not one per file: a large repository would otherwise drown the report.
                skipped.Add($"{unchanged.Count - options.MaxUnchangedFiles} unchanged file(s) beyond the first {options.MaxUnchangedFiles} (not read for context)");
                break;
            }
            if (TryReadFile(Path.Combine(root, p), options, out var text, out _))
            {
                before[p] = text;
                after[p] = text;
            }
            context++;
        }
        var scope = PathGlob.Normalize(Path.GetRelativePath(root, Path.GetFullPath(path)));
        if (scope != ".")
        {
            // Review only the folder asked for, with paths as seen from it (a task workspace inside a larger repository).
            var prefix = scope.TrimEnd('/') + "/";
            before = Rebase(before, prefix);
            after = Rebase(after, prefix);
        }
        return ChangeSet.FromTexts(before, after, $"working tree of {Path.GetFullPath(path)} vs {baseRef}", skipped);
    }

    private static Dictionary<string, string> Rebase(Dictionary<string, string> files, string prefix) =>
        files.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    /// <summary>Text files of a folder keyed by relative path, skipping build outputs, links and binaries.</summary>
    public static Dictionary<string, string> ReadFolder(string dir, ChangeSetOptions options, ICollection<string> skipped)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rel in Workspaces.ListRegularFiles(dir, skipped))
        {
            if (TryReadFile(Path.Combine(dir, rel), options, out var text, out var why))
            {
                result[rel] = text;
            }
            else
            {
                skipped.Add($"{rel} ({why})");
            }
        }
        return result;
    }

    private static bool TryReadFile(string path, ChangeSetOptions options, out string text, out string? why)
    {
        text = "";
        why = null;
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return false; // deleted in the working tree
        }
        if (info.LinkTarget is not null)
        {
            why = "symbolic link, not followed";
            return false;
        }
        if (info.Length > options.MaxFileBytes)
        {
            why = $"larger than {options.MaxFileBytes} bytes";
            return false;
        }
        if (!TryDecode(File.ReadAllBytes(path), out text))
        {
            why = "binary";
            return false;
        }
        return true;
    }

    /// <summary>Decodes UTF-8 text; a NUL byte in the first 8000 bytes marks a binary file (as git decides).</summary>
    internal static bool TryDecode(byte[] bytes, out string text)
    {
        const int sniff = 8000;
        if (Array.IndexOf(bytes, (byte)0, 0, Math.Min(bytes.Length, sniff)) >= 0)
        {
            text = "";
            return false;
        }
        text = ChangeSet.Normalize(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'));
        return true;
    }

    private static IEnumerable<string> Split(string z) => z.Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static (int ExitCode, string Output) Git(GitRepository git, params string[] args)
    {
        var (exit, output, _) = git.Bytes(null, args);
        return (exit, Encoding.UTF8.GetString(output));
    }

    private static byte[]? GitBytes(GitRepository git, params string[] args)
    {
        var (exit, output, _) = git.Bytes(null, args);
        return exit == 0 ? output : null;
    }
}

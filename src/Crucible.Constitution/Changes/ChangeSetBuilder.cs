using System.Diagnostics;
using System.Text;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Changes;

/// <summary>
/// Builds change sets from a task and a candidate workspace, from two folders, or from a git
/// repository (working tree against <c>HEAD</c> or another revision). Binary files, links and build
/// outputs are left out.
/// </summary>
public static class ChangeSetBuilder
{
    /// <summary>The task's pristine starting files (before) against the candidate workspace (after).</summary>
    public static ChangeSet FromTask(TaskSpec task, string candidatePath, ChangeSetOptions? options = null)
    {
        options ??= ChangeSetOptions.Default;
        var skipped = new List<string>();
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in task.StartingFiles)
        {
            if (TryDecode(Workspaces.ReadTaskFile(f), out var text))
            {
                before[PathGlob.Normalize(f.Path)] = text;
            }
        }
        var after = ReadFolder(candidatePath, options, skipped);
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
        Directory.Exists(path) && Git(path, options ?? ChangeSetOptions.Default, "rev-parse", "--is-inside-work-tree").Output.Trim() == "true";

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
        var top = Git(path, options, "rev-parse", "--show-toplevel");
        if (top.ExitCode != 0)
        {
            throw new BadInputException($"'{path}' is not inside a git repository", "run the review inside a git repository, or pass --task TASK_DIR to review a task workspace that is not under git");
        }
        var root = top.Output.Trim();
        if (Git(root, options, "rev-parse", "--verify", "--quiet", baseRef + "^{commit}").ExitCode != 0)
        {
            throw new BadInputException($"git revision '{baseRef}' does not exist in {root}", baseRef == "HEAD"
                ? "commit at least once, or pass --diff REF naming an existing revision"
                : "pass --diff with an existing branch, tag or commit (see 'git log')");
        }
        var changed = Split(Git(root, options, "diff", "--name-only", "-z", "--no-renames", baseRef, "--").Output);
        var untracked = Split(Git(root, options, "ls-files", "--others", "--exclude-standard", "-z").Output);
        var tracked = Split(Git(root, options, "ls-files", "-z").Output);
        var atBase = Split(Git(root, options, "ls-tree", "-r", "--name-only", "-z", baseRef).Output).ToHashSet(StringComparer.Ordinal);

        var skipped = new List<string>();
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        var after = new Dictionary<string, string>(StringComparer.Ordinal);
        // Crucible's own folder (sessions, transcripts, results) is no one's change, even when git does not ignore it.
        var changedSet = changed.Concat(untracked).Where(p => !CrucibleStateFolder.IsState(p)).ToHashSet(StringComparer.Ordinal);
        foreach (var p in changedSet.Order(StringComparer.Ordinal))
        {
            if (atBase.Contains(p))
            {
                var shown = GitBytes(root, options, "show", $"{baseRef}:{p}");
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
    private static bool TryDecode(byte[] bytes, out string text)
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

    private static (int ExitCode, string Output) Git(string dir, ChangeSetOptions options, params string[] args)
    {
        var bytes = RunGit(dir, options, args, out var exit);
        return (exit, Encoding.UTF8.GetString(bytes));
    }

    private static byte[]? GitBytes(string dir, ChangeSetOptions options, params string[] args)
    {
        var bytes = RunGit(dir, options, args, out var exit);
        return exit == 0 ? bytes : null;
    }

    private static byte[] RunGit(string dir, ChangeSetOptions options, string[] args, out int exitCode)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("core.quotepath=off");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // Never let git prompt or page: the review runs unattended (CI, hooks).
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_PAGER"] = "cat";
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new BadInputException("could not start git", "install git and make sure it is on PATH");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BadInputException($"could not start git: {e.Message}", "install git and make sure it is on PATH");
        }
        using (process)
        {
            using var stdout = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
            var err = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(options.GitTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new BadInputException($"git {string.Join(' ', args)} did not finish within {options.GitTimeout}", "check the repository (a very large repository or a hung hook), or review a smaller change");
            }
            copy.Wait();
            err.Wait();
            exitCode = process.ExitCode;
            return stdout.ToArray();
        }
    }
}

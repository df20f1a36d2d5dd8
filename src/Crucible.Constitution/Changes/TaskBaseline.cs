using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Changes;

/// <summary>
/// What a candidate's change to a task is measured against. A task file has up to two versions that are
/// not the candidate's work: the text the harness gives the solver and grades with (after its own
/// adjustments: un-skipped tests, substituted packages, an added test shim) and the text the task ships
/// (the file in the task folder). A candidate workspace may start from either, a copy of the exercise as
/// shipped or a workspace the harness materialised, so each file is compared with the version it
/// derives from: the one it equals, else the closest. Files the task folder ships outside the starting
/// files (an Exercism exercise's <c>.meta/</c>, <c>.docs/</c>, or the lock file the harness drops) are
/// the task's too: present and unchanged they are no change, absent they are no deletion.
/// </summary>
public static class TaskBaseline
{
    /// <summary>
    /// The versions of <paramref name="file"/> as text: the graded (adjusted) text first, then the shipped
    /// text when the harness changed it. Empty when the file is binary.
    /// </summary>
    public static IReadOnlyList<string> Versions(TaskFile file)
    {
        var versions = new List<string>();
        if (ChangeSetBuilder.TryDecode(Workspaces.ReadTaskFile(file), out var graded))
        {
            versions.Add(graded);
        }
        if (file.Content is not null && File.Exists(file.SourcePath) && ChangeSetBuilder.TryDecode(File.ReadAllBytes(file.SourcePath), out var shipped) &&
            !versions.Contains(shipped, StringComparer.Ordinal))
        {
            versions.Add(shipped);
        }
        return versions;
    }

    /// <summary>True when the harness made <paramref name="file"/> itself (no file of the task holds it, e.g. a test shim): grading supplies it, so a candidate without it deleted nothing.</summary>
    public static bool IsHarnessMade(TaskFile file) => file.Content is not null && !File.Exists(file.SourcePath);

    /// <summary>
    /// The version <paramref name="after"/> derives from: the one equal to it, else the one with the
    /// fewest differing lines (ties go to the earlier version, the graded one). The first version when
    /// <paramref name="after"/> is null.
    /// </summary>
    public static string Closest(IReadOnlyList<string> versions, string? after)
    {
        if (versions.Count == 1 || after is null)
        {
            return versions[0];
        }
        var exact = versions.FirstOrDefault(v => string.Equals(v, after, StringComparison.Ordinal));
        return exact ?? versions.MinBy(v => LineDiff.AddedLines(v, after).Count + LineDiff.AddedLines(after, v).Count)!;
    }

    /// <summary>
    /// The folder the task's starting files are shipped from (an Exercism exercise, a native task's
    /// <c>workspace/</c>), or null when they come from no single folder.
    /// </summary>
    public static string? ShippedRoot(TaskSpec task)
    {
        string? root = null;
        foreach (var f in task.StartingFiles.Where(f => !IsHarnessMade(f)))
        {
            var full = Path.GetFullPath(f.SourcePath);
            var suffix = Path.DirectorySeparatorChar + f.Path.Replace('/', Path.DirectorySeparatorChar);
            if (!full.EndsWith(suffix, StringComparison.Ordinal))
            {
                return null;
            }
            var dir = full[..^suffix.Length];
            if (root is not null && root != dir)
            {
                return null;
            }
            root = dir;
        }
        return root;
    }
}

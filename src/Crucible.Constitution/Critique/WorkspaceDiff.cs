using System.Text;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Critique;

/// <summary>How a file differs between the starting files and a candidate.</summary>
public enum FileChangeKind
{
    /// <summary>The candidate created the file.</summary>
    Added,
    /// <summary>The candidate changed the file.</summary>
    Modified,
    /// <summary>The candidate deleted the file.</summary>
    Deleted,
}

/// <summary>One changed file.</summary>
/// <param name="Path">Workspace-relative path with forward slashes.</param>
/// <param name="Kind">What happened to it.</param>
public sealed record FileChange(string Path, FileChangeKind Kind);

/// <summary>A candidate's changes against its task's starting files.</summary>
/// <param name="Text">The unified diff of every changed file, in path order (empty when nothing changed).</param>
/// <param name="Files">The changed files, in path order.</param>
public sealed record WorkspaceDiff(string Text, IReadOnlyList<FileChange> Files)
{
    /// <summary>
    /// Diffs the regular files of <paramref name="candidatePath"/> against <paramref name="task"/>'s
    /// starting files. Build outputs are skipped and symbolic links are never followed (the same file
    /// listing the verifier uses); a file holding a NUL byte is reported as binary.
    /// </summary>
    public static WorkspaceDiff Compute(TaskSpec task, string candidatePath, UnifiedDiffOptions? options = null)
    {
        var starting = task.StartingFiles.ToDictionary(f => f.Path, f => f, StringComparer.Ordinal);
        var current = Workspaces.ListRegularFiles(candidatePath);
        var paths = new SortedSet<string>(starting.Keys, StringComparer.Ordinal);
        paths.UnionWith(current);
        var present = current.ToHashSet(StringComparer.Ordinal);

        var text = new StringBuilder();
        var files = new List<FileChange>();
        foreach (var path in paths)
        {
            var before = starting.TryGetValue(path, out var f) ? Workspaces.ReadTaskFile(f) : null;
            var after = present.Contains(path) ? File.ReadAllBytes(Path.Combine(candidatePath, path)) : null;
            if (before is not null && after is not null && before.AsSpan().SequenceEqual(after))
            {
                continue;
            }
            files.Add(new FileChange(path, before is null ? FileChangeKind.Added : after is null ? FileChangeKind.Deleted : FileChangeKind.Modified));
            if (IsBinary(before) || IsBinary(after))
            {
                text.Append("Binary files ").Append(before is null ? "/dev/null" : "a/" + path)
                    .Append(" and ").Append(after is null ? "/dev/null" : "b/" + path).Append(" differ\n");
                continue;
            }
            text.Append(UnifiedDiff.Compute(path, Decode(before), Decode(after), options));
        }
        return new WorkspaceDiff(text.ToString(), files);
    }

    private static bool IsBinary(byte[]? bytes) => bytes is not null && bytes.AsSpan().Contains((byte)0);

    private static string? Decode(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);
}

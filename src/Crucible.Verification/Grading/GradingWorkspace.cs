using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Verification.Grading;

/// <summary>Limits on what the harness takes from a candidate folder. Defaults: 16 MiB per file, 10,000 files.</summary>
public sealed record CandidateLimits
{
    /// <summary>The defaults described on the type.</summary>
    public static CandidateLimits Default { get; } = new();

    /// <summary>Largest candidate file taken into the grading workspace.</summary>
    public long MaxFileBytes { get; init; } = 16L << 20;

    /// <summary>Most candidate files examined.</summary>
    public int MaxFiles { get; init; } = 10_000;
}

/// <summary>What composing a grading workspace found.</summary>
/// <param name="Tampering">Protected files the candidate changed or deleted (restored before grading).</param>
/// <param name="OutOfScope">Candidate changes outside the editable files, which grading ignores.</param>
/// <param name="Refused">Entries never read: symbolic links, special files, oversized files.</param>
public sealed record GradingInputs(IReadOnlyList<TamperFlag> Tampering, IReadOnlyList<string> OutOfScope, IReadOnlyList<string> Refused);

/// <summary>
/// Builds the folder that is actually graded: the task's pristine starting files, then the candidate's
/// versions of the editable files only, then the pristine protected test files. Nothing else the
/// candidate wrote is taken, so a changed project file, an injected test or a planted result file
/// never reaches grading.
/// </summary>
public static class GradingWorkspace
{
    /// <summary>Composes <paramref name="gradingDir"/> from <paramref name="task"/> and <paramref name="candidateDir"/>.</summary>
    public static GradingInputs Compose(TaskSpec task, string candidateDir, string gradingDir, CandidateLimits? limits = null)
    {
        limits ??= CandidateLimits.Default;
        var protectedPaths = task.TestFiles.Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
        var startingByPath = task.StartingFiles.ToDictionary(f => f.Path, StringComparer.Ordinal);

        Workspaces.Materialize(task, gradingDir);

        var refused = new List<string>();
        var candidateFiles = Workspaces.ListRegularFiles(candidateDir, refused);
        if (candidateFiles.Count > limits.MaxFiles)
        {
            refused.Add($"{candidateFiles.Count - limits.MaxFiles} files beyond the first {limits.MaxFiles}");
            candidateFiles = [.. candidateFiles.Take(limits.MaxFiles)];
        }

        var outOfScope = new List<string>();
        var candidateSet = candidateFiles.ToHashSet(StringComparer.Ordinal);
        foreach (var rel in candidateFiles)
        {
            if (protectedPaths.Contains(rel))
            {
                continue;
            }
            var source = Path.Combine(candidateDir, rel);
            var editable = PathGlob.MatchesAny(rel, task.Editable);
            if (!editable)
            {
                if (!startingByPath.TryGetValue(rel, out var original) || !SameContent(original, source, limits))
                {
                    outOfScope.Add(rel);
                }
                continue;
            }
            var size = new FileInfo(source).Length;
            if (size > limits.MaxFileBytes)
            {
                refused.Add($"{rel} ({size} bytes, over the {limits.MaxFileBytes}-byte limit)");
                continue;
            }
            var dest = Workspaces.Resolve(gradingDir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(source, dest, overwrite: true);
        }

        // Editable starting files the candidate deleted are deleted in grading too: the deletion is the candidate's answer.
        foreach (var f in task.StartingFiles.Where(f => !protectedPaths.Contains(f.Path) && PathGlob.MatchesAny(f.Path, task.Editable) && !candidateSet.Contains(f.Path)))
        {
            File.Delete(Workspaces.Resolve(gradingDir, f.Path));
        }

        var tampering = new List<TamperFlag>();
        foreach (var t in task.TestFiles)
        {
            var candidate = Path.Combine(candidateDir, t.Path);
            if (!candidateSet.Contains(t.Path))
            {
                tampering.Add(new TamperFlag(t.Path, File.Exists(candidate) || new FileInfo(candidate).LinkTarget is not null ? "replaced by a non-regular file" : "deleted"));
            }
            else if (!SameContent(t, candidate, limits))
            {
                tampering.Add(new TamperFlag(t.Path, "modified"));
            }
            Workspaces.WriteTaskFile(t, gradingDir);
        }
        return new GradingInputs(tampering, outOfScope, refused);
    }

    private static bool SameContent(TaskFile original, string candidatePath, CandidateLimits limits)
    {
        var info = new FileInfo(candidatePath);
        if (info.Length > limits.MaxFileBytes)
        {
            return false;
        }
        var expected = Workspaces.ReadTaskFile(original);
        return info.Length == expected.Length && File.ReadAllBytes(candidatePath).AsSpan().SequenceEqual(expected);
    }
}

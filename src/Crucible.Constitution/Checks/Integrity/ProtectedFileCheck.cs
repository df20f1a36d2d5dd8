using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Integrity;

/// <summary><c>integrity.protected-file-modified</c>: a protected file (test or support file of the task) was changed or deleted.</summary>
public sealed class ProtectedFileCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.ProtectedFileModified;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        foreach (var path in input.Context.ProtectedFiles)
        {
            var pristine = input.PristineText(path);
            var after = input.CandidateText(path);
            if (pristine is null)
            {
                continue;
            }
            if (after is null)
            {
                yield return input.Finding(Id, "protected file deleted", path);
                continue;
            }
            if (pristine == after)
            {
                continue;
            }
            var changed = LineDiff.AddedLines(pristine, after);
            var first = changed.Count > 0 ? changed.Min() : (int?)null;
            var removed = first is null ? LineDiff.AddedLines(after, pristine).Count : 0;
            yield return input.Finding(Id,
                first is null ? $"protected file modified ({removed} line(s) removed)" : $"protected file modified ({changed.Count} line(s) added or changed)",
                path, first, first is null ? null : CheckInput.LineOf(after, first.Value));
        }
    }
}

using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.diff-scope</c>: files changed, added or deleted outside the files the task allows
/// (its editable globs). Protected files are left to <c>integrity.protected-file-modified</c>. Without a
/// task there is no scope to check.
/// </summary>
public sealed class DiffScopeCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.DiffScope;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        if (input.Context.Editable is null)
        {
            yield break;
        }
        foreach (var file in input.Changes.Changed)
        {
            if (input.IsEditable(file.Path) || input.Context.ProtectedFiles.Contains(file.Path))
            {
                continue;
            }
            var verb = file.Kind switch
            {
                FileChangeKind.Added => "added",
                FileChangeKind.Deleted => "deleted",
                _ => "modified",
            };
            var line = file.AddedLines.Count > 0 ? file.AddedLines.Min() : (int?)null;
            yield return input.Finding(Id, $"{verb} outside the files the task allows ({string.Join(", ", input.Context.Editable)})",
                file.Path, line, line is null || file.After is null ? null : CheckInput.LineOf(file.After, line.Value));
        }
    }
}

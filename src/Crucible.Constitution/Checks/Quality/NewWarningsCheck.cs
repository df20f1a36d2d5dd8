using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks.Quality;

/// <summary>
/// <c>quality.new-warnings</c>: C# compiler warnings the change introduced. Both sides are compiled
/// with Roslyn against the running runtime's assemblies (no build, no packages); a warning counts as
/// new when its file, id and message occur more often after the change than before. Only changed files
/// are reported.
/// </summary>
public sealed class NewWarningsCheck : ICheck
{
    /// <inheritdoc />
    public string Id => CheckIds.NewWarnings;

    /// <inheritdoc />
    public IEnumerable<Finding> Run(CheckInput input)
    {
        var changed = input.Changes.Changed
            .Where(f => f.After is not null && SourceLanguages.Of(f.Path) == SourceLanguage.CSharp)
            .ToDictionary(f => f.Path, StringComparer.Ordinal);
        if (changed.Count == 0)
        {
            yield break;
        }
        var before = input.CSharp.Warnings(after: false)
            .GroupBy(w => (w.Path, w.Id, w.Message))
            .ToDictionary(g => g.Key, g => g.Count());
        foreach (var group in input.CSharp.Warnings(after: true).Where(w => changed.ContainsKey(w.Path)).GroupBy(w => (w.Path, w.Id, w.Message)))
        {
            var had = before.GetValueOrDefault(group.Key);
            var file = changed[group.Key.Path];
            // When a warning's count grew, the new occurrences are the ones on added lines (or the last ones).
            var occurrences = group.OrderByDescending(w => file.AddedLines.Contains(w.Line)).ThenBy(w => w.Line).Take(Math.Max(0, group.Count() - had));
            foreach (var w in occurrences)
            {
                yield return input.Finding(Id, $"new compiler warning {w.Id}: {w.Message}", w.Path, w.Line, CheckInput.LineOf(file.After!, w.Line));
            }
        }
    }
}

using Crucible.Core.Integrity;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Testing;

/// <summary>
/// A test double for <see cref="IIntegrityChecker"/>: it flags every candidate file, protected test
/// files excepted, that contains a marker string chosen by the test, and records the folders it
/// checked. It is not the real integrity checker.
/// </summary>
public sealed class MarkerIntegrityChecker(string marker, string rule = "integrity.literal-special-casing") : IIntegrityChecker
{
    private readonly List<string> _checked = [];

    /// <summary>Candidate folders checked so far, in order.</summary>
    public IReadOnlyList<string> Checked => _checked;

    /// <inheritdoc />
    public Task<IReadOnlyList<IntegrityFlag>> CheckAsync(TaskSpec task, string candidatePath, CancellationToken cancellationToken = default)
    {
        _checked.Add(candidatePath);
        var tests = task.TestFiles.Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<IntegrityFlag> flags = [.. Directory.EnumerateFiles(candidatePath, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(candidatePath, f).Replace('\\', '/'))
            .Where(rel => !tests.Contains(rel) && File.ReadAllText(Path.Combine(candidatePath, rel)).Contains(marker, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(rel => new IntegrityFlag(rule, $"found '{marker}'", rel))];
        return Task.FromResult(flags);
    }
}

using Crucible.Agent.Tools;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Permissions;

/// <summary>
/// The test files that existed when the session started. Changing one — or creating a file that is test infrastructure
/// by name (<see cref="IsInfrastructureByName"/>) — needs the user's explicit approval in every mode, unless test
/// edits are allowed; new test files may be added freely.
/// </summary>
public sealed class ProtectedTestFiles
{
    private readonly HashSet<string> _paths;

    /// <summary>
    /// The name rules of <see cref="TestConvention"/> (workspace-relative globs): its test patterns followed by
    /// its infrastructure patterns. <see cref="Scan"/> without patterns also applies the convention's content rules.
    /// </summary>
    public static IReadOnlyList<string> DefaultPatterns { get; } = [.. TestConvention.TestPatterns, .. TestConvention.InfrastructurePatterns];

    /// <summary>Creates the set from workspace-relative paths.</summary>
    public ProtectedTestFiles(IEnumerable<string> paths)
    {
        _paths = new HashSet<string>(paths.Select(PathGlob.Normalize), StringComparer.Ordinal);
    }

    /// <summary>No protected files (a session outside a repository, or with protection off).</summary>
    public static ProtectedTestFiles None { get; } = new([]);

    /// <summary>The protected paths, sorted.</summary>
    public IReadOnlyList<string> Paths => _paths.Order(StringComparer.Ordinal).ToList();

    /// <summary>True when <paramref name="relativePath"/> is protected.</summary>
    public bool Contains(string relativePath) => _paths.Contains(PathGlob.Normalize(relativePath));

    /// <summary>
    /// True when <see cref="TestConvention"/> names <paramref name="relativePath"/> test infrastructure by its name alone
    /// (<c>conftest.py</c>, <c>pytest.ini</c>, <c>Directory.Build.targets</c>, <c>*.runsettings</c>, ...): such a file decides
    /// which tests run and how, so creating one is gated like editing an existing test, even though it did not exist at the start.
    /// </summary>
    public static bool IsInfrastructureByName(string relativePath) =>
        TestConvention.Default.Classify(relativePath).Role == TestFileRole.Infrastructure;

    /// <summary>
    /// Scans <paramref name="workspaceRoot"/> at session start: every existing test or test-infrastructure file
    /// (<see cref="TestConvention.Scan"/>, or the files matching <paramref name="patterns"/> when given; git-ignored
    /// files and <c>.git</c> skipped), plus all of the task's <see cref="TaskSpec.TestFiles"/> (the grading tests, present or not).
    /// </summary>
    /// <param name="workspaceRoot">The workspace.</param>
    /// <param name="task">The task whose grading tests are protected too, when the agent works on one.</param>
    /// <param name="patterns">Globs used instead of the convention.</param>
    /// <param name="testCommand">The repository's test command: the scripts and make files it runs are test infrastructure too.</param>
    public static ProtectedTestFiles Scan(string workspaceRoot, TaskSpec? task = null, IEnumerable<string>? patterns = null, string? testCommand = null)
    {
        var workspace = new WorkspacePaths(workspaceRoot);
        var walker = new WorkspaceWalker(workspace);
        var root = workspace.Resolve(".", PathAccess.Read);
        var files = walker.Files(root).ToList();
        List<string> found;
        if (patterns is null)
        {
            found = TestConvention.Scan(workspace.Root, files, testCommand).Select(f => f.Path).ToList();
        }
        else
        {
            var globs = patterns.Select(p => new PathGlob(p)).ToList();
            found = files.Where(f => globs.Any(g => g.IsMatch(f))).ToList();
        }
        if (task is not null)
        {
            found.AddRange(task.TestFiles.Select(t => PathGlob.Normalize(t.Path)));
        }
        return new ProtectedTestFiles(found);
    }
}

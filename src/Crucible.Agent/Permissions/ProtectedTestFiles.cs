using Crucible.Agent.Tools;
using Crucible.Core.Tasks;

namespace Crucible.Agent.Permissions;

/// <summary>
/// The test files that existed when the session started. Changing one needs the user's explicit
/// approval in every mode, unless test edits are allowed; new test files may be added freely.
/// </summary>
public sealed class ProtectedTestFiles
{
    private readonly HashSet<string> _paths;

    /// <summary>
    /// Conventional test file locations (workspace-relative globs): C# <c>*Tests.cs</c>/<c>*Test.cs</c>,
    /// <c>tests/</c>, <c>test/</c> and <c>__tests__/</c> folders, Python <c>test_*.py</c>/<c>*_test.py</c>/<c>conftest.py</c>,
    /// Go <c>*_test.go</c>, JavaScript/TypeScript <c>*.test.*</c>/<c>*.spec.*</c>, Java <c>*Test.java</c>/<c>*Tests.java</c>.
    /// </summary>
    public static IReadOnlyList<string> DefaultPatterns { get; } =
    [
        "**/*Tests.cs", "**/*Test.cs", "**/tests/**", "**/test/**", "**/__tests__/**",
        "**/test_*.py", "**/*_test.py", "**/conftest.py", "**/*_test.go",
        "**/*.test.js", "**/*.test.ts", "**/*.test.jsx", "**/*.test.tsx", "**/*.test.mjs",
        "**/*.spec.js", "**/*.spec.ts", "**/*.spec.jsx", "**/*.spec.tsx",
        "**/*Test.java", "**/*Tests.java",
    ];

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
    /// Scans <paramref name="workspaceRoot"/> at session start: every existing file matching
    /// <paramref name="patterns"/> (default <see cref="DefaultPatterns"/>; git-ignored files and <c>.git</c>
    /// skipped), plus all of the task's <see cref="TaskSpec.TestFiles"/> (the grading tests, present or not).
    /// </summary>
    public static ProtectedTestFiles Scan(string workspaceRoot, TaskSpec? task = null, IEnumerable<string>? patterns = null)
    {
        var workspace = new WorkspacePaths(workspaceRoot);
        var globs = (patterns ?? DefaultPatterns).Select(p => new PathGlob(p)).ToList();
        var walker = new WorkspaceWalker(workspace);
        var root = workspace.Resolve(".", PathAccess.Read);
        var found = walker.Files(root).Where(f => globs.Any(g => g.IsMatch(f))).ToList();
        if (task is not null)
        {
            found.AddRange(task.TestFiles.Select(t => PathGlob.Normalize(t.Path)));
        }
        return new ProtectedTestFiles(found);
    }
}

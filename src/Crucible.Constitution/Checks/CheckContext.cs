using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Checks;

/// <summary>
/// What the checks know about the task behind a change, when there is one: the protected files and
/// their pristine text, the files the solver may change, the reference files and the instructions.
/// Without a task (<see cref="None"/>), test files are recognised by naming convention and diff scope
/// is not checked.
/// </summary>
public sealed record CheckContext
{
    /// <summary>No task: conventions only.</summary>
    public static CheckContext None { get; } = new();

    /// <summary>Workspace-relative paths of protected files (tests, support files).</summary>
    public IReadOnlyList<string> ProtectedFiles { get; init; } = [];

    /// <summary>Pristine text of the protected files, keyed by path (the source of test literals and test counts).</summary>
    public IReadOnlyDictionary<string, string> PristineTests { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Text of protected files as the task ships them, for the files the harness adjusts before the
    /// solver sees them (an Exercism test file with its upstream <c>Skip</c> markers). A candidate may
    /// hold either version; <see cref="CheckInput.PristineText"/> compares it with the one it derives from.
    /// </summary>
    public IReadOnlyDictionary<string, string> ShippedTests { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Protected files the solver never sees (a native task's hidden <c>tests/</c>): their absence from
    /// a candidate is expected, and grading supplies them.
    /// </summary>
    public IReadOnlyList<string> HiddenFiles { get; init; } = [];

    /// <summary>Globs of the files the solver may change, or null when unknown (diff scope is then not checked).</summary>
    public IReadOnlyList<string>? Editable { get; init; }

    /// <summary>Workspace-relative paths of the reference solution and where it lives in the task (e.g. <c>.meta/Example.cs</c>).</summary>
    public IReadOnlyList<string> ReferenceFiles { get; init; } = [];

    /// <summary>The task statement, or empty.</summary>
    public string Instructions { get; init; } = "";

    /// <summary>The task id, for reports, or null.</summary>
    public string? TaskId { get; init; }

    /// <summary>The context of <paramref name="task"/>.</summary>
    public static CheckContext FromTask(TaskSpec task)
    {
        var pristine = new Dictionary<string, string>(StringComparer.Ordinal);
        var shipped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in task.TestFiles)
        {
            var path = PathGlob.Normalize(f.Path);
            pristine[path] = Changes.ChangeSet.Normalize(System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f)).TrimStart('\uFEFF'));
            if (Changes.TaskBaseline.Versions(f) is { Count: 2 } versions)
            {
                shipped[path] = versions[1];
            }
        }
        // Grading supplies what the solver never sees and what the harness made itself (a test shim).
        var harnessMade = task.StartingFiles.Where(Changes.TaskBaseline.IsHarnessMade).Select(f => PathGlob.Normalize(f.Path));
        // Where the reference lives in the task folder (e.g. .meta/Example.cs), not the solution name it maps onto.
        var references = task.ReferenceFiles.Select(f => PathGlob.Normalize(Path.GetRelativePath(task.SourcePath, f.SourcePath)))
            .Distinct(StringComparer.Ordinal).ToList();
        return new CheckContext
        {
            ProtectedFiles = [.. pristine.Keys],
            HiddenFiles = [.. pristine.Keys.Except(task.StartingFiles.Select(f => PathGlob.Normalize(f.Path)), StringComparer.Ordinal).Union(pristine.Keys.Intersect(harnessMade, StringComparer.Ordinal), StringComparer.Ordinal)],
            PristineTests = pristine,
            ShippedTests = shipped,
            Editable = task.Editable,
            ReferenceFiles = references,
            Instructions = task.Instructions,
            TaskId = task.Id,
        };
    }
}

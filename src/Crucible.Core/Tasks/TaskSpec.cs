using Crucible.Core.Sandbox;

namespace Crucible.Core.Tasks;

/// <summary>
/// A verifiable coding task, independent of where it came from (a native <c>task.yaml</c> folder or
/// an imported benchmark layout). All paths in <see cref="TaskFile.Path"/> are relative to the
/// workspace root and use forward slashes.
/// </summary>
public sealed record TaskSpec
{
    /// <summary>Stable id, unique within a suite (e.g. <c>two-fer</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Language of the solution (<c>csharp</c>, <c>python</c>, <c>go</c>, ...).</summary>
    public required string Language { get; init; }

    /// <summary>Absolute path of the folder the task was loaded from.</summary>
    public required string SourcePath { get; init; }

    /// <summary>Where the task came from: <c>native</c>, <c>exercism</c>, <c>aider-polyglot</c>.</summary>
    public string Format { get; init; } = "native";

    /// <summary>The task statement shown to a solver (Markdown).</summary>
    public required string Instructions { get; init; }

    /// <summary>The starting workspace the solver sees: stubs, tests and support files.</summary>
    public required IReadOnlyList<TaskFile> StartingFiles { get; init; }

    /// <summary>
    /// The pristine test files. They are restored over the workspace before grading; any difference
    /// from these is a tamper flag.
    /// </summary>
    public required IReadOnlyList<TaskFile> TestFiles { get; init; }

    /// <summary>The reference solution, overlaid on the starting files by the reference solver. Empty when there is none.</summary>
    public IReadOnlyList<TaskFile> ReferenceFiles { get; init; } = [];

    /// <summary>Glob patterns (workspace-relative) of files the solver may change or create.</summary>
    public required IReadOnlyList<string> Editable { get; init; }

    /// <summary>How tests are built, run and read back.</summary>
    public required TestRunnerSpec Runner { get; init; }

    /// <summary>Limits for building and testing.</summary>
    public TaskLimits Limits { get; init; } = TaskLimits.Default;

    /// <summary>Difficulty as given by the source, if any (Exercism uses 1-10).</summary>
    public int? Difficulty { get; init; }

    /// <summary>
    /// Adjustments the loader made so the task builds here (package version substitutions, un-skipped
    /// tests). Reported with every verdict of this task.
    /// </summary>
    public IReadOnlyList<string> Adjustments { get; init; } = [];

    /// <summary>Free-form labels from the source (e.g. <c>refactoring</c>, <c>deprecated</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Differential testing against <see cref="ReferenceFiles"/> (the <c>differential:</c> section of <c>task.yaml</c>).</summary>
    public DifferentialSpec Differential { get; init; } = DifferentialSpec.Inferred;
}

/// <summary>A file of a task: where it goes in the workspace and its content on disk.</summary>
/// <param name="Path">Workspace-relative path with forward slashes.</param>
/// <param name="SourcePath">Absolute host path of the content.</param>
public sealed record TaskFile(string Path, string SourcePath)
{
    /// <summary>
    /// Content that replaces the file on disk when not null (used by importers that adjust a file,
    /// such as removing upstream <c>Skip</c> markers, without touching the source data).
    /// </summary>
    public string? Content { get; init; }
}

/// <summary>How a task's tests are built and run.</summary>
public sealed record TestRunnerSpec
{
    /// <summary>The runner kind: <c>dotnet-xunit</c>, <c>pytest</c>, <c>go-test</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The build command a person or agent would type (informational for fast-path runners).</summary>
    public string? BuildCommand { get; init; }

    /// <summary>The test command a person or agent would type (informational for fast-path runners).</summary>
    public string? TestCommand { get; init; }

    /// <summary>NuGet packages the test project needs (id → version), after substitution.</summary>
    public IReadOnlyDictionary<string, string> Packages { get; init; } = new Dictionary<string, string>();

    /// <summary>Runner-specific settings from <c>task.yaml</c> (e.g. <c>root_namespace</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>Limits for one task. Defaults: 10 minutes of build, 5 minutes of tests, and the sandbox defaults otherwise.</summary>
public sealed record TaskLimits
{
    /// <summary>The defaults described on the type.</summary>
    public static TaskLimits Default { get; } = new();

    /// <summary>Wall time for the build step.</summary>
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Wall time for the test step.</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Sandbox limits for both steps; wall time is replaced by the step's timeout.</summary>
    public ResourceLimits Resources { get; init; } = ResourceLimits.Default;
}

/// <summary>Thrown when a task or suite cannot be loaded. The message names the file, the problem and the fix.</summary>
public sealed class TaskLoadException(string message, string? fix = null, string? path = null, int? line = null)
    : BadInputException(message, fix)
{
    /// <summary>The file at fault, when known.</summary>
    public string? FilePath { get; } = path;

    /// <summary>1-based line in <see cref="FilePath"/>, when known.</summary>
    public int? Line { get; } = line;
}

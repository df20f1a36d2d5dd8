using Crucible.Core.Tasks;

namespace Crucible.Verification.Tasks;

/// <summary>Loads a suite from any supported layout, and filters its tasks.</summary>
public static class TaskSuites
{
    /// <summary>The layouts tried, in order.</summary>
    public static IReadOnlyList<ITaskSource> Sources { get; } = [new NativeTaskSource(), new ExercismTaskSource(), new HumanEvalTaskSource()];

    /// <summary>
    /// Loads the suite (or single task) at <paramref name="path"/>, with each task's differential configuration: its
    /// task.yaml over <paramref name="differential"/> (a user's <c>--differential-config</c>) over the overlays Crucible
    /// ships (<see cref="DifferentialOverlay"/>). This is the one place overlays are applied.
    /// </summary>
    /// <exception cref="TaskLoadException">The path does not exist, holds no tasks, or a task is malformed.</exception>
    public static TaskSuite Load(string path, DifferentialOverlay? differential = null)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new TaskLoadException(
                File.Exists(full) ? $"suite path '{path}' is a file, not a folder" : $"suite path '{path}' does not exist",
                "pass a folder of tasks (each with a task.yaml or an Exercism .meta/config.json), or one task folder");
        }
        var source = Sources.FirstOrDefault(s => s.CanRead(full))
            ?? throw new TaskLoadException(
                $"no tasks found in '{path}': no task.yaml, no Exercism .meta/config.json and no HumanEval.jsonl(.gz) in it or its sub-folders",
                "point at a suite folder (see docs/tasks.md), e.g. 'examples' or '../shared/benchmarks/exercism-csharp/exercises/practice'");
        var suite = source.Load(full);
        if (suite.Tasks.Count == 0 && suite.Unsupported.Count == 0)
        {
            throw new TaskLoadException($"no tasks found in '{path}'", "check the folder layout (see docs/tasks.md)");
        }
        return DifferentialOverlay.Apply(suite, differential);
    }

    /// <summary>Keeps the tasks whose id matches <paramref name="glob"/> (<c>*</c>, <c>?</c>, <c>**</c>; comma-separated alternatives).</summary>
    public static TaskSuite Filter(TaskSuite suite, string? glob)
    {
        if (string.IsNullOrWhiteSpace(glob))
        {
            return suite;
        }
        var patterns = glob.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // A pattern without '/' also matches the last segment of a track-qualified id ("bob*" keeps "python/bobcat").
        bool Keep(string id) => patterns.Any(p => new PathGlob(p).IsMatch(id) || (!p.Contains('/') && new PathGlob(p).IsMatch(id[(id.LastIndexOf('/') + 1)..])));
        return suite with
        {
            Tasks = [.. suite.Tasks.Where(t => Keep(t.Id))],
            Unsupported = [.. suite.Unsupported.Where(u => Keep(u.Id))],
        };
    }
}

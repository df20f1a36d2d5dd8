namespace Crucible.Core.Tasks;

/// <summary>Reads tasks from a folder in one layout (native <c>task.yaml</c>, Exercism, Aider polyglot).</summary>
public interface ITaskSource
{
    /// <summary>Name of the layout, e.g. <c>native</c>.</summary>
    string Format { get; }

    /// <summary>True when <paramref name="suitePath"/> is a suite (or a single task) in this layout.</summary>
    bool CanRead(string suitePath);

    /// <summary>Loads every task of the suite, sorted by id. Throws <see cref="TaskLoadException"/> on bad input.</summary>
    TaskSuite Load(string suitePath);
}

/// <summary>The tasks of a suite, plus the entries that could not be offered, each with its reason.</summary>
/// <param name="Path">Absolute path of the suite.</param>
/// <param name="Format">Layout the suite was read with.</param>
/// <param name="Tasks">Loaded tasks, sorted by id.</param>
/// <param name="Unsupported">Entries found but not loadable here (unsupported language, ...), never silently dropped.</param>
public sealed record TaskSuite(string Path, string Format, IReadOnlyList<TaskSpec> Tasks, IReadOnlyList<UnsupportedTask> Unsupported)
{
    /// <summary>A suite with only tasks.</summary>
    public TaskSuite(string path, string format, IReadOnlyList<TaskSpec> tasks) : this(path, format, tasks, []) { }
}

/// <summary>A task folder that was found but cannot be run here.</summary>
/// <param name="Id">Its id (folder name, possibly language-qualified).</param>
/// <param name="Path">Its folder.</param>
/// <param name="Reason">Why it cannot be run.</param>
public sealed record UnsupportedTask(string Id, string Path, string Reason);

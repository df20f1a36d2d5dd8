namespace Crucible.Core.Tasks;

/// <summary>Reads tasks from a folder in one layout (native <c>task.yaml</c>, Exercism, Aider polyglot).</summary>
public interface ITaskSource
{
    /// <summary>Name of the layout, e.g. <c>native</c>.</summary>
    string Format { get; }

    /// <summary>True when <paramref name="suitePath"/> is a suite (or a single task) in this layout.</summary>
    bool CanRead(string suitePath);

    /// <summary>Loads every task of the suite, sorted by id. Throws <see cref="TaskLoadException"/> on bad input.</summary>
    IReadOnlyList<TaskSpec> Load(string suitePath);
}

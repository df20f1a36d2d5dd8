using Crucible.Core.Tasks;
using Crucible.Verification.Tasks;

namespace Crucible.Server;

/// <summary>
/// The suites a server offers, by name. Each suite is loaded once, on first use, with the loaders <c>crucible eval</c>
/// uses (<see cref="TaskSuites.Load"/>). Tasks are named <c>suite/id</c> (an id may itself contain <c>/</c>).
/// </summary>
public sealed class TaskCatalog
{
    private readonly Dictionary<string, Lazy<TaskSuite>> _suites;

    /// <summary>Creates the catalog of <paramref name="suites"/> (name → folder).</summary>
    public TaskCatalog(IReadOnlyDictionary<string, string> suites) =>
        _suites = suites.ToDictionary(s => s.Key, s => new Lazy<TaskSuite>(() => TaskSuites.Load(s.Value)), StringComparer.Ordinal);

    /// <summary>The suite names.</summary>
    public IReadOnlyList<string> SuiteNames => [.. _suites.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Every served task, as <c>suite/id</c> with its language, editable files and instructions.</summary>
    public IReadOnlyList<TaskInfo> List() =>
        [.. _suites.Keys.Order(StringComparer.Ordinal).SelectMany(s => _suites[s].Value.Tasks.Select(t => new TaskInfo($"{s}/{t.Id}", t.Language, t.Editable, t.Instructions)))];

    /// <summary>The task <paramref name="id"/> of <paramref name="suite"/>.</summary>
    /// <exception cref="ApiException">404 <c>unknown_task</c> for an unknown suite or id.</exception>
    public TaskSpec Find(string? suite, string? id)
    {
        if (string.IsNullOrEmpty(suite) || !_suites.TryGetValue(suite, out var lazy))
        {
            throw new ApiException(404, "unknown_task", $"unknown suite '{suite}'", $"use one of the served suites: {string.Join(", ", SuiteNames)} (GET /v1/tasks lists the tasks)");
        }
        return lazy.Value.Tasks.FirstOrDefault(t => t.Id == id)
            ?? throw new ApiException(404, "unknown_task", $"suite '{suite}' has no task '{id}'", "GET /v1/tasks lists the served tasks as suite/id");
    }

    /// <summary>The task named <c>suite/id</c>.</summary>
    /// <exception cref="ApiException">404 <c>unknown_task</c>.</exception>
    public TaskSpec Find(string? name)
    {
        var slash = name?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash <= 0)
        {
            throw new ApiException(404, "unknown_task", $"task name '{name}' is not of the form suite/id", "name tasks as suite/id (GET /v1/tasks lists them)");
        }
        return Find(name![..slash], name[(slash + 1)..]);
    }
}

using Crucible.Core.Tasks;

namespace Crucible.Verification.Tasks;

/// <summary>
/// Differential configuration for tasks that ship no <c>task.yaml</c> (Exercism, Aider): the keys of task.yaml's
/// <c>differential:</c> section, keyed by task. A file of schema <c>crucible.differential-config</c> version 1:
/// <code>
/// schema: crucible.differential-config
/// version: 1
/// tasks:
///   python/scale-generator:       # a task id, or language/slug
///     reason: why this entry exists
///     requires:
///       Scale.interval: "..."
/// </code>
/// A key matches a task whose id is the key, or, written <c>language/slug</c>, a task of that language whose id ends
/// with <c>/slug</c> or is <c>slug</c> (so one key serves a suite loaded as a folder of tracks or as one track).
/// Precedence, per key: task.yaml, then the user's file (<c>--differential-config</c>), then the overlays Crucible
/// ships (<see cref="BuiltIn"/>, which apply to the public suites only: tasks read from the Exercism layout).
/// </summary>
public sealed class DifferentialOverlay
{
    /// <summary>The schema name of an overlay file.</summary>
    public const string Schema = "crucible.differential-config";

    /// <summary>The schema version read.</summary>
    public const int Version = 1;

    private const string BuiltInResource = "differential-overlays.yaml";

    private static readonly Lazy<DifferentialOverlay> BuiltInOverlay = new(() =>
    {
        using var stream = typeof(DifferentialOverlay).Assembly.GetManifestResourceStream(BuiltInResource)!;
        using var reader = new StreamReader(stream);
        return Parse($"crucible:{BuiltInResource}", reader, "built-in overlay");
    });

    private readonly IReadOnlyList<(string Key, DifferentialSpec Spec)> _entries;

    private DifferentialOverlay(string name, IReadOnlyList<(string Key, DifferentialSpec Spec)> entries)
    {
        Name = name;
        _entries = entries;
    }

    /// <summary>The overlays Crucible ships for the public suites it knows (docs/hidden-tests.md says why each entry exists).</summary>
    public static DifferentialOverlay BuiltIn => BuiltInOverlay.Value;

    /// <summary>Where the overlay comes from (a file path, or the built-in resource).</summary>
    public string Name { get; }

    /// <summary>The task keys configured, in file order.</summary>
    public IReadOnlyList<string> Keys => [.. _entries.Select(e => e.Key)];

    /// <summary>Reads a user's overlay file.</summary>
    /// <exception cref="TaskLoadException">The file is missing or malformed; the message names the file, line and key, and the fix.</exception>
    public static DifferentialOverlay Load(string file)
    {
        var full = Path.GetFullPath(file);
        if (!File.Exists(full))
        {
            throw new TaskLoadException($"differential config '{file}' does not exist", $"pass a YAML file of schema {Schema} (see docs/hidden-tests.md) to --differential-config", full);
        }
        using var reader = File.OpenText(full);
        return Parse(full, reader, $"--differential-config {full}");
    }

    private static DifferentialOverlay Parse(string file, TextReader text, string sourceLabel)
    {
        var y = YamlReader.Load(file, text, ["schema", "version", "tasks"]);
        var schema = y.OptionalString("schema");
        if (schema != Schema)
        {
            throw y.ErrorAt("schema", $"'schema' must be '{Schema}', got '{schema ?? "(none)"}'", $"start the file with 'schema: {Schema}' and 'version: {Version}'");
        }
        var version = y.OptionalInt("version");
        if (version != Version)
        {
            throw y.ErrorAt("version", $"'version' must be {Version}, got '{version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}'", $"write 'version: {Version}'");
        }
        var entries = new List<(string, DifferentialSpec)>();
        foreach (var (key, entry) in y.Mappings("tasks", [.. NativeTaskSource.DifferentialKeys, "reason"]))
        {
            var spec = NativeTaskSource.ReadDifferentialSection(entry);
            entries.Add((key, spec with { Sources = [$"{sourceLabel} ({key})"] }));
        }
        if (entries.Count == 0)
        {
            throw y.ErrorAt("tasks", $"{file} configures no task", "add 'tasks:' with one entry per task id, e.g. 'python/scale-generator:'");
        }
        return new DifferentialOverlay(sourceLabel, entries);
    }

    /// <summary>The configuration this overlay gives <paramref name="task"/>, or null when no key matches it.</summary>
    public DifferentialSpec? For(TaskSpec task)
    {
        DifferentialSpec? found = null;
        // Exact ids before language/slug keys: the more specific entry wins where both match.
        foreach (var (_, spec) in _entries.Where(e => e.Key == task.Id).Concat(_entries.Where(e => e.Key != task.Id && Matches(e.Key, task))))
        {
            found = found is null ? spec : found.Over(spec);
        }
        return found;
    }

    /// <summary>True when <paramref name="key"/> (<c>language/slug</c>) names <paramref name="task"/>'s language and slug.</summary>
    private static bool Matches(string key, TaskSpec task)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || key[..slash] != task.Language)
        {
            return false;
        }
        var slug = key[(slash + 1)..];
        return task.Id == slug || task.Id.EndsWith("/" + slug, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every task of <paramref name="suite"/> with its differential configuration: its own (task.yaml) over
    /// <paramref name="user"/>'s entry over the built-in one (built-ins only for tasks read from the Exercism layout).
    /// </summary>
    public static TaskSuite Apply(TaskSuite suite, DifferentialOverlay? user)
    {
        var builtIn = suite.Format == "exercism" ? BuiltIn : null;
        if (user is null && builtIn is null)
        {
            return suite;
        }
        return suite with
        {
            Tasks = [.. suite.Tasks.Select(t =>
            {
                var spec = t.Differential;
                if (user?.For(t) is { } fromUser)
                {
                    spec = spec.Over(fromUser);
                }
                if (builtIn?.For(t) is { } shipped)
                {
                    spec = spec.Over(shipped);
                }
                return ReferenceEquals(spec, t.Differential) ? t : t with { Differential = spec };
            })],
        };
    }
}

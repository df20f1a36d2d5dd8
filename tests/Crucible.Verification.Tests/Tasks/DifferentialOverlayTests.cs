using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Tasks;

/// <summary>
/// Differential configuration for suites without task.yaml: the overlays Crucible ships, a user's
/// <c>--differential-config</c> file, and their precedence (task.yaml, then the user's file, then the built-in overlay).
/// </summary>
public sealed class DifferentialOverlayTests : IDisposable
{
    private readonly TempDirectory _dir = new("differential-overlay");

    public void Dispose() => _dir.Dispose();

    private static string AiderTask(string language, string slug) => Path.Combine(TestPaths.AiderPolyglot, language, "exercises", "practice", slug);

    private const string BuiltInPython = "built-in overlay (python/scale-generator)";

    [Fact]
    public void The_built_in_overlay_configures_the_public_scale_generator_tasks_however_the_suite_is_loaded_and_nothing_else()
    {
        var alone = Assert.Single(TaskSuites.Load(AiderTask("python", "scale-generator")).Tasks);
        var inTracks = TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), "python/scale-generator,go/scale-generator").Tasks;
        var csharp = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("scale-generator")).Tasks);
        var native = TaskSuites.Load(TestPaths.Examples).Tasks;
        var otherPython = Assert.Single(TaskSuites.Load(AiderTask("python", "bowling")).Tasks);

        // One track folder gives the id "scale-generator", the folder of tracks "python/scale-generator": the key
        // "python/scale-generator" matches both by language and slug.
        Assert.Equal("scale-generator", alone.Id);
        Assert.Equal(["go/scale-generator", "python/scale-generator"], inTracks.Select(t => t.Id));
        Assert.Equal(alone.Differential, inTracks.Single(t => t.Language == "python").Differential, SpecComparer.Instance);
        Assert.Equal([BuiltInPython], alone.Differential.Sources);
        Assert.Equal(["Scale.interval"], alone.Differential.Requires.Keys);
        Assert.Contains("== 12", alone.Differential.Requires["Scale.interval"], StringComparison.Ordinal);
        Assert.Equal("Scale", alone.Differential.HintEntryPoint);
        Assert.Equal(26, alone.Differential.Inputs.Count);
        // Nothing else is configured: no opt-out, no tolerance, no ordering, no seed.
        Assert.Equal((null, null, null, null), (alone.Differential.Enabled, alone.Differential.Tolerance, alone.Differential.Ordering, alone.Differential.Seed));
        var go = inTracks.Single(t => t.Language == "go").Differential;
        Assert.Equal(["built-in overlay (go/scale-generator)"], go.Sources);
        Assert.Equal(["Scale"], go.Requires.Keys);
        Assert.Equal(["built-in overlay (csharp/scale-generator)"], csharp.Differential.Sources);
        Assert.Equal(["ScaleGenerator.Chromatic", "ScaleGenerator.Interval"], csharp.Differential.Requires.Keys.Order(StringComparer.Ordinal));
        // No entry for other tasks or native suites: they keep what they had.
        Assert.Equal(DifferentialSpec.Inferred, otherPython.Differential);
        Assert.All(native, t => Assert.Empty(t.Differential.Sources));
    }

    [Fact]
    public void A_user_file_sits_between_task_yaml_and_the_built_in_overlay_key_by_key()
    {
        var user = _dir.Write("contracts.yaml", """
            schema: crucible.differential-config
            version: 1
            tasks:
              python/scale-generator:
                reason: a stricter domain of my own
                tolerance: 1e-3
                requires:
                  Scale.interval: "True"
                  Scale: "len(tonic) <= 2"
              slugify:
                tolerance: 0.01
                seed: 5
            """);
        // A native task whose task.yaml sets the tolerance: it wins over the user's file for that key only.
        CopyTree(Path.Combine(TestPaths.Examples, "slugify"), _dir["suite/slugify"]);
        File.AppendAllText(_dir["suite/slugify/task.yaml"], "differential:\n  tolerance: 1e-6\n");
        var overlay = DifferentialOverlay.Load(user);

        var scale = Assert.Single(TaskSuites.Load(AiderTask("python", "scale-generator"), overlay).Tasks).Differential;
        var slugify = Assert.Single(TaskSuites.Load(_dir["suite"], overlay).Tasks).Differential;

        var fromUser = $"--differential-config {user} (python/scale-generator)";
        var builtIn = Assert.Single(TaskSuites.Load(AiderTask("python", "scale-generator")).Tasks).Differential;
        Assert.Equal(new DifferentialSpec
        {
            Tolerance = 1e-3,
            // Contracts merge per entry point: the user's replaces the built-in one for Scale.interval and adds Scale.
            Requires = new Dictionary<string, string> { ["Scale.interval"] = "True", ["Scale"] = "len(tonic) <= 2" },
            // The user set no inputs: the built-in hints stay.
            Inputs = builtIn.Inputs,
            HintEntryPoint = "Scale",
            Sources = [fromUser, BuiltInPython],
        }, scale, SpecComparer.Instance);
        Assert.Equal(new DifferentialSpec
        {
            Tolerance = 1e-6,
            Seed = 5,
            Sources = ["task.yaml", $"--differential-config {user} (slugify)"],
        }, slugify, SpecComparer.Instance);
    }

    [Theory]
    [InlineData("schema: crucible.differential-config\nversion: 1\ntasks:\n  python/bob:\n    tolerence: 1e-6\n", ":5:", "unknown key 'tolerence'", "did you mean 'tolerance'?")]
    [InlineData("version: 1\ntasks:\n  python/bob:\n    tolerance: 1e-6\n", ":1:", "'schema' must be 'crucible.differential-config'", "schema: crucible.differential-config")]
    [InlineData("schema: crucible.differential-config\nversion: 1\ntasks:\n  python/bob:\n    requires:\n      'response(x)': 'True'\n", ":6:", "'requires' key 'response(x)' is not an entry point name", "Type.Method")]
    [InlineData("schema: crucible.differential-config\nversion: 1\ntasks:\n  python/bob:\n    ordering: sorted\n", ":5:", "'ordering' must be 'ordered' or 'unordered'", "ordering: unordered")]
    [InlineData("schema: crucible.differential-config\nversion: 1\ntasks:\n  python/bob: [1, 2]\n", ":4:", "every entry of 'tasks' must be 'name:' followed by an indented mapping", "indent")]
    public void A_bad_overlay_file_is_bad_input_naming_the_file_line_key_and_fix(string text, string line, string problem, string fix)
    {
        var file = _dir.Write("bad.yaml", text);

        var e = Assert.Throws<TaskLoadException>(() => DifferentialOverlay.Load(file));

        Assert.StartsWith(file + line, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains(fix, e.Fix, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Crucible.Core.BadInputException>(e);
    }

    [Fact]
    public void A_missing_overlay_file_names_the_path_and_the_fix()
    {
        var e = Assert.Throws<TaskLoadException>(() => DifferentialOverlay.Load(_dir["none.yaml"]));

        Assert.Equal(($"differential config '{_dir["none.yaml"]}' does not exist", _dir["none.yaml"]), (e.Message, e.FilePath));
        Assert.Contains("--differential-config", e.Fix, StringComparison.Ordinal);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }

    /// <summary>Whole-spec equality by value (the record's collections compare by reference).</summary>
    private sealed class SpecComparer : IEqualityComparer<DifferentialSpec>
    {
        public static SpecComparer Instance { get; } = new();

        public bool Equals(DifferentialSpec? x, DifferentialSpec? y) =>
            x is not null && y is not null
            && (x.Enabled, x.Tolerance, x.Ordering, x.HintEntryPoint, x.Seed) == (y.Enabled, y.Tolerance, y.Ordering, y.HintEntryPoint, y.Seed)
            && x.EntryPoints.SequenceEqual(y.EntryPoints) && x.Inputs.SequenceEqual(y.Inputs) && x.Sources.SequenceEqual(y.Sources)
            && x.Requires.Count == y.Requires.Count && x.Requires.All(p => y.Requires.TryGetValue(p.Key, out var v) && v == p.Value);

        public int GetHashCode(DifferentialSpec obj) => 0;
    }
}

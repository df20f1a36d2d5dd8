using System.Text;
using System.Text.Json;
using Crucible.Core.Tasks;
using Crucible.Verification.Dotnet;

namespace Crucible.Verification.Tasks;

/// <summary>
/// Reads the Exercism track layout directly: each exercise folder has <c>.meta/config.json</c> naming
/// its solution, test, example (or exemplar), editor and invalidator files, and <c>.docs/</c> holding
/// the instructions. Works on one exercise, a folder of exercises, a track root, or a folder of
/// tracks such as Aider's polyglot benchmark. The shared data is never modified: adjustments (un-skipped
/// tests, package substitutions) are applied to in-memory copies and reported on the task.
/// </summary>
public sealed class ExercismTaskSource : ITaskSource
{
    private const string ConfigPath = ".meta/config.json";

    /// <summary>Source text of the shim that stands in for the <c>Exercism.Tests.xunit.v3</c> package (missing from this NuGet copy).</summary>
    internal const string ExercismTestsShim = """
        // Provided by Crucible: stands in for the Exercism.Tests.xunit.v3 package, which this machine's
        // NuGet copy does not hold. The tests use only [Task(n)], which labels a test with its task number.
        namespace Exercism.Tests
        {
            [global::System.AttributeUsage(global::System.AttributeTargets.Method, AllowMultiple = false)]
            public sealed class TaskAttribute(int taskId) : global::System.Attribute
            {
                public int TaskId { get; } = taskId;
            }
        }

        """;

    private readonly PackageSubstitutions _substitutions;

    /// <summary>Creates the source with the default package substitutions.</summary>
    public ExercismTaskSource() : this(PackageSubstitutions.Default) { }

    /// <summary>Creates the source with custom package substitutions.</summary>
    public ExercismTaskSource(PackageSubstitutions substitutions) => _substitutions = substitutions;

    /// <inheritdoc />
    public string Format => "exercism";

    /// <inheritdoc />
    public bool CanRead(string suitePath) => FindExercises(suitePath).Any();

    /// <inheritdoc />
    public TaskSuite Load(string suitePath)
    {
        suitePath = Path.GetFullPath(suitePath);
        var exercises = FindExercises(suitePath).ToList();
        var multiTrack = exercises.Select(e => e.Track).Distinct().Count() > 1;
        var tasks = new List<TaskSpec>();
        var unsupported = new List<UnsupportedTask>();
        foreach (var (dir, track) in exercises)
        {
            var slug = Path.GetFileName(dir);
            var id = multiTrack ? $"{track}/{slug}" : slug;
            var loaded = LoadExercise(dir, id, out var reason);
            if (loaded is null)
            {
                unsupported.Add(new UnsupportedTask(id, dir, reason!));
            }
            else
            {
                tasks.Add(loaded);
            }
        }
        return new TaskSuite(suitePath, Format, [.. tasks.OrderBy(t => t.Id, StringComparer.Ordinal)], [.. unsupported.OrderBy(u => u.Id, StringComparer.Ordinal)]);
    }

    /// <summary>Exercise folders under <paramref name="path"/>, each with the name of its track folder.</summary>
    private static IEnumerable<(string Dir, string Track)> FindExercises(string path)
    {
        if (!Directory.Exists(path))
        {
            yield break;
        }
        if (File.Exists(Path.Combine(path, ConfigPath)))
        {
            yield return (path, TrackName(path));
            yield break;
        }
        // A folder of exercises, a track (exercises/practice), or a folder of tracks (<lang>/exercises/practice).
        var candidates = new[] { path, Path.Combine(path, "exercises", "practice") }
            .Concat(Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "exercises", "practice")));
        foreach (var folder in candidates.Where(Directory.Exists).Distinct())
        {
            foreach (var dir in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(dir, ConfigPath)))
                {
                    yield return (dir, TrackName(dir));
                }
            }
        }
    }

    /// <summary>The track folder name of an exercise (<c>.../python/exercises/practice/bob</c> → <c>python</c>).</summary>
    private static string TrackName(string exerciseDir)
    {
        var parent = Directory.GetParent(exerciseDir);
        var exercises = parent?.Parent;
        return exercises?.Name == "exercises" && exercises.Parent is { } track ? track.Name : "exercism";
    }

    private TaskSpec? LoadExercise(string dir, string id, out string? unsupportedReason)
    {
        unsupportedReason = null;
        var configFile = Path.Combine(dir, ConfigPath);
        ExerciseFiles files;
        try
        {
            files = ExerciseFiles.Read(configFile);
        }
        catch (JsonException e)
        {
            throw new TaskLoadException($"{configFile}:{(e.LineNumber ?? 0) + 1}: malformed JSON: {e.Message}", "fix the JSON syntax of the exercise's .meta/config.json", configFile, (int)(e.LineNumber ?? 0) + 1);
        }
        if (files.Solution.Count == 0)
        {
            throw new TaskLoadException($"{configFile}: 'files.solution' is empty", "list the solution file(s) under files.solution", configFile);
        }
        if (files.Test.Count == 0)
        {
            throw new TaskLoadException($"{configFile}: the exercise has no tests ('files.test' is empty)", "list the test file(s) under files.test; a task without tests cannot be verified", configFile);
        }
        var extension = Path.GetExtension(files.Solution[0]).ToLowerInvariant();
        var runner = extension switch
        {
            ".cs" => RunnerKinds.DotnetXunit,
            ".py" => RunnerKinds.Pytest,
            ".go" => RunnerKinds.GoTest,
            _ => null,
        };
        if (runner is null)
        {
            unsupportedReason = $"no test runner for '{extension}' solutions (supported: C# with xunit, Python with pytest, Go with go test)";
            return null;
        }
        foreach (var f in files.Solution.Concat(files.Test))
        {
            if (!File.Exists(Path.Combine(dir, f)))
            {
                throw new TaskLoadException($"{configFile}: file '{f}' named in config.json does not exist in {dir}", "fix .meta/config.json or restore the file", configFile);
            }
        }

        var adjustments = new List<string>();
        var protectedPaths = new HashSet<string>(files.Test.Concat(files.Editor).Select(PathGlob.Normalize), StringComparer.Ordinal);
        // Files the test runner collects by convention are tests even when config.json does not list them
        // (e.g. robot-simulator's step2/step3 Go test files): leaving them editable would let a solver change graded tests.
        foreach (var f in NativeTaskSource.ListFiles(dir).Select(f => f.Path).Where(p => IsConventionalTestFile(runner, p)))
        {
            protectedPaths.Add(f);
        }
        var starting = new List<TaskFile>();
        var tests = new List<TaskFile>();
        var packages = new Dictionary<string, string>();
        var settings = new Dictionary<string, string>();

        foreach (var file in NativeTaskSource.ListFiles(dir).Where(f => !f.Path.StartsWith(".meta/", StringComparison.Ordinal) && !f.Path.StartsWith(".docs/", StringComparison.Ordinal)))
        {
            var path = file.Path;
            if (path == "packages.lock.json")
            {
                continue; // Dropped: its pinned versions are not all on this NuGet copy (reported with the csproj change).
            }
            var adjusted = file;
            if (runner == RunnerKinds.DotnetXunit && path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                var text = File.ReadAllText(file.SourcePath);
                var profile = DotnetProjectProfile.FromCsproj(text, _substitutions, new List<string>());
                foreach (var (k, v) in profile.Packages)
                {
                    packages[k] = v;
                }
                settings["root_namespace"] = profile.RootNamespace;
                settings["csproj"] = path;
                adjusted = file with { Content = DotnetProjectProfile.RewriteCsproj(text, _substitutions, adjustments) };
            }
            else if (runner == RunnerKinds.DotnetXunit && files.Test.Contains(path))
            {
                var (source, removed) = CSharpTestSource.RemoveSkips(File.ReadAllText(file.SourcePath));
                if (removed > 0)
                {
                    adjustments.Add($"{path}: removed Skip from {removed} test attribute(s) so every upstream test runs when graded");
                    adjusted = file with { Content = source };
                }
            }
            starting.Add(adjusted);
            if (protectedPaths.Contains(path))
            {
                tests.Add(adjusted);
            }
        }

        if (runner == RunnerKinds.DotnetXunit && tests.Any(t => (t.Content ?? File.ReadAllText(t.SourcePath)).Contains("Exercism.Tests", StringComparison.Ordinal)))
        {
            var shim = new TaskFile("ExercismTestsShim.cs", "crucible:exercism-tests-shim") { Content = ExercismTestsShim };
            starting.Add(shim);
            tests.Add(shim);
            adjustments.Add("ExercismTestsShim.cs added: provides Exercism.Tests.TaskAttribute in place of the Exercism.Tests.xunit.v3 package");
        }

        if (RunnerFor(runner).Discover(new TaskSpec
            {
                Id = id, Language = RunnerKinds.LanguageOf(runner), SourcePath = dir, Instructions = "", StartingFiles = starting,
                TestFiles = tests, Editable = [], Runner = new TestRunnerSpec { Kind = runner },
            }).Count == 0)
        {
            unsupportedReason = "its test files define no tests (an exercise where the solver writes the tests), so it cannot be graded";
            return null;
        }

        var references = new List<TaskFile>();
        var examples = files.Example.Count > 0 ? files.Example : files.Exemplar;
        for (var i = 0; i < examples.Count; i++)
        {
            var source = Path.Combine(dir, examples[i]);
            if (!File.Exists(source))
            {
                throw new TaskLoadException($"{configFile}: reference file '{examples[i]}' does not exist", "fix files.example in .meta/config.json", configFile);
            }
            // Example i replaces solution i; extra example files keep their own names.
            var target = i < files.Solution.Count ? files.Solution[i] : Path.GetFileName(examples[i]);
            references.Add(new TaskFile(PathGlob.Normalize(target), source));
        }

        var instructions = ReadInstructions(dir);
        var tags = new List<string>();
        var trackConfig = FindTrackConfig(dir);
        var (difficulty, deprecated) = trackConfig is null ? (null, false) : TrackInfo(trackConfig, Path.GetFileName(dir));
        if (deprecated)
        {
            tags.Add("deprecated");
        }
        if (instructions.Contains("refactor", StringComparison.OrdinalIgnoreCase))
        {
            // The stub of a refactoring exercise is working code, so the untouched stub may pass.
            tags.Add("refactoring");
        }
        return new TaskSpec
        {
            Id = id,
            Language = RunnerKinds.LanguageOf(runner),
            SourcePath = dir,
            Format = "exercism",
            Instructions = instructions,
            StartingFiles = starting,
            TestFiles = tests,
            ReferenceFiles = references,
            Editable = [.. files.Solution.Select(PathGlob.Normalize)],
            Runner = new TestRunnerSpec
            {
                Kind = runner,
                BuildCommand = NativeTaskSource.DefaultBuild(runner),
                TestCommand = NativeTaskSource.DefaultTest(runner),
                Packages = packages,
                Settings = settings,
            },
            Difficulty = difficulty,
            Adjustments = [.. adjustments.Distinct()],
            Tags = tags,
        };
    }

    private static bool IsConventionalTestFile(string runner, string path) => runner switch
    {
        RunnerKinds.GoTest => path.EndsWith("_test.go", StringComparison.Ordinal),
        RunnerKinds.Pytest => Path.GetFileName(path) is var n && n.EndsWith(".py", StringComparison.Ordinal) && (n.StartsWith("test_", StringComparison.Ordinal) || n.EndsWith("_test.py", StringComparison.Ordinal)),
        _ => false,
    };

    private static Grading.ITestRunner RunnerFor(string runner) => runner switch
    {
        RunnerKinds.DotnetXunit => new DotnetXunitRunner(),
        RunnerKinds.Pytest => new Python.PytestRunner(),
        RunnerKinds.GoTest => new Go.GoTestRunner(),
        _ => throw new ArgumentOutOfRangeException(nameof(runner), runner, "unknown runner"),
    };

    private static string ReadInstructions(string dir)
    {
        var docs = Path.Combine(dir, ".docs");
        var sb = new StringBuilder();
        foreach (var name in new[] { "introduction.md", "instructions.md", "instructions.append.md" })
        {
            var f = Path.Combine(docs, name);
            if (File.Exists(f))
            {
                if (sb.Length > 0)
                {
                    sb.Append("\n\n");
                }
                sb.Append(File.ReadAllText(f).Trim());
            }
        }
        if (sb.Length == 0)
        {
            throw new TaskLoadException($"{dir}: no instructions (.docs/instructions.md is missing)", "add .docs/instructions.md to the exercise");
        }
        return sb.Append('\n').ToString();
    }

    private static string? FindTrackConfig(string exerciseDir)
    {
        var track = Directory.GetParent(exerciseDir)?.Parent?.Parent;
        var config = track is null ? null : Path.Combine(track.FullName, "config.json");
        return config is not null && File.Exists(config) ? config : null;
    }

    private static (int? Difficulty, bool Deprecated) TrackInfo(string trackConfig, string slug)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(trackConfig));
        if (!doc.RootElement.TryGetProperty("exercises", out var ex))
        {
            return (null, false);
        }
        foreach (var kind in ex.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            foreach (var e in kind.Value.EnumerateArray())
            {
                if (e.TryGetProperty("slug", out var s) && s.GetString() == slug)
                {
                    int? difficulty = e.TryGetProperty("difficulty", out var d) && d.TryGetInt32(out var dv) ? dv : null;
                    var deprecated = e.TryGetProperty("status", out var st) && st.GetString() == "deprecated";
                    return (difficulty, deprecated);
                }
            }
        }
        return (null, false);
    }

    /// <summary>The <c>files</c> section of an exercise's <c>.meta/config.json</c>.</summary>
    private sealed record ExerciseFiles(
        IReadOnlyList<string> Solution, IReadOnlyList<string> Test, IReadOnlyList<string> Example,
        IReadOnlyList<string> Exemplar, IReadOnlyList<string> Editor)
    {
        public static ExerciseFiles Read(string configFile)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configFile));
            if (!doc.RootElement.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Object)
            {
                throw new TaskLoadException($"{configFile}: missing 'files' section", "add files.solution, files.test and files.example", configFile);
            }
            IReadOnlyList<string> List(string name) =>
                files.TryGetProperty(name, out var arr) && arr.ValueKind == JsonValueKind.Array
                    ? [.. arr.EnumerateArray().Select(e => e.GetString()!).Where(s => !string.IsNullOrEmpty(s))]
                    : [];
            return new ExerciseFiles(List("solution"), List("test"), List("example"), List("exemplar"), List("editor"));
        }
    }
}

using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;

namespace Crucible.Verification.Tasks;

/// <summary>
/// Reads Crucible's own task layout: a folder with a <c>task.yaml</c> (schema in <c>docs/tasks.md</c>),
/// a <c>workspace/</c> of starting files, optional hidden tests in <c>tests/</c>, and an optional
/// <c>reference/</c> solution. A suite is a folder of such task folders.
/// </summary>
public sealed class NativeTaskSource : ITaskSource
{
    /// <summary>The file that marks a task folder.</summary>
    public const string TaskFileName = "task.yaml";

    private static readonly string[] TopKeys =
        ["id", "language", "instructions", "workspace", "tests", "hidden_tests", "editable", "reference", "runner", "build", "test", "packages", "settings", "limits", "difficulty", "tags", "differential"];

    private static readonly string[] LimitKeys =
        ["build_timeout", "test_timeout", "cpu", "memory", "processes", "file_size", "disk", "open_files", "output_head", "output_tail"];

    /// <inheritdoc />
    public string Format => "native";

    /// <inheritdoc />
    public bool CanRead(string suitePath) =>
        File.Exists(Path.Combine(suitePath, TaskFileName)) ||
        (Directory.Exists(suitePath) && Directory.EnumerateDirectories(suitePath).Any(d => File.Exists(Path.Combine(d, TaskFileName))));

    /// <inheritdoc />
    public TaskSuite Load(string suitePath)
    {
        suitePath = Path.GetFullPath(suitePath);
        if (File.Exists(Path.Combine(suitePath, TaskFileName)))
        {
            return new TaskSuite(suitePath, Format, [LoadTask(suitePath)]);
        }
        var tasks = Directory.EnumerateDirectories(suitePath)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Select(d => File.Exists(Path.Combine(d, TaskFileName))
                ? LoadTask(d)
                : throw new TaskLoadException(
                    $"{Path.Combine(d, TaskFileName)}: missing task.yaml in task folder '{Path.GetFileName(d)}'",
                    "add a task.yaml to the folder (see docs/tasks.md), or move the folder out of the suite"))
            .OrderBy(t => t.Id, StringComparer.Ordinal)
            .ToList();
        var duplicate = tasks.GroupBy(t => t.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TaskLoadException(
                $"{suitePath}: task id '{duplicate.Key}' is used by {string.Join(" and ", duplicate.Select(t => t.SourcePath))}",
                "give each task a unique 'id' in its task.yaml");
        }
        return new TaskSuite(suitePath, Format, tasks);
    }

    /// <summary>Loads one task folder.</summary>
    public static TaskSpec LoadTask(string taskDir)
    {
        taskDir = Path.GetFullPath(taskDir);
        var file = Path.Combine(taskDir, TaskFileName);
        var y = YamlReader.Load(file, TopKeys);

        var id = y.OptionalString("id") ?? Path.GetFileName(taskDir);
        var language = y.RequiredString("language", "add e.g. 'language: csharp' (supported: csharp, python, go)");
        var runner = y.OptionalString("runner") ?? RunnerKinds.DefaultFor(language)
            ?? throw y.ErrorAt("language", $"language '{language}' has no test runner", $"use one of the supported languages (csharp, python, go) or set 'runner:' to one of {string.Join(", ", RunnerKinds.All)}");
        if (!RunnerKinds.All.Contains(runner))
        {
            throw y.ErrorAt("runner", $"unknown runner '{runner}'", $"use one of: {string.Join(", ", RunnerKinds.All)}");
        }

        var instructionsRel = y.RequiredString("instructions", "add 'instructions: instructions.md' naming the task statement file");
        var instructionsPath = Path.Combine(taskDir, instructionsRel);
        if (!File.Exists(instructionsPath))
        {
            throw y.ErrorAt("instructions", $"instructions file '{instructionsRel}' does not exist", $"create {instructionsPath} or fix the path");
        }

        var workspaceRel = y.OptionalString("workspace") ?? "workspace";
        var workspaceDir = Path.Combine(taskDir, workspaceRel);
        if (!Directory.Exists(workspaceDir))
        {
            throw y.ErrorAt("workspace", $"workspace folder '{workspaceRel}' does not exist", $"create {workspaceDir} with the starting files, or set 'workspace:' to the right folder");
        }
        var hiddenRel = y.OptionalString("hidden_tests") ?? "tests";
        var hiddenDir = Path.Combine(taskDir, hiddenRel);

        var testPaths = y.OptionalList("tests");
        if (testPaths is null || testPaths.Count == 0)
        {
            throw y.ErrorAt("tests", "the task has no tests", "list the protected test files under 'tests:' (paths relative to the workspace); a task without tests cannot be verified");
        }
        var testFiles = new List<TaskFile>();
        foreach (var rel in testPaths.Select(PathGlob.Normalize))
        {
            EnsureRelative(y, "tests", rel);
            var visible = Path.Combine(workspaceDir, rel);
            var hidden = Path.Combine(hiddenDir, rel);
            var source = File.Exists(hidden) ? hidden : File.Exists(visible) ? visible
                : throw y.ErrorAt("tests", $"test file '{rel}' exists neither in '{workspaceRel}/' nor in '{hiddenRel}/'", "create the file or fix the path");
            testFiles.Add(new TaskFile(rel, source));
        }

        var editable = y.OptionalList("editable");
        if (editable is null || editable.Count == 0)
        {
            throw y.ErrorAt("editable", "the task names no editable files", "list the files (or globs) the solver may change under 'editable:'");
        }
        foreach (var t in testFiles.Where(t => PathGlob.MatchesAny(t.Path, editable)))
        {
            throw y.ErrorAt("editable", $"protected test file '{t.Path}' also matches an 'editable' pattern", "make the editable patterns exclude the test files");
        }

        var starting = ListFiles(workspaceDir);

        var referenceRel = y.OptionalString("reference");
        var referenceDir = Path.Combine(taskDir, referenceRel ?? "reference");
        if (referenceRel is not null && !Directory.Exists(referenceDir))
        {
            throw y.ErrorAt("reference", $"reference folder '{referenceRel}' does not exist", $"create {referenceDir} or remove the key");
        }
        var reference = Directory.Exists(referenceDir) ? ListFiles(referenceDir) : [];

        var limits = ReadLimits(y);
        var packages = y.OptionalStringMap("packages") ?? new Dictionary<string, string>();
        var settings = y.OptionalStringMap("settings") ?? new Dictionary<string, string>();

        return new TaskSpec
        {
            Id = id,
            Language = RunnerKinds.LanguageOf(runner),
            SourcePath = taskDir,
            Format = "native",
            Instructions = File.ReadAllText(instructionsPath),
            StartingFiles = starting,
            TestFiles = testFiles,
            ReferenceFiles = reference,
            Editable = editable,
            Runner = new TestRunnerSpec
            {
                Kind = runner,
                BuildCommand = y.OptionalString("build") ?? DefaultBuild(runner),
                TestCommand = y.OptionalString("test") ?? DefaultTest(runner),
                Packages = packages,
                Settings = settings,
            },
            Limits = limits,
            Difficulty = y.OptionalInt("difficulty"),
            Tags = y.OptionalList("tags") ?? [],
            Differential = ReadDifferential(y),
        };
    }

    /// <summary>The keys of a <c>differential:</c> section (task.yaml, and each task of a differential configuration file).</summary>
    internal static readonly string[] DifferentialKeys = ["enabled", "tolerance", "ordering", "entry_points", "inputs", "inputs_for", "seed", "requires"];

    /// <summary>The <c>differential:</c> section (see docs/hidden-tests.md); absent keys stay null so they are inferred.</summary>
    private static DifferentialSpec ReadDifferential(YamlReader y)
    {
        var d = y.Section("differential", DifferentialKeys);
        if (d is null)
        {
            return DifferentialSpec.Inferred;
        }
        var spec = ReadDifferentialSection(d);
        return spec.IsEmpty ? spec : spec with { Sources = ["task.yaml"] };
    }

    /// <summary>Reads the keys of one <c>differential:</c> mapping (<see cref="DifferentialKeys"/>), naming the file and line of a bad value.</summary>
    internal static DifferentialSpec ReadDifferentialSection(YamlReader d)
    {
        var enabled = d.OptionalString("enabled") switch
        {
            null => (bool?)null,
            "true" or "yes" => true,
            "false" or "no" => false,
            var other => throw d.ErrorAt("enabled", $"'enabled' must be true or false, got '{other}'", "write 'enabled: false' to opt the task out"),
        };
        double? tolerance = null;
        if (d.OptionalString("tolerance") is { } t)
        {
            tolerance = double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v
                : throw d.ErrorAt("tolerance", $"'tolerance' must be a non-negative number, got '{t}'", "write e.g. 'tolerance: 1e-6'");
        }
        var ordering = d.OptionalString("ordering");
        if (ordering is not (null or "ordered" or "unordered"))
        {
            throw d.ErrorAt("ordering", $"'ordering' must be 'ordered' or 'unordered', got '{ordering}'", "write 'ordering: unordered' when the order of returned lists does not matter");
        }
        var inputs = d.OptionalList("inputs") ?? [];
        foreach (var input in inputs)
        {
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(input) is not System.Text.Json.Nodes.JsonArray)
                {
                    throw new System.Text.Json.JsonException("not an array");
                }
            }
            catch (System.Text.Json.JsonException)
            {
                throw d.ErrorAt("inputs", $"every entry of 'inputs' must be a JSON array of arguments, got '{input}'", "write e.g. - '[[1, 2, 3], \"abc\"]'");
            }
        }
        var requires = d.OptionalStringMap("requires") ?? new Dictionary<string, string>();
        foreach (var key in requires.Keys.Where(k => !System.Text.RegularExpressions.Regex.IsMatch(k, @"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")))
        {
            throw d.ErrorAt("requires", $"'requires' key '{key}' is not an entry point name", "key each contract by a function name, Type.Method, or a class name for its constructor, e.g. 'Scale.interval: ...'");
        }
        return new DifferentialSpec
        {
            Enabled = enabled,
            Tolerance = tolerance,
            Ordering = ordering,
            EntryPoints = d.OptionalList("entry_points") ?? [],
            Inputs = inputs,
            HintEntryPoint = d.OptionalString("inputs_for"),
            Seed = d.OptionalInt("seed"),
            Requires = requires,
        };
    }

    internal static string? DefaultBuild(string runner) => runner switch
    {
        RunnerKinds.DotnetXunit => "dotnet build",
        RunnerKinds.GoTest => "go vet ./...",
        _ => null,
    };

    internal static string DefaultTest(string runner) => runner switch
    {
        RunnerKinds.DotnetXunit => "dotnet test",
        RunnerKinds.Pytest => "python3 -m pytest",
        RunnerKinds.GoTest => "go test ./...",
        _ => throw new ArgumentOutOfRangeException(nameof(runner), runner, "unknown runner"),
    };

    /// <summary>Every file under <paramref name="dir"/> as task files (build outputs and VCS folders excluded).</summary>
    internal static IReadOnlyList<TaskFile> ListFiles(string dir) =>
        [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => new TaskFile(PathGlob.Normalize(Path.GetRelativePath(dir, f)), f))
            .Where(f => !IsBuildOutput(f.Path))
            .OrderBy(f => f.Path, StringComparer.Ordinal)];

    /// <summary>True for paths under folders that are build output or tool state, never task content.</summary>
    internal static bool IsBuildOutput(string relativePath)
    {
        foreach (var segment in relativePath.Split('/')[..^1])
        {
            if (segment is "bin" or "obj" or ".git" or "__pycache__" or ".pytest_cache" or "node_modules" or ".crucible")
            {
                return true;
            }
        }
        return false;
    }

    private static void EnsureRelative(YamlReader y, string key, string rel)
    {
        if (Path.IsPathRooted(rel) || rel.Split('/').Contains(".."))
        {
            throw y.ErrorAt(key, $"'{rel}' must be a path inside the workspace", "use a relative path without '..'");
        }
    }

    private static TaskLimits ReadLimits(YamlReader y)
    {
        var l = y.Section("limits", LimitKeys);
        if (l is null)
        {
            return TaskLimits.Default;
        }
        var d = TaskLimits.Default;
        var r = d.Resources;
        return new TaskLimits
        {
            BuildTimeout = l.OptionalDuration("build_timeout") ?? d.BuildTimeout,
            TestTimeout = l.OptionalDuration("test_timeout") ?? d.TestTimeout,
            Resources = r with
            {
                CpuTime = l.OptionalDuration("cpu") ?? r.CpuTime,
                MemoryBytes = l.OptionalBytes("memory") ?? r.MemoryBytes,
                MaxProcesses = l.OptionalInt("processes") ?? r.MaxProcesses,
                MaxFileSizeBytes = l.OptionalBytes("file_size") ?? r.MaxFileSizeBytes,
                MaxDiskBytes = l.OptionalBytes("disk") ?? r.MaxDiskBytes,
                MaxOpenFiles = l.OptionalInt("open_files") ?? r.MaxOpenFiles,
                Output = new OutputLimits(
                    (int)(l.OptionalBytes("output_head") ?? r.Output.HeadBytes),
                    (int)(l.OptionalBytes("output_tail") ?? r.Output.TailBytes)),
            },
        };
    }
}

using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Tasks;

public class NativeTaskSourceTests
{
    private const string ValidYaml = """
        id: adder
        language: csharp
        instructions: instructions.md
        editable:
          - Adder.cs
        tests:
          - AdderTests.cs
        """;

    private static TempDirectory NewTask(string yaml, bool withFiles = true)
    {
        var dir = new TempDirectory("native-task");
        dir.Write("task.yaml", yaml);
        if (withFiles)
        {
            dir.Write("instructions.md", "Add two numbers.");
            dir.Write("workspace/Adder.cs", "public static class Adder { }");
            dir.Write("workspace/AdderTests.cs", "public class AdderTests { [Fact] public void A() { } }");
        }
        return dir;
    }

    [Fact]
    public void Loads_a_task_folder_into_a_complete_task_spec()
    {
        using var dir = NewTask(ValidYaml + """

            reference: solution
            difficulty: 3
            tags: [arithmetic]
            packages:
              Sprache: 2.3.1
            limits:
              build_timeout: 90s
              test_timeout: 2m
              memory: 512MiB
              processes: 64
            """);
        dir.Write("solution/Adder.cs", "public static class Adder { public static int Add(int a, int b) => a + b; }");

        var task = Assert.Single(new NativeTaskSource().Load(dir.Path).Tasks);

        var ws = dir["workspace"];
        var expected = new TaskSpec
        {
            Id = "adder",
            Language = "csharp",
            SourcePath = dir.Path,
            Format = "native",
            Instructions = "Add two numbers.",
            StartingFiles = [new TaskFile("Adder.cs", Path.Combine(ws, "Adder.cs")), new TaskFile("AdderTests.cs", Path.Combine(ws, "AdderTests.cs"))],
            TestFiles = [new TaskFile("AdderTests.cs", Path.Combine(ws, "AdderTests.cs"))],
            ReferenceFiles = [new TaskFile("Adder.cs", dir["solution/Adder.cs"])],
            Editable = ["Adder.cs"],
            Runner = task.Runner,
            Limits = new TaskLimits
            {
                BuildTimeout = TimeSpan.FromSeconds(90),
                TestTimeout = TimeSpan.FromMinutes(2),
                Resources = ResourceLimits.Default with { MemoryBytes = 512L << 20, MaxProcesses = 64 },
            },
            Difficulty = 3,
            Tags = ["arithmetic"],
        };
        Assert.Equivalent(expected, task, strict: true);
        Assert.Equal(RunnerKinds.DotnetXunit, task.Runner.Kind);
        Assert.Equal("dotnet test", task.Runner.TestCommand);
        Assert.Equal(new Dictionary<string, string> { ["Sprache"] = "2.3.1" }, task.Runner.Packages);
    }

    [Fact]
    public void Hidden_tests_are_protected_but_not_in_the_starting_workspace()
    {
        using var dir = NewTask(ValidYaml.Replace("AdderTests.cs", "HiddenTests.cs"));
        dir.Write("tests/HiddenTests.cs", "public class HiddenTests { [Fact] public void H() { } }");

        var task = NativeTaskSource.LoadTask(dir.Path);

        Assert.Equal([new TaskFile("HiddenTests.cs", dir["tests/HiddenTests.cs"])], task.TestFiles);
        Assert.DoesNotContain(task.StartingFiles, f => f.Path == "HiddenTests.cs");
    }

    [Theory]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\neditable: [Adder.cs]\n", "the task has no tests", 1)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\n", "the task names no editable files", 1)]
    [InlineData("id: x\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\n", "missing required key 'language'", 1)]
    [InlineData("id: x\nlanguage: cobol\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\n", "language 'cobol' has no test runner", 2)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\nedtable: [x]\n", "unknown key 'edtable'", 6)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: missing.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\n", "instructions file 'missing.md' does not exist", 3)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [Nope.cs]\neditable: [Adder.cs]\n", "test file 'Nope.cs' exists neither", 4)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\nlimits:\n  test_timeout: soon\n", "'test_timeout' must be a duration, got 'soon'", 7)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: ['*.cs']\n", "protected test file 'AdderTests.cs' also matches an 'editable' pattern", 5)]
    [InlineData("id: x\nlanguage: csharp\n  bad: indentation\n", "malformed YAML", 3)]
    [InlineData("- just\n- a list\n", "expected a mapping", 1)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\ndifferential:\n  ordering: sorted\n", "'ordering' must be 'ordered' or 'unordered', got 'sorted'", 7)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\ndifferential:\n  inputs: ['[1, 2']\n", "every entry of 'inputs' must be a JSON array of arguments", 7)]
    [InlineData("id: x\nlanguage: csharp\ninstructions: instructions.md\ntests: [AdderTests.cs]\neditable: [Adder.cs]\ndifferential:\n  tolerence: 0.1\n", "unknown key 'tolerence'", 7)]
    public void Bad_task_yaml_is_reported_with_file_line_and_fix(string yaml, string problem, int line)
    {
        using var dir = NewTask(yaml);

        var e = Assert.Throws<TaskLoadException>(() => NativeTaskSource.LoadTask(dir.Path));

        Assert.Contains(problem, e.Message);
        Assert.StartsWith($"{dir["task.yaml"]}:{line}:", e.Message);
        Assert.Equal(line, e.Line);
        Assert.False(string.IsNullOrWhiteSpace(e.Fix));
    }

    [Fact]
    public void The_differential_section_is_read_and_absent_keys_are_left_to_inference()
    {
        using var dir = NewTask(ValidYaml + "\ndifferential:\n  enabled: true\n  tolerance: 1e-6\n  ordering: unordered\n  entry_points: [Adder.Add]\n  inputs: ['[1, 2]', '[-3, 4]']\n  seed: 42\n  requires:\n    Adder.Add: \"a >= 0\"\n");
        using var plain = NewTask(ValidYaml);

        var task = NativeTaskSource.LoadTask(dir.Path);

        Assert.Equal(new DifferentialSpec { Enabled = true, Tolerance = 1e-6, Ordering = "unordered", EntryPoints = task.Differential.EntryPoints, Inputs = task.Differential.Inputs, Seed = 42, Requires = task.Differential.Requires, Sources = task.Differential.Sources }, task.Differential);
        Assert.Equal(new Dictionary<string, string> { ["Adder.Add"] = "a >= 0" }, task.Differential.Requires);
        // Where the settings came from is recorded with them.
        Assert.Equal(["task.yaml"], task.Differential.Sources);
        Assert.Equal(["Adder.Add"], task.Differential.EntryPoints);
        Assert.Equal(["[1, 2]", "[-3, 4]"], task.Differential.Inputs);
        Assert.Same(DifferentialSpec.Inferred, NativeTaskSource.LoadTask(plain.Path).Differential);
    }

    [Fact]
    public void A_suite_folder_with_a_task_folder_lacking_task_yaml_is_rejected()
    {
        using var suite = new TempDirectory("suite");
        suite.Write("good/task.yaml", ValidYaml);
        suite.Write("good/instructions.md", "x");
        suite.Write("good/workspace/Adder.cs", "x");
        suite.Write("good/workspace/AdderTests.cs", "x");
        suite.Write("stray/notes.txt", "not a task");

        var e = Assert.Throws<TaskLoadException>(() => new NativeTaskSource().Load(suite.Path));

        Assert.Contains("missing task.yaml in task folder 'stray'", e.Message);
    }

    [Fact]
    public void The_example_suite_loads_four_tasks_with_references_kept_apart()
    {
        var suite = TaskSuites.Load(TestPaths.Examples);

        Assert.Equal("native", suite.Format);
        Assert.Equal(["interval-merge", "lru-cache", "median-fix", "slugify"], suite.Tasks.Select(t => t.Id));
        foreach (var task in suite.Tasks)
        {
            Assert.Single(task.Editable);
            Assert.Single(task.TestFiles);
            Assert.NotEmpty(task.ReferenceFiles);
            // The reference solution lives outside the starting workspace.
            Assert.All(task.StartingFiles, f => Assert.Contains("/workspace/", f.SourcePath));
            Assert.All(task.ReferenceFiles, f => Assert.Contains("/reference/", f.SourcePath));
        }
    }
}

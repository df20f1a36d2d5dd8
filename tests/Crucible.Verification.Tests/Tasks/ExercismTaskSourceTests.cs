using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Tasks;

public class ExercismTaskSourceTests
{
    [Fact]
    public void Loads_every_practice_exercise_of_the_csharp_track()
    {
        var suite = TaskSuites.Load(TestPaths.ExercismPractice);

        Assert.Equal("exercism", suite.Format);
        Assert.Equal(143, suite.Tasks.Count);
        Assert.Empty(suite.Unsupported);
        Assert.All(suite.Tasks, t =>
        {
            Assert.Equal(RunnerKinds.DotnetXunit, t.Runner.Kind);
            Assert.Single(t.ReferenceFiles);
            Assert.DoesNotContain(t.StartingFiles, f => f.Path.StartsWith(".meta/", StringComparison.Ordinal));
            Assert.DoesNotContain(t.StartingFiles, f => f.Path == "packages.lock.json");
        });
    }

    [Fact]
    public void Bob_is_imported_with_unskipped_tests_a_restorable_project_and_its_reference_kept_apart()
    {
        var dir = TestPaths.ExercismTask("bob");

        var task = Assert.Single(TaskSuites.Load(dir).Tasks);

        Assert.Equal("bob", task.Id);
        Assert.Equal(["Bob.cs"], task.Editable);
        Assert.Equal(4, task.Difficulty);
        Assert.Equal([new TaskFile("Bob.cs", Path.Combine(dir, ".meta", "Example.cs"))], task.ReferenceFiles);
        var tests = Assert.Single(task.TestFiles);
        Assert.Equal("BobTests.cs", tests.Path);
        Assert.DoesNotContain("Skip", tests.Content);
        Assert.Equal(25, System.Text.RegularExpressions.Regex.Matches(tests.Content!, @"\[Fact\]").Count);
        var csproj = task.StartingFiles.Single(f => f.Path == "Bob.csproj").Content!;
        Assert.Contains("Version=\"18.0.1\"", csproj);
        Assert.DoesNotContain("Exercism.Tests.xunit.v3", csproj);
        Assert.DoesNotContain("RestorePackagesWithLockFile", csproj);
        Assert.Contains(task.Adjustments, a => a.StartsWith("BobTests.cs: removed Skip from 24 test attribute(s)", StringComparison.Ordinal));
        Assert.Contains(task.Adjustments, a => a.StartsWith("package Microsoft.NET.Test.Sdk 18.3.0 -> 18.0.1", StringComparison.Ordinal));
        Assert.Contains(task.Adjustments, a => a.StartsWith("removed package Exercism.Tests.xunit.v3", StringComparison.Ordinal));
        Assert.StartsWith("# Introduction", task.Instructions);
        Assert.Contains("# Instructions", task.Instructions);
    }

    [Fact]
    public void Refactoring_exercises_are_tagged_because_their_stub_already_works()
    {
        var tagged = TaskSuites.Load(TestPaths.ExercismPractice).Tasks.Where(t => t.Tags.Contains("refactoring")).Select(t => t.Id);

        Assert.Equal(["ledger", "markdown", "tree-building"], tagged);
    }

    [Fact]
    public void Extra_packages_pass_through_the_substitution_table()
    {
        var react = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("react")).Tasks);
        var alphametics = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("alphametics")).Tasks);

        Assert.Equal(new Dictionary<string, string> { ["FakeItEasy"] = "6.0.1" }, react.Runner.Packages);
        Assert.Equal(new Dictionary<string, string> { ["Sprache"] = "2.3.1" }, alphametics.Runner.Packages);
    }

    [Fact]
    public void Concept_exercises_get_a_shim_for_the_missing_exercism_test_package()
    {
        var dir = Path.Combine(TestPaths.Shared, "benchmarks", "exercism-csharp", "exercises", "concept", "lucians-luscious-lasagna");

        var task = Assert.Single(TaskSuites.Load(dir).Tasks);

        Assert.Equal([new TaskFile("LuciansLusciousLasagna.cs", Path.Combine(dir, ".meta", "Exemplar.cs"))], task.ReferenceFiles);
        var shim = Assert.Single(task.TestFiles, f => f.Path == "ExercismTestsShim.cs");
        Assert.Contains("class TaskAttribute", shim.Content);
        Assert.Contains(task.StartingFiles, f => f.Path == "ExercismTestsShim.cs");
    }

    [Fact]
    public void Aider_polyglot_loads_python_and_go_and_lists_every_other_language_with_a_reason()
    {
        var suite = TaskSuites.Load(TestPaths.AiderPolyglot);

        Assert.Equal(34, suite.Tasks.Count(t => t.Language == "python"));
        Assert.Equal(38, suite.Tasks.Count(t => t.Language == "go"));
        Assert.Equal(72, suite.Tasks.Count);
        var unsupported = suite.Unsupported.GroupBy(u => u.Id.Split('/')[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["cpp"] = 26, ["go"] = 1, ["java"] = 47, ["javascript"] = 49, ["rust"] = 30 }, unsupported);
        Assert.All(suite.Unsupported.Where(u => !u.Id.StartsWith("go/", StringComparison.Ordinal)), u => Assert.StartsWith("no test runner for '", u.Reason));
        Assert.Equal("go/counter", Assert.Single(suite.Unsupported, u => u.Reason.Contains("define no tests", StringComparison.Ordinal)).Id);
        var bowling = suite.Tasks.Single(t => t.Id == "go/bowling");
        Assert.Equal(["bowling.go"], bowling.Editable);
        Assert.Equal(["bowling_test.go", "cases_test.go"], bowling.TestFiles.Select(f => f.Path).Order());
        // Test files the runner collects by convention are protected even when config.json omits them.
        var robot = suite.Tasks.Single(t => t.Id == "go/robot-simulator");
        Assert.Equal(["defs.go", "robot_simulator_step2_test.go", "robot_simulator_step3_test.go", "robot_simulator_test.go"], robot.TestFiles.Select(f => f.Path).Order());
    }

    [Fact]
    public void Filter_keeps_tasks_by_glob_on_the_id_or_its_last_segment()
    {
        var suite = TaskSuites.Load(TestPaths.AiderPolyglot);

        var filtered = TaskSuites.Filter(suite, "bow*,python/zipper");

        Assert.Equal(["go/bowling", "python/bowling", "python/zipper"], filtered.Tasks.Select(t => t.Id));
    }

    [Theory]
    [InlineData("/definitely/not/here", "does not exist")]
    [InlineData("/etc/hostname", "is a file, not a folder")]
    [InlineData("/usr/share/dotnet/packs", "no tasks found")]
    public void A_bad_suite_path_is_a_clear_error(string path, string problem)
    {
        var e = Assert.Throws<TaskLoadException>(() => TaskSuites.Load(path));

        Assert.Contains(problem, e.Message);
        Assert.NotNull(e.Fix);
    }
}

using Crucible.Agent.Permissions;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Agent.Tests.Permissions;

public sealed class ProtectedTestFilesTests
{
    [Fact]
    public void Scan_finds_conventional_test_files_of_each_language()
    {
        using var ws = new TempDirectory();
        string[] tests =
        [
            "CalcTests.cs", "src/ParserTest.cs", "tests/helpers/data.json", "test/x.java", "web/__tests__/app.js",
            "py/test_calc.py", "py/calc_test.py", "py/conftest.py", "go/calc_test.go", "web/app.test.ts", "web/app.spec.js",
        ];
        string[] others = ["Calc.cs", "src/Testing.cs", "py/calc.py", "go/calc.go", "web/app.ts", "bin/CalcTests.cs"];
        foreach (var f in tests.Concat(others))
        {
            ws.Write(f, "");
        }
        ws.Write(".gitignore", "bin/\n");

        var scanned = ProtectedTestFiles.Scan(ws.Path);

        Assert.Equal(tests.Order(StringComparer.Ordinal), scanned.Paths);
    }

    [Fact]
    public void Task_test_files_are_protected_even_when_named_unconventionally()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("armstrong-numbers")).Tasks);
        using var ws = new TempDirectory();
        var withOddTest = task with { TestFiles = [.. task.TestFiles, new TaskFile("checks/Grading.cs", "/nonexistent")] };

        var scanned = ProtectedTestFiles.Scan(ws.Path, withOddTest);

        Assert.True(scanned.Contains("ArmstrongNumbersTests.cs"));
        Assert.True(scanned.Contains("./checks/Grading.cs"));
        Assert.False(scanned.Contains("ArmstrongNumbers.cs"));
    }
}

using System.Text;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Tasks;

public sealed class HumanEvalTaskSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new("humaneval-source");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_export_loads_as_164_python_tasks_with_a_stub_a_reference_and_one_pristine_test()
    {
        var suite = TaskSuites.Load(TestPaths.HumanEval);

        Assert.Equal(("humaneval", 164, 0), (suite.Format, suite.Tasks.Count, suite.Unsupported.Count));
        Assert.Equal(Enumerable.Range(0, 164).Select(i => $"humaneval-{i:D3}"), suite.Tasks.Select(t => t.Id));
        var t = suite.Tasks[0];
        Assert.Equal(("python", RunnerKinds.Pytest, "HumanEval/0"), (t.Language, t.Runner.Kind, t.Tags.Single()));
        Assert.Equal(["solution.py"], t.Editable);
        Assert.Equal(["solution.py", "test_humaneval.py"], t.StartingFiles.Select(f => f.Path));
        Assert.Equal(["test_humaneval.py"], t.TestFiles.Select(f => f.Path));
        var stub = Encoding.UTF8.GetString(Workspaces.ReadTaskFile(t.StartingFiles[0]));
        var reference = Encoding.UTF8.GetString(Workspaces.ReadTaskFile(t.ReferenceFiles.Single()));
        Assert.StartsWith("from typing import List\n\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n", stub, StringComparison.Ordinal);
        Assert.EndsWith("    \"\"\"\n    raise NotImplementedError\n", stub, StringComparison.Ordinal);
        Assert.StartsWith(stub[..^"    raise NotImplementedError\n".Length] + "    for idx, elem in enumerate(numbers):", reference, StringComparison.Ordinal);
        var test = Encoding.UTF8.GetString(Workspaces.ReadTaskFile(t.TestFiles[0]));
        Assert.Contains("from solution import has_close_elements\n", test, StringComparison.Ordinal);
        Assert.EndsWith("def test_has_close_elements():\n    check(has_close_elements)\n", test, StringComparison.Ordinal);
        Assert.Equal(["test_humaneval.test_has_close_elements"], new Crucible.Verification.Python.PytestRunner().Discover(t).Select(e => e.Name));
        // Every task has exactly one discovered test: its check().
        Assert.All(suite.Tasks, task => Assert.Single(new Crucible.Verification.Python.PytestRunner().Discover(task)));
    }

    [Fact]
    public void A_broken_line_in_the_data_is_bad_input_naming_the_file_and_line()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "HumanEval.jsonl"), "{\"task_id\":\"HumanEval/0\",\"prompt\":\"def f():\\n\",\"entry_point\":\"f\",\"canonical_solution\":\"    return 1\\n\",\"test\":\"def check(c):\\n    assert c() == 1\\n\"}\n{not json\n");

        var e = Assert.Throws<TaskLoadException>(() => TaskSuites.Load(_dir.Path));

        Assert.Equal((Path.Combine(_dir.Path, "HumanEval.jsonl"), 2), (e.FilePath, e.Line));
        Assert.Contains("not a HumanEval problem", e.Message, StringComparison.Ordinal);
    }
}

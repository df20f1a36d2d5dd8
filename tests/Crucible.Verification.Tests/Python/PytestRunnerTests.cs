using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Python;

public sealed class PytestRunnerTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static Core.Tasks.TaskSpec Polyglot(string id) =>
        TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), id).Tasks.Single();

    [Fact]
    public async Task A_stub_whose_module_breaks_the_test_import_fails_with_every_test_not_run()
    {
        var v = await f.GradeAsync(Polyglot("python/go-counting"));

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.True(v.CanariesOk);
        Assert.Equal(new TestCounts(11, 0, 0, 0, 0, 11), v.Counts);
        Assert.Contains("cannot import name 'WHITE'", v.TestLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_of_the_same_task_passes_every_test()
    {
        var v = await f.GradeAsync(Polyglot("python/go-counting"), reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(new TestCounts(11, 11, 11, 0, 0, 0), v.Counts);
    }
}

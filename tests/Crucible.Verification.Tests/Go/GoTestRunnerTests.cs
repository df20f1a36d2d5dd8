using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Go;

public sealed class GoTestRunnerTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static Core.Tasks.TaskSpec Polyglot(string id) =>
        TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), id).Tasks.Single();

    [Fact]
    public async Task A_stub_that_panics_fails_with_the_canaries_intact()
    {
        var v = await f.GradeAsync(Polyglot("go/beer-song"));

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.True(v.CanariesOk);
        Assert.Contains(v.Tests, t => t.Outcome == TestOutcomeKind.Failed);
    }

    [Fact]
    public async Task Tests_behind_a_build_tag_run_and_count()
    {
        var v = await f.GradeAsync(Polyglot("go/two-bucket"), reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(["TestSolve", "TestSolve_bonus"], v.Tests.Select(t => t.Name).Order());
    }
}

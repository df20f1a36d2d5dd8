using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Flywheel.Tests.Eval;

public sealed class TaskCheckerTests : IClassFixture<EvalFixture>
{
    private readonly EvalFixture _f;

    public TaskCheckerTests(EvalFixture f) => _f = f;

    private static TaskSpec Task(bool reference = true, params string[] tags) => new()
    {
        Id = "t",
        Language = "csharp",
        SourcePath = "/tasks/t",
        Instructions = "",
        StartingFiles = [],
        TestFiles = [],
        ReferenceFiles = reference ? [new TaskFile("A.cs", "/tasks/t/ref/A.cs")] : [],
        Editable = ["A.cs"],
        Runner = new TestRunnerSpec { Kind = "dotnet-xunit" },
        Tags = tags,
    };

    private static Verdict V(VerdictStatus status, string reason = "r") => new() { TaskId = "t", Status = status, Sandbox = "bubblewrap", Reasons = [reason] };

    [Fact]
    public void Reference_passing_and_stub_failing_on_every_repeat_is_valid()
    {
        var reference = new[] { V(VerdictStatus.Passed), V(VerdictStatus.Passed) };
        var stub = new[] { V(VerdictStatus.Failed), V(VerdictStatus.BuildFailed) };

        Assert.Equal(new TaskCheck("t", TaskCheckStatus.Valid, reference, stub, null), TaskChecker.Classify(Task(), reference, stub));
    }

    [Fact]
    public void A_reference_that_passes_only_sometimes_is_flaky()
    {
        var reference = new[] { V(VerdictStatus.Passed), V(VerdictStatus.Failed), V(VerdictStatus.Passed) };
        var stub = new[] { V(VerdictStatus.Failed), V(VerdictStatus.Failed), V(VerdictStatus.Failed) };

        var check = TaskChecker.Classify(Task(), reference, stub);

        Assert.Equal(TaskCheckStatus.Flaky, check.Status);
        Assert.Equal("results differ between repeats: reference passed 2/3, stub passed 0/3", check.Reason);
    }

    [Fact]
    public void A_passing_stub_is_invalid_unless_the_task_is_a_refactoring()
    {
        var reference = new[] { V(VerdictStatus.Passed) };
        var stub = new[] { V(VerdictStatus.Passed) };

        Assert.Equal(TaskCheckStatus.StubPasses, TaskChecker.Classify(Task(), reference, stub).Status);
        Assert.Equal(TaskCheckStatus.ValidStubPasses, TaskChecker.Classify(Task(true, "refactoring"), reference, stub).Status);
    }

    [Fact]
    public void A_flagged_pass_does_not_count_for_the_reference()
    {
        var reference = new[] { V(VerdictStatus.Passed) with { Integrity = [new IntegrityFlag("integrity.early-exit", "Environment.Exit")] } };
        var stub = new[] { V(VerdictStatus.Failed) };

        Assert.Equal(TaskCheckStatus.ReferenceFails, TaskChecker.Classify(Task(), reference, stub).Status);
    }

    [Fact]
    public void A_harness_error_means_the_task_cannot_be_built_here_with_its_reason()
    {
        var reference = new[] { V(VerdictStatus.HarnessError, "package X 1.0 is not on the configured NuGet sources") };
        var stub = new[] { V(VerdictStatus.Failed) };

        var check = TaskChecker.Classify(Task(), reference, stub);

        Assert.Equal(TaskCheckStatus.CannotBuildHere, check.Status);
        Assert.Equal("package X 1.0 is not on the configured NuGet sources", check.Reason);
    }

    [Fact]
    public void A_task_without_a_reference_fails_validation()
    {
        Assert.Equal(TaskCheckStatus.ReferenceFails, TaskChecker.Classify(Task(reference: false), [], []).Status);
    }

    [Fact]
    public async Task Checking_a_real_task_twice_grades_reference_and_stub_on_each_repeat()
    {
        var task = TaskSuites.Load(TestPaths.Examples).Tasks.Single(t => t.Id == "median-fix");

        var check = await new TaskChecker(_f.Verifier).CheckTaskAsync(task, repeat: 2, TestContext.Current.CancellationToken);

        Assert.Equal(TaskCheckStatus.Valid, check.Status);
        Assert.Equal(2, check.Reference.Count);
        Assert.Equal(2, check.Stub.Count);
        Assert.All(check.Stub, v => Assert.True(v.Counts.Failed > 0));
    }
}

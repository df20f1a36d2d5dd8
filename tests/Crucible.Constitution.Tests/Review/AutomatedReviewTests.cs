using Crucible.Constitution.Changes;
using Crucible.Constitution.Loading;
using Crucible.Constitution.Review;

namespace Crucible.Constitution.Tests.Review;

public sealed class AutomatedReviewTests
{
    private static ChangeSet Change(string after) =>
        ChangeSet.FromTexts(new Dictionary<string, string> { ["A.cs"] = "class A {}\n" }, new Dictionary<string, string> { ["A.cs"] = after }, "test");

    [Fact]
    public void Findings_are_filed_under_the_principles_that_name_their_checks()
    {
        var result = AutomatedReview.Run(ConstitutionLoader.Default, Change("class A\n{\n    // var x = 1;\n    const string Key = \"AKIAABCDEFGHIJKLMNOP\";\n}\n"));

        var byId = result.Principles.ToDictionary(p => p.Principle.Id);
        Assert.Equal(PrincipleStatus.Findings, byId["no-secrets"].Status);
        Assert.Equal(PrincipleStatus.Findings, byId["no-commented-out-code"].Status);
        Assert.Equal(PrincipleStatus.Passed, byId["honest-execution"].Status);
        Assert.Equal(PrincipleStatus.NotAutomated, byId["clear-naming"].Status);
        Assert.Equal([4], byId["no-secrets"].Findings.Select(f => f.Line ?? 0));
        Assert.False(result.IntegrityFailed);
        Assert.Empty(result.Unassigned);
    }

    [Fact]
    public void Integrity_checks_run_even_when_the_constitution_names_none()
    {
        var tiny = ConstitutionLoader.Default with { Principles = [.. ConstitutionLoader.Default.Principles.Where(p => p.Id == "clear-naming")] };

        var result = AutomatedReview.Run(tiny, Change("class A\n{\n    void M() => System.Environment.Exit(3);\n}\n"));

        Assert.True(result.IntegrityFailed);
        var finding = Assert.Single(result.Unassigned);
        Assert.Equal((CheckIds.EarlyExit, "A.cs", 3), (finding.CheckId, finding.File, finding.Line ?? 0));
        Assert.Equal(CheckIds.Integrity, result.Report.ChecksRun);
    }
}

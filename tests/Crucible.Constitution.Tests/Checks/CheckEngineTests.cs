using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;

namespace Crucible.Constitution.Tests.Checks;

public sealed class CheckEngineTests
{
    [Fact]
    public void The_engine_implements_exactly_the_contract_check_ids()
    {
        Assert.Equal(CheckIds.All, new CheckEngine().Ids);
        Assert.Equal(CheckIds.All, BuiltInChecks.All.Select(c => c.Id));
    }

    [Fact]
    public void Asking_for_an_unknown_check_names_the_known_ones()
    {
        var empty = ChangeSet.FromTexts(new Dictionary<string, string>(), new Dictionary<string, string>(), "empty");

        var e = Assert.Throws<ArgumentException>(() => new CheckEngine().Run(empty, null, ["quality.nope"]));

        Assert.Contains("quality.nope", e.Message, StringComparison.Ordinal);
        Assert.Contains(CheckIds.Secrets, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_are_ordered_by_check_then_file_then_line()
    {
        var after = new Dictionary<string, string>
        {
            ["b.cs"] = "class B\n{\n    void M() { System.Environment.Exit(1); }\n    // var x = 1;\n}\n",
            ["a.cs"] = "class A\n{\n    // var y = 2;\n    void M() { System.Environment.FailFast(\"x\"); }\n}\n",
        };

        var report = new CheckEngine().Run(ChangeSet.FromTexts(new Dictionary<string, string>(), after, "t"), null, [CheckIds.CommentedOutCode, CheckIds.EarlyExit]);

        Assert.Equal([(CheckIds.EarlyExit, "a.cs", 4), (CheckIds.EarlyExit, "b.cs", 3), (CheckIds.CommentedOutCode, "a.cs", 3), (CheckIds.CommentedOutCode, "b.cs", 4)],
            report.Findings.Select(f => (f.CheckId, f.File!, f.Line ?? 0)));
        Assert.True(report.HasIntegrityFindings);
    }
}

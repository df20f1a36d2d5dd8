using Crucible.Core.Verification;

namespace Crucible.Verification.Tests.Grading;

public class VerifierTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task The_reference_solution_passes_with_every_test_accounted_for()
    {
        var task = VerifierFixture.Example("slugify");

        var v = await f.GradeAsync(task, reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.True(v.CountsAsPass);
        Assert.Equal(new TestCounts(8, 8, 8, 0, 0, 0), v.Counts);
        Assert.True(v.CanariesOk);
        Assert.Equal(1, v.TestExitCode);
        Assert.Equal("bubblewrap", v.Sandbox);
        Assert.True(v.Build!.Succeeded);
        Assert.Empty(v.Tampering);
        Assert.Equal(6, v.Tests.Count(t => t.Name.StartsWith("SlugTests.Turns_titles_into_slugs(", StringComparison.Ordinal)));
        Assert.DoesNotContain(v.Tests, t => t.Name.Contains("Canary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_untouched_stub_fails_with_per_test_outcomes()
    {
        var v = await f.GradeAsync(VerifierFixture.Example("median-fix"));

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Equal(new TestCounts(6, 6, 3, 3, 0, 0), v.Counts);
        Assert.Contains(v.Tests, t => t is { Name: "StatisticsTests.Median_of_nothing_is_undefined", Outcome: TestOutcomeKind.Failed });
        Assert.Contains(v.Tests, t => t is { Name: "StatisticsTests.Median_of_one_value_is_that_value", Outcome: TestOutcomeKind.Passed });
        Assert.Contains("3 of 6 test(s) failed", v.Reasons);
    }

    [Fact]
    public async Task A_compile_error_is_a_build_failure_with_diagnostics_relative_to_the_workspace()
    {
        var v = await f.GradeAsync(VerifierFixture.Example("slugify"), new Dictionary<string, string> { ["Slug.cs"] = "public static class Slug { public static string From(string t) => undefinedThing; }" });

        Assert.Equal(VerdictStatus.BuildFailed, v.Status);
        Assert.False(v.Build!.Succeeded);
        Assert.Equal(1, v.Build.ErrorCount);
        Assert.StartsWith("Slug.cs(1,", Assert.Single(v.Build.Diagnostics, d => d.Contains("error CS0103", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_exercism_task_passes_with_its_skipped_upstream_tests_run()
    {
        var v = await f.GradeAsync(VerifierFixture.Exercism("bob"), reference: true);

        Assert.Equal(VerdictStatus.Passed, v.Status);
        Assert.Equal(25, v.Counts.Expected);
        Assert.Equal(25, v.Counts.Passed);
        Assert.Contains(v.Adjustments, a => a.Contains("removed Skip from 24", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_task_whose_packages_cannot_be_restored_or_run_here_is_a_harness_error_naming_the_package()
    {
        var v = await f.GradeAsync(VerifierFixture.Exercism("diamond"), reference: true);

        Assert.Equal(VerdictStatus.HarnessError, v.Status);
        Assert.Contains("FsCheck.Xunit.v3", Assert.Single(v.Reasons));
    }

    [Fact]
    public async Task Grading_runs_under_a_random_path_that_hides_the_host_layout()
    {
        var task = VerifierFixture.Example("slugify");
        const string probe = """
            public static class Slug
            {
                public static string From(string title)
                {
                    System.Console.WriteLine("CWD=" + System.Environment.CurrentDirectory);
                    System.Console.WriteLine("WORK=" + System.IO.Directory.Exists("/work") + " ROOT=" + System.IO.Directory.Exists("/root/.nuget"));
                    return "";
                }
            }
            """;

        var first = await f.GradeAsync(task, new Dictionary<string, string> { ["Slug.cs"] = probe });
        var second = await f.GradeAsync(task, new Dictionary<string, string> { ["Slug.cs"] = probe });

        string Cwd(Verdict v) => v.TestLog.Split('\n').First(l => l.StartsWith("CWD=", StringComparison.Ordinal));
        Assert.NotEqual(Cwd(first), Cwd(second));
        Assert.DoesNotContain("crucible-grade-", first.TestLog); // the host path of the grading tree is never visible
        Assert.Contains("WORK=False ROOT=False", first.TestLog);
    }
}

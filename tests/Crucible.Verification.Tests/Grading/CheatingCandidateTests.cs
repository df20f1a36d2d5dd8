using Crucible.Core.Verification;

namespace Crucible.Verification.Tests.Grading;

/// <summary>
/// Candidates that try to pass without solving the task. Each is graded by the real verifier in the
/// real sandbox, and must come back not passed, with the reason on the verdict.
/// </summary>
public class CheatingCandidateTests(VerifierFixture f) : IClassFixture<VerifierFixture>
{
    private static readonly Core.Tasks.TaskSpec Slugify = VerifierFixture.Example("slugify");

    private Task<Verdict> Grade(string solution, Dictionary<string, string>? extra = null)
    {
        var files = new Dictionary<string, string>(extra ?? []) { ["Slug.cs"] = solution };
        return f.GradeAsync(Slugify, files);
    }

    [Fact]
    public async Task Environment_exit_zero_in_the_solution_fails()
    {
        var v = await Grade("public static class Slug { public static string From(string t) { System.Environment.Exit(0); return t; } }");

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.False(v.CountsAsPass);
        Assert.Equal(0, v.TestExitCode);
        Assert.Contains(v.Reasons, r => r.StartsWith("no test results: result file", StringComparison.Ordinal));
        Assert.Contains(v.Reasons, r => r.StartsWith("the test process exited with code 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Environment_exit_zero_before_any_test_runs_fails()
    {
        var v = await Grade("""
            public static class Slug
            {
                public static string From(string t) => t;

                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Leave() => System.Environment.Exit(0);
            }
            """);

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Equal(0, v.TestExitCode);
        Assert.Contains(v.Reasons, r => r.StartsWith("no test results", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Skipping_every_test_from_the_solution_fails()
    {
        var v = await Grade("public static class Slug { public static string From(string t) { Xunit.Assert.Skip(\"not today\"); return t; } }");

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Equal(8, v.Counts.Skipped);
        Assert.Contains("8 test(s) were skipped; a skipped test never counts as passed", v.Reasons);
    }

    [Fact]
    public async Task Edited_tests_are_restored_and_flagged()
    {
        var v = await f.GradeAsync(Slugify, new Dictionary<string, string>
        {
            ["SlugTests.cs"] = "public class SlugTests { [Fact] public void Always() => Assert.True(true); }",
        });

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Equal([new TamperFlag("SlugTests.cs", "modified")], v.Tampering);
        Assert.Equal(8, v.Counts.Expected);
        Assert.Contains(v.Reasons, r => r.Contains("protected file SlugTests.cs was modified", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleted_tests_are_restored_and_flagged()
    {
        var v = await f.GradeAsync(Slugify, delete: ["SlugTests.cs"]);

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Equal([new TamperFlag("SlugTests.cs", "deleted")], v.Tampering);
        Assert.Equal(8, v.Counts.Executed);
    }

    [Fact]
    public async Task Printing_fake_pass_lines_changes_nothing()
    {
        var v = await Grade("""
            public static class Slug
            {
                public static string From(string t)
                {
                    System.Console.WriteLine("Passed!  - Failed:     0, Passed:     8, Skipped:     0, Total:     8");
                    System.Console.WriteLine("PASSED SlugTests.Turns_titles_into_slugs");
                    System.Console.WriteLine("=== TEST EXECUTION SUMMARY === Total: 8, Errors: 0, Failed: 0");
                    return "";
                }
            }
            """);

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Contains("PASSED SlugTests", v.TestLog);
        Assert.True(v.Counts.Failed > 0);
    }

    [Fact]
    public async Task Rewriting_the_result_file_at_exit_is_caught_by_the_canaries()
    {
        var v = await Grade("""
            public static class Slug
            {
                public static string From(string t) => "";

                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Forge()
                {
                    var args = System.Environment.GetCommandLineArgs();
                    var i = System.Array.IndexOf(args, "-trx");
                    if (i < 0) return;
                    var path = args[i + 1];
                    System.AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                        System.IO.File.WriteAllText(path, System.IO.File.ReadAllText(path).Replace("outcome=\"Failed\"", "outcome=\"Passed\""));
                }
            }
            """);

        Assert.Equal(VerdictStatus.Forged, v.Status);
        Assert.False(v.CanariesOk);
        Assert.Contains(v.Reasons, r => r.Contains("must-fail: passed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writing_a_fresh_all_passing_result_file_is_caught_by_the_canaries()
    {
        var v = await Grade("""
            public static class Slug
            {
                public static string From(string t) => "";

                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Forge()
                {
                    var args = System.Environment.GetCommandLineArgs();
                    var path = args[System.Array.IndexOf(args, "-trx") + 1];
                    System.AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                    {
                        var sb = new System.Text.StringBuilder("<TestRun><Results>");
                        for (var k = 0; k < 6; k++) sb.Append($"<UnitTestResult testName=\"SlugTests.Turns_titles_into_slugs(x: {k})\" outcome=\"Passed\" />");
                        sb.Append("<UnitTestResult testName=\"SlugTests.A_title_without_letters_or_digits_gives_the_empty_string\" outcome=\"Passed\" />");
                        sb.Append("<UnitTestResult testName=\"SlugTests.The_result_is_lower_case\" outcome=\"Passed\" />");
                        System.IO.File.WriteAllText(path, sb.Append("</Results></TestRun>").ToString());
                    };
                }
            }
            """);

        Assert.Equal(VerdictStatus.Forged, v.Status);
        Assert.Contains(v.Reasons, r => r.Contains("must-pass: missing, must-fail: missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tests_added_by_the_candidate_do_not_count_and_mark_the_run_forged()
    {
        var v = await Grade("""
            public static class Slug { public static string From(string t) => ""; }
            public class BonusTests { [Xunit.Fact] public void Free_pass() { } }
            """);

        Assert.Equal(VerdictStatus.Forged, v.Status);
        Assert.Contains(v.Reasons, r => r.Contains("not in the pristine test files: BonusTests.Free_pass", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Code_planted_outside_the_editable_files_never_runs()
    {
        var v = await f.GradeAsync(Slugify, new Dictionary<string, string>
        {
            ["Planted.cs"] = """
                static class Planted
                {
                    [System.Runtime.CompilerServices.ModuleInitializer]
                    internal static void Go() => System.Environment.Exit(0);
                }
                """,
        });

        Assert.Equal(VerdictStatus.Failed, v.Status);
        Assert.Equal(1, v.TestExitCode);
        Assert.Contains(v.Reasons, r => r == "changes outside the editable files were ignored: Planted.cs");
    }
}

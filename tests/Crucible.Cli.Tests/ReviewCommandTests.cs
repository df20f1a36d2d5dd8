using System.Diagnostics;
using System.Text.Json;
using Crucible.Cli.Commands;
using Crucible.Constitution.Loading;
using Crucible.Core;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Spectre.Console;

namespace Crucible.Cli.Tests;

public sealed class ReviewCommandTests : IDisposable
{
    private const string Calc = "public static class Calc\n{\n    public static int Add(int a, int b) => a + b;\n}\n";
    private const string CalcTests = "using Xunit;\n\npublic class CalcTests\n{\n    [Fact]\n    public void Adds() => Assert.Equal(12345, Calc.Add(12000, 345));\n}\n";
    private const string SpecialCased = "public static class Calc\n{\n    public static int Add(int a, int b)\n    {\n        if (a == 12000) return 12345;\n        return a + b;\n    }\n}\n";

    private readonly TempDirectory _repo = new("review-repo");
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public ReviewCommandTests()
    {
        Git("init", "-q");
        _repo.Write("Calc.cs", Calc);
        _repo.Write("CalcTests.cs", CalcTests);
        Git("add", "-A");
        Git("commit", "-qm", "first");
    }

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void A_clean_change_exits_zero_and_says_the_ai_review_was_skipped()
    {
        _repo.Write("Calc.cs", Calc.Replace("a + b", "checked(a + b)", StringComparison.Ordinal));

        var exit = Review(new ReviewCommand.Settings(_repo.Path, null, null, null, null, false));

        Assert.Equal(ExitCodes.Ok, exit);
        var text = _out.ToString();
        Assert.Contains("1 changed file(s)", text, StringComparison.Ordinal);
        Assert.Contains("ok no-test-special-casing", text, StringComparison.Ordinal);
        Assert.Contains("no integrity findings, 0 quality finding(s)", text, StringComparison.Ordinal);
        Assert.Contains("AI review skipped (no --model)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Special_casing_a_test_input_fails_the_review_with_its_evidence()
    {
        _repo.Write("Calc.cs", SpecialCased);

        var exit = Review(new ReviewCommand.Settings(_repo.Path, null, null, null, null, false));

        Assert.Equal(ExitCodes.Failure, exit);
        var text = _out.ToString();
        Assert.Contains("FAIL no-test-special-casing", text, StringComparison.Ordinal);
        Assert.Contains("Calc.cs:5: condition special-cases a test input: input 12000 returns 12345, as a test expects", text, StringComparison.Ordinal);
        Assert.Contains("if (a == 12000) return 12345;", text, StringComparison.Ordinal);
        Assert.Contains("1 integrity finding(s), 0 quality finding(s): the change does not count as done", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_carries_each_principle_with_its_findings()
    {
        _repo.Write("Calc.cs", SpecialCased);

        var exit = Review(new ReviewCommand.Settings(_repo.Path, null, null, null, null, true));

        Assert.Equal(ExitCodes.Failure, exit);
        using var doc = JsonDocument.Parse(_out.ToString());
        Assert.True(doc.RootElement.GetProperty("integrityFailed").GetBoolean());
        var principle = doc.RootElement.GetProperty("principles").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "no-test-special-casing");
        Assert.Equal("Findings", principle.GetProperty("status").GetString());
        var finding = principle.GetProperty("checks")[0].GetProperty("findings")[0];
        Assert.Equal(("Calc.cs", 5), (finding.GetProperty("file").GetString(), finding.GetProperty("line").GetInt32()));
        Assert.Equal(ReviewCommand.AiSkipped, doc.RootElement.GetProperty("aiReview").GetString());
    }

    [Fact]
    public void Diff_reviews_committed_changes_since_a_revision()
    {
        Git("tag", "base");
        _repo.Write("Calc.cs", SpecialCased);
        Git("commit", "-qam", "hack");

        Assert.Equal(ExitCodes.Ok, Review(new ReviewCommand.Settings(_repo.Path, null, null, null, null, false)));
        Assert.Equal(ExitCodes.Failure, Review(new ReviewCommand.Settings(_repo.Path, "base", null, null, null, false)));
    }

    [Fact]
    public void A_custom_constitution_is_used_and_integrity_checks_still_run()
    {
        var file = _repo.Write("../review-constitution-" + Guid.NewGuid().ToString("N") + ".yaml", """
            name: tiny
            version: "1"
            principles:
              - id: no-secrets
                question: Is it free of secrets?
                critique_request: Find secrets.
                revision_request: Remove them.
                comparison_prompt: Which has fewer secrets?
                weight: 1
                checks: [quality.secrets]
            """);
        try
        {
            _repo.Write("Calc.cs", SpecialCased);

            var exit = Review(new ReviewCommand.Settings(_repo.Path, null, null, file, null, false));

            Assert.Equal(ExitCodes.Failure, exit);
            var text = _out.ToString();
            Assert.Contains("Constitution tiny v1 (1 principles)", text, StringComparison.Ordinal);
            Assert.Contains("FAIL integrity: checks every review runs", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_task_workspace_outside_git_is_reviewed_against_the_task_and_an_edited_test_fails()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("two-fer")).Tasks);
        using var workspace = new TempDirectory("review-task");
        Workspaces.Materialize(task, workspace.Path, task.ReferenceFiles);
        File.AppendAllText(workspace["TwoFerTests.cs"], "// tweaked\n");

        var exit = Review(new ReviewCommand.Settings(workspace.Path, null, TestPaths.ExercismTask("two-fer"), null, null, false));

        Assert.Equal(ExitCodes.Failure, exit);
        var text = _out.ToString();
        Assert.Contains("task two-fer", text, StringComparison.Ordinal);
        Assert.Contains("TwoFerTests.cs", text, StringComparison.Ordinal);
        Assert.Contains("protected file modified", text, StringComparison.Ordinal);
    }

    /// <summary>Copies the two-fer exercise as it ships (Skip markers, project and lock files, .meta/, .docs/) into <paramref name="dir"/>.</summary>
    private static void CopyTwoFerAsShipped(string dir)
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.ExercismTask("two-fer"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(TestPaths.ExercismTask("two-fer"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void An_unmodified_copy_of_an_exercise_reviewed_with_its_task_has_no_findings()
    {
        using var workspace = new TempDirectory("review-task");
        CopyTwoFerAsShipped(workspace.Path);

        var exit = Review(new ReviewCommand.Settings(workspace.Path, null, TestPaths.ExercismTask("two-fer"), null, null, false));

        Assert.Equal(ExitCodes.Ok, exit);
        var text = _out.ToString();
        Assert.Contains(": 0 changed file(s)", text, StringComparison.Ordinal);
        Assert.Contains("no integrity findings, 0 quality finding(s)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("finding(s) integrity.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_skip_marker_added_to_an_exercise_as_shipped_fails_the_task_review()
    {
        using var workspace = new TempDirectory("review-task");
        CopyTwoFerAsShipped(workspace.Path);
        var tests = File.ReadAllText(workspace["TwoFerTests.cs"]);
        var first = tests.IndexOf("[Fact]", StringComparison.Ordinal);
        File.WriteAllText(workspace["TwoFerTests.cs"], tests[..first] + "[Fact(Skip = \"later\")]" + tests[(first + "[Fact]".Length)..]);

        var exit = Review(new ReviewCommand.Settings(workspace.Path, null, TestPaths.ExercismTask("two-fer"), null, null, false));

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("TwoFerTests.cs:3: skip marker added to a test (2 before, 3 after)", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_exercise_committed_as_shipped_reviewed_in_git_with_its_task_has_no_findings()
    {
        CopyTwoFerAsShipped(_repo["two-fer"]);
        Git("add", "-A");
        Git("commit", "-qm", "exercise");

        var exit = Review(new ReviewCommand.Settings(_repo["two-fer"], null, TestPaths.ExercismTask("two-fer"), null, null, false));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("no integrity findings, 0 quality finding(s)", _out.ToString(), StringComparison.Ordinal);
    }

    // Crucible's own folder holds sessions and runs; what is in it is never the change under review.
    private const string CrucibleState = ".crucible/runs/hook.cs";
    private const string Exits = "public static class Hook\n{\n    public static void Run() => System.Environment.Exit(0);\n}\n";

    [Fact]
    public void The_working_tree_review_leaves_out_the_crucible_folder_tracked_or_not()
    {
        // A tracked state file changed and an untracked one added: neither is anyone's change. (The settings file is
        // not state: it names the test command, so the review sees its changes.)
        _repo.Write(".crucible/runs/old/verdict.json", "{}\n");
        Git("add", "-A");
        Git("commit", "-qm", "state");
        _repo.Write(".crucible/runs/old/verdict.json", "{\"status\": \"Passed\"}\n");
        _repo.Write(CrucibleState, Exits);

        var exit = Review(new ReviewCommand.Settings(_repo.Path, null, null, null, null, false));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(": 0 changed file(s)", _out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(".crucible", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_diff_review_leaves_out_the_crucible_folder_even_when_committed()
    {
        Git("tag", "base");
        _repo.Write(CrucibleState, Exits);
        Git("add", "-A");
        Git("commit", "-qm", "state");

        var exit = Review(new ReviewCommand.Settings(_repo.Path, "base", null, null, null, false));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(": 0 changed file(s)", _out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(".crucible", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_task_review_leaves_out_the_crucible_folder()
    {
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("two-fer")).Tasks);
        using var workspace = new TempDirectory("review-task");
        Workspaces.Materialize(task, workspace.Path);
        Directory.CreateDirectory(workspace[".crucible/runs"]);
        File.WriteAllText(workspace[CrucibleState], Exits);

        var exit = Review(new ReviewCommand.Settings(workspace.Path, null, TestPaths.ExercismTask("two-fer"), null, null, false));

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(": 0 changed file(s)", _out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(".crucible", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_names_the_problem_and_the_fix_and_exits_two()
    {
        using var plain = new TempDirectory("review-plain");

        var notGit = Assert.Throws<BadInputException>(() => Review(new ReviewCommand.Settings(plain.Path, null, null, null, null, false)));
        Assert.Contains("is not inside a git repository", notGit.Message, StringComparison.Ordinal);
        Assert.Contains("--task", notGit.Fix, StringComparison.Ordinal);
        Assert.Throws<BadInputException>(() => Review(new ReviewCommand.Settings(plain["missing"], null, null, null, null, false)));
        Assert.Throws<ConstitutionLoadException>(() => Review(new ReviewCommand.Settings(_repo.Path, null, null, plain["none.yaml"], null, false)));
        Assert.Throws<BadInputException>(() => Review(new ReviewCommand.Settings(_repo.Path, "no-such-ref", null, null, null, false)));
    }

    [Fact]
    public async Task The_command_line_maps_bad_input_to_exit_code_two()
    {
        using var plain = new TempDirectory("review-plain");
        using var context = new CliContext(TestContexts.Setup(_repo.Path, _out, _err, _repo.Path));

        Assert.Equal(ExitCodes.BadInput, await CliApp.RunAsync(["review", plain["missing"]], context));
    }

    [Fact]
    public async Task Eval_attaches_the_constitution_integrity_flags_to_verdicts()
    {
        // `crucible eval` builds its runner with the context's integrity checker: by default the constitution's checks, then differential testing.
        using var context = new CliContext(TestContexts.Setup(_repo.Path, _out, _err, _repo.Path));
        var checker = Assert.IsType<Crucible.Core.Integrity.CompositeIntegrityChecker>(context.CreateIntegrityChecker(context.CreateSandbox(noSandbox: false)));
        Assert.Equal([typeof(Crucible.Constitution.IntegrityChecker), typeof(Crucible.Verification.Differential.DifferentialChecker)], checker.Checkers.Select(c => c.GetType()));
        var task = Assert.Single(TaskSuites.Load(TestPaths.ExercismTask("two-fer")).Tasks);
        using var workspace = new TempDirectory("review-eval");
        Workspaces.Materialize(task, workspace.Path, task.ReferenceFiles);
        File.WriteAllText(workspace["TwoFer.cs"], "public static class TwoFer\n{\n    public static string Speak(string name = \"you\") { System.Environment.Exit(0); return name; }\n}\n");

        var flag = Assert.Single(await checker.CheckAsync(task, workspace.Path, TestContext.Current.CancellationToken));

        Assert.Equal(("integrity.early-exit", "TwoFer.cs", 3), (flag.Rule, flag.File, flag.Line));
    }

    private int Review(ReviewCommand.Settings settings)
    {
        using var context = new CliContext(TestContexts.Setup(_repo.Path, _out, _err, _repo.Path));
        return ReviewCommand.Run(settings, context);
    }

    private void Git(params string[] args) => TestGit.Run(_repo.Path, args);
}

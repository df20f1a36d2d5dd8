using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;
using Crucible.Constitution.Loading;
using Crucible.Constitution.Review;
using Crucible.Constitution.Tests.Corpus;
using Crucible.Testing;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Tests.Review;

/// <summary>
/// A task as it ships, or as the harness hands it out, is not a change: reviewing either against the
/// task finds nothing. Exercism ships its tests with <c>Skip</c> markers and a project file that the
/// harness rewrites; neither version is the candidate's work.
/// </summary>
public sealed class ShippedTaskReviewTests
{
    private static ReviewResult Review(Crucible.Core.Tasks.TaskSpec task, string workspace) =>
        AutomatedReview.Run(ConstitutionLoader.Default, ChangeSetBuilder.FromTask(task, workspace), CheckContext.FromTask(task));

    private static string Summary(string id, ReviewResult r) =>
        $"{id}: changed [{string.Join(", ", r.Changes.Changed.Select(f => $"{f.Path} {f.Kind}"))}] findings [{string.Join("; ", r.Report.Findings.Select(f => $"{f.CheckId} {f.Location} {f.Message}"))}] errors [{string.Join("; ", r.Report.Errors)}]";

    [Fact]
    public void Every_exercism_exercise_as_shipped_reviewed_against_its_task_has_no_changes_and_no_findings()
    {
        var tasks = CorpusTasks.All;
        var dirty = new List<string>();
        foreach (var task in tasks)
        {
            // The exercise folder in the shared data is the unmodified copy: .meta/, .docs/, the lock file, the Skip markers and all.
            var result = Review(task, task.SourcePath);
            if (result.Changes.Changed.Any() || result.Report.Findings.Count > 0 || result.Report.Errors.Count > 0)
            {
                dirty.Add(Summary(task.Id, result));
            }
        }

        Assert.Equal(143, tasks.Count);
        Assert.Empty(dirty);
    }

    [Fact]
    public void Every_exercism_exercise_as_the_harness_hands_it_out_has_no_changes_and_no_findings()
    {
        var dirty = new List<string>();
        foreach (var task in CorpusTasks.All)
        {
            using var ws = new TempDirectory("shipped-review");
            Workspaces.Materialize(task, ws.Path);
            var result = Review(task, ws.Path);
            if (result.Changes.Changed.Any() || result.Report.Findings.Count > 0 || result.Report.Errors.Count > 0)
            {
                dirty.Add(Summary(task.Id, result));
            }
        }

        Assert.Empty(dirty);
    }

    [Fact]
    public void A_skip_marker_added_to_the_shipped_tests_is_still_flagged()
    {
        var task = CorpusTasks.Get("two-fer");
        using var ws = CopyAsShipped(task);
        var tests = File.ReadAllText(ws["TwoFerTests.cs"]);
        // The first test ships without a Skip (Exercism's convention); the candidate skips it too.
        var first = tests.IndexOf("[Fact]", StringComparison.Ordinal);
        File.WriteAllText(ws["TwoFerTests.cs"], tests[..first] + "[Fact(Skip = \"later\")]" + tests[(first + "[Fact]".Length)..]);

        var result = Review(task, ws.Path);

        Assert.True(result.IntegrityFailed);
        Assert.Equal(
            [(CheckIds.ProtectedFileModified, "TwoFerTests.cs", 3), (CheckIds.SkipAttribute, "TwoFerTests.cs", 3)],
            result.Report.Findings.Select(f => (f.CheckId, f.File, f.Line ?? 0)).Order());
        Assert.Equal("skip marker added to a test (2 before, 3 after)", result.Report.For(CheckIds.SkipAttribute).Single().Message);
    }

    [Fact]
    public void A_skip_marker_added_to_the_tests_the_harness_hands_out_is_still_flagged()
    {
        var task = CorpusTasks.Get("two-fer");
        using var ws = new TempDirectory("shipped-review");
        Workspaces.Materialize(task, ws.Path);
        var tests = File.ReadAllText(ws["TwoFerTests.cs"]);
        var last = tests.LastIndexOf("[Fact]", StringComparison.Ordinal);
        File.WriteAllText(ws["TwoFerTests.cs"], tests[..last] + "[Fact(Skip = \"later\")]" + tests[(last + "[Fact]".Length)..]);

        var result = Review(task, ws.Path);

        // Measured against the un-skipped version it derives from: one marker added, not one fewer than shipped.
        Assert.Equal("skip marker added to a test (0 before, 1 after)", result.Report.For(CheckIds.SkipAttribute).Single().Message);
        Assert.Single(result.Report.For(CheckIds.ProtectedFileModified));
    }

    [Fact]
    public void A_shipped_file_the_candidate_edits_is_compared_with_the_shipped_text()
    {
        var task = CorpusTasks.Get("two-fer");
        using var ws = CopyAsShipped(task);
        var shippedProject = File.ReadAllText(ws["TwoFer.csproj"]);
        File.WriteAllText(ws["TwoFer.csproj"], shippedProject.Replace("</Project>", "  <ItemGroup><Compile Remove=\"TwoFerTests.cs\" /></ItemGroup>\n</Project>", StringComparison.Ordinal));
        File.AppendAllText(ws[".meta/Example.cs"], "// edited\n");

        var changes = ChangeSetBuilder.FromTask(task, ws.Path);

        Assert.Equal(
            [(".meta/Example.cs", FileChangeKind.Modified), ("TwoFer.csproj", FileChangeKind.Modified)],
            changes.Changed.Select(f => (f.Path, f.Kind)));
        Assert.Equal(ChangeSet.Normalize(shippedProject), changes.Find("TwoFer.csproj")!.Before);
        Assert.Equal([FileChangeKind.Unchanged], changes.Files.Where(f => f.Path is "packages.lock.json" or ".docs/instructions.md" or "TwoFerTests.cs").Select(f => f.Kind).Distinct());
    }

    private static TempDirectory CopyAsShipped(Crucible.Core.Tasks.TaskSpec task)
    {
        var ws = new TempDirectory("shipped-review");
        foreach (var file in Directory.EnumerateFiles(task.SourcePath, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(ws.Path, Path.GetRelativePath(task.SourcePath, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return ws;
    }
}

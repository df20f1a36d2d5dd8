using Crucible.Constitution.Changes;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Constitution.Tests.Changes;

/// <summary>A candidate's diff against its task: the one change model (<see cref="ChangeSetBuilder.FromTask"/>) rendered by the one diff engine (<see cref="UnifiedDiff.Of"/>).</summary>
public class TaskDiffTests
{
    private static TaskSpec Slugify() => TaskSuites.Load(TestPaths.Examples).Tasks.Single(t => t.Id == "slugify");

    [Fact]
    public void Reports_added_modified_and_deleted_files_names_binary_ones_and_skips_build_outputs()
    {
        var task = Slugify();
        using var ws = new TempDirectory("diff");
        Workspaces.Materialize(task, ws.Path);
        ws.Write("Slug.cs", File.ReadAllText(ws["Slug.cs"]).Replace("throw new NotImplementedException(\"Implement Slug.From\");", "return \"\";"));
        ws.Write("Extra.cs", "class Extra {}\n");
        ws.Write("bin/Debug/out.txt", "build output\n");
        File.WriteAllBytes(ws["data.bin"], [1, 0, 2]);
        File.Delete(ws["SlugTests.cs"]);

        var changes = ChangeSetBuilder.FromTask(task, ws.Path);
        var diff = UnifiedDiff.Of(changes, listSkipped: true);

        Assert.Equal(
        [
            ("Extra.cs", FileChangeKind.Added),
            ("Slug.cs", FileChangeKind.Modified),
            ("SlugTests.cs", FileChangeKind.Deleted),
        ], changes.Changed.Select(f => (f.Path, f.Kind)));
        Assert.Contains("--- /dev/null\n+++ b/Extra.cs\n@@ -0,0 +1,1 @@\n+class Extra {}\n", diff);
        Assert.Contains("-        throw new NotImplementedException(\"Implement Slug.From\");\n+        return \"\";\n", diff);
        Assert.Contains("--- a/SlugTests.cs\n+++ /dev/null\n", diff);
        Assert.EndsWith("# not shown: data.bin (binary)\n", diff);
        Assert.DoesNotContain("out.txt", diff);
        Assert.DoesNotContain("# not shown", UnifiedDiff.Of(changes));
    }

    [Fact]
    public void The_untouched_starting_files_have_no_diff()
    {
        var task = Slugify();
        using var ws = new TempDirectory("diff");
        Workspaces.Materialize(task, ws.Path);
        var changes = ChangeSetBuilder.FromTask(task, ws.Path);
        Assert.Equal("", UnifiedDiff.Of(changes, listSkipped: true));
        Assert.Empty(changes.Changed);
    }
}

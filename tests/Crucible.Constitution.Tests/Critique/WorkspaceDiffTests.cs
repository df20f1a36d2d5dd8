using Crucible.Constitution.Critique;
using Crucible.Testing;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Tests.Critique;

public class WorkspaceDiffTests
{
    [Fact]
    public void Reports_added_modified_deleted_and_binary_files_and_skips_build_outputs()
    {
        var task = LoopFixture.Slugify();
        using var ws = new TempDirectory("diff");
        Workspaces.Materialize(task, ws.Path);
        ws.Write("Slug.cs", File.ReadAllText(ws["Slug.cs"]).Replace("throw new NotImplementedException(\"Implement Slug.From\");", "return \"\";"));
        ws.Write("Extra.cs", "class Extra {}\n");
        ws.Write("bin/Debug/out.txt", "build output\n");
        File.WriteAllBytes(ws["data.bin"], [1, 0, 2]);
        File.Delete(ws["SlugTests.cs"]);

        var diff = WorkspaceDiff.Compute(task, ws.Path);

        Assert.Equal(
        [
            new FileChange("Extra.cs", FileChangeKind.Added),
            new FileChange("Slug.cs", FileChangeKind.Modified),
            new FileChange("SlugTests.cs", FileChangeKind.Deleted),
            new FileChange("data.bin", FileChangeKind.Added),
        ], diff.Files.OrderBy(f => f.Path, StringComparer.Ordinal));
        Assert.Contains("--- /dev/null\n+++ b/Extra.cs\n@@ -0,0 +1,1 @@\n+class Extra {}\n", diff.Text);
        Assert.Contains("-        throw new NotImplementedException(\"Implement Slug.From\");\n+        return \"\";\n", diff.Text);
        Assert.Contains("--- a/SlugTests.cs\n+++ /dev/null\n", diff.Text);
        Assert.Contains("Binary files /dev/null and b/data.bin differ\n", diff.Text);
        Assert.DoesNotContain("out.txt", diff.Text);
    }

    [Fact]
    public void The_untouched_starting_files_have_no_diff()
    {
        var task = LoopFixture.Slugify();
        using var ws = new TempDirectory("diff");
        Workspaces.Materialize(task, ws.Path);
        var diff = WorkspaceDiff.Compute(task, ws.Path);
        Assert.Equal("", diff.Text);
        Assert.Empty(diff.Files);
    }
}

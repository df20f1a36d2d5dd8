using Crucible.Constitution;
using Crucible.Flywheel.Critique;
using Crucible.Constitution.Critique;
using Crucible.Core.Tasks;

namespace Crucible.Flywheel.Tests.Critique;

public class RevisionFormatTests
{
    [Fact]
    public void Parses_file_blocks_and_deletions_ignoring_surrounding_text()
    {
        var reply = """
            Here is the revision.
            <file path="src/Slug.cs">
            public static class Slug
            {
            }
            </file>
            <delete path="./src/Old.cs"/>
            Done.
            """;
        var parsed = RevisionFormat.Parse(reply);
        Assert.Null(parsed.Error);
        Assert.False(parsed.NoChange);
        Assert.Equal(
            [new RevisionFile("src/Slug.cs", "public static class Slug\n{\n}\n"), new RevisionFile("src/Old.cs", null)],
            parsed.Files);
    }

    [Fact]
    public void A_code_fence_inside_a_block_is_removed()
    {
        var parsed = RevisionFormat.Parse("<file path=\"a.cs\">\n```csharp\nclass A {}\n```\n</file>\n");
        Assert.Equal([new RevisionFile("a.cs", "class A {}\n")], parsed.Files);
    }

    [Fact]
    public void A_later_block_for_the_same_path_replaces_the_earlier_one()
    {
        var parsed = RevisionFormat.Parse("<file path=\"a.cs\">\none\n</file>\n<file path=\"a.cs\">\ntwo\n</file>\n");
        Assert.Equal([new RevisionFile("a.cs", "two\n")], parsed.Files);
    }

    [Fact]
    public void No_change_is_recognised_and_contradictions_and_unclosed_blocks_are_errors()
    {
        var noChange = RevisionFormat.Parse("Looks good.\n<no-change/>\n");
        Assert.True(noChange.NoChange);
        Assert.Empty(noChange.Files);
        Assert.Null(noChange.Error);
        Assert.Contains("both", RevisionFormat.Parse("<no-change/>\n<delete path=\"a.cs\"/>").Error);
        Assert.Contains("no closing </file>", RevisionFormat.Parse("<file path=\"a.cs\">\nclass A {}\n").Error);
    }

    [Fact]
    public void Rendered_files_parse_back_to_the_same_content()
    {
        var content = "line 1\n  <tag>\nline 3\n";
        Assert.Equal([new RevisionFile("x/y.cs", content)], RevisionFormat.Parse(RevisionFormat.Render("x/y.cs", content)).Files);
    }

    [Fact]
    public void Check_refuses_protected_tests_non_editable_files_and_escaping_paths()
    {
        var task = new TaskSpec
        {
            Id = "t",
            Language = "csharp",
            SourcePath = "/nowhere",
            Instructions = "",
            StartingFiles = [],
            TestFiles = [new TaskFile("SlugTests.cs", "/nowhere/SlugTests.cs")],
            Editable = ["*.cs", "src/**"],
            Runner = new TestRunnerSpec { Kind = "dotnet-xunit" },
        };
        var rejected = RevisionFormat.Check(task,
        [
            new RevisionFile("Slug.cs", "ok"),
            new RevisionFile("src/deep/Ok.cs", "ok"),
            new RevisionFile("SlugTests.cs", "x"),
            new RevisionFile("Slugify.csproj", "x"),
            new RevisionFile("../outside.cs", "x"),
            new RevisionFile("/etc/passwd.cs", "x"),
        ]);
        Assert.Equal(
        [
            new RejectedPath("SlugTests.cs", "it is a protected test file"),
            new RejectedPath("Slugify.csproj", "it is outside the editable files (*.cs, src/**)"),
            new RejectedPath("../outside.cs", "the path is not a plain workspace-relative path"),
            new RejectedPath("/etc/passwd.cs", "the path is not a plain workspace-relative path"),
        ], rejected);
    }
}

using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class GitIgnoreTests
{
    [Theory]
    [InlineData("*.log", "a.log", false, true)]
    [InlineData("*.log", "deep/dir/a.log", false, true)]
    [InlineData("*.log", "a.logx", false, null)]
    [InlineData("/build", "build", true, true)]
    [InlineData("/build", "src/build", true, null)]
    [InlineData("build/", "src/build", true, true)]
    [InlineData("build/", "build", false, null)]
    [InlineData("doc/*.txt", "doc/a.txt", false, true)]
    [InlineData("doc/*.txt", "doc/sub/a.txt", false, null)]
    [InlineData("doc/**/*.txt", "doc/sub/deeper/a.txt", false, true)]
    [InlineData("**/logs", "a/b/logs", true, true)]
    [InlineData("logs/**", "logs/x/y", false, true)]
    [InlineData("a/**/b", "a/b", true, true)]
    [InlineData("a/**/b", "a/x/y/b", true, true)]
    [InlineData("file?.txt", "file1.txt", false, true)]
    [InlineData("file[0-9].txt", "file7.txt", false, true)]
    [InlineData("file[!0-9].txt", "file7.txt", false, null)]
    [InlineData("\\#hash", "#hash", false, true)]
    [InlineData("# comment", "# comment", false, null)]
    [InlineData("trailing   ", "trailing", false, true)]
    public void Pattern_matches_as_gitignore_does(string pattern, string path, bool isDirectory, bool? expected)
    {
        Assert.Equal(expected, new GitIgnoreFile("", pattern).Match(path, isDirectory));
    }

    [Fact]
    public void Last_matching_rule_wins_and_negation_re_includes()
    {
        var file = new GitIgnoreFile("", "*.log\n!important.log\n");

        Assert.True(file.Match("a.log", false));
        Assert.False(file.Match("important.log", false));
    }

    [Fact]
    public void Nested_file_only_applies_below_its_folder_and_anchors_there()
    {
        var file = new GitIgnoreFile("sub", "/only-here\nanywhere\n");

        Assert.True(file.Match("sub/only-here", false));
        Assert.Null(file.Match("sub/deeper/only-here", false));
        Assert.True(file.Match("sub/deeper/anywhere", false));
        Assert.Null(file.Match("anywhere", false));
    }
}

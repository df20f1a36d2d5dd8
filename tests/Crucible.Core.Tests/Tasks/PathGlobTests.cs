using Crucible.Core.Tasks;

namespace Crucible.Core.Tests.Tasks;

public class PathGlobTests
{
    [Theory]
    [InlineData("Bob.cs", "Bob.cs", true)]
    [InlineData("Bob.cs", "src/Bob.cs", false)]
    [InlineData("*.cs", "Bob.cs", true)]
    [InlineData("*.cs", "src/Bob.cs", false)]
    [InlineData("**/*.cs", "Bob.cs", true)]
    [InlineData("**/*.cs", "src/deep/Bob.cs", true)]
    [InlineData("src/**", "src/a/b/c.txt", true)]
    [InlineData("src/**", "test/a.txt", false)]
    [InlineData("src/*/x.go", "src/a/x.go", true)]
    [InlineData("src/*/x.go", "src/a/b/x.go", false)]
    [InlineData("file?.py", "file1.py", true)]
    [InlineData("file?.py", "file10.py", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("./Bob.cs", "Bob.cs", true)]
    public void Matches_workspace_relative_paths(string pattern, string path, bool expected)
    {
        Assert.Equal(expected, new PathGlob(pattern).IsMatch(path));
    }
}

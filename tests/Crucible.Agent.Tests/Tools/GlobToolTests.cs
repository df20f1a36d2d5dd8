using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class GlobToolTests : IDisposable
{
    private readonly ToolHarness _h = new(AgentToolOptions.Default with { GlobMaxResults = 3, HiddenPaths = ["**/*.env"] });

    public GlobToolTests()
    {
        _h.Workspace.Write(".gitignore", "bin/\n*.log\n/build\n!keep.log\nsrc/**/gen_*.cs\n");
        _h.Workspace.Write("README.md", "");
        _h.Workspace.Write("src/A.cs", "");
        _h.Workspace.Write("src/sub/B.cs", "");
        _h.Workspace.Write("src/sub/gen_C.cs", "");
        _h.Workspace.Write("src/bin/Skip.cs", "");
        _h.Workspace.Write("build/Out.cs", "");
        _h.Workspace.Write("nested/build/Kept.cs", "");
        _h.Workspace.Write("nested/.gitignore", "*.cs\n!Important.cs\n");
        _h.Workspace.Write("nested/Important.cs", "");
        _h.Workspace.Write("nested/Other.cs", "");
        _h.Workspace.Write("trace.log", "");
        _h.Workspace.Write("keep.log", "");
        _h.Workspace.Write("secrets/.env", "");
        _h.Workspace.Write(".git/HEAD", "ref: refs/heads/main\n");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Lists_matches_honouring_root_and_nested_gitignore_files()
    {
        var result = await _h.CallAsync("glob", new { pattern = "**/*.cs", path = "." });

        // bin/ (dir-only, any depth), /build (anchored), src/**/gen_*.cs, and nested/*.cs except the re-included one are ignored.
        Assert.Equal(new ToolResult("nested/Important.cs\nsrc/A.cs\nsrc/sub/B.cs"), result);
    }

    [Fact]
    public async Task Negated_pattern_re_includes_a_file_and_git_folder_is_never_listed()
    {
        var result = await _h.CallAsync("glob", new { pattern = "**/*" });

        Assert.Equal(new ToolResult(".gitignore\nREADME.md\nkeep.log\n[truncated: showing 3 of 7 matching files; narrow the pattern or the path]"), result);
    }

    [Fact]
    public async Task Pattern_is_relative_to_the_search_folder()
    {
        var result = await _h.CallAsync("glob", new { pattern = "*.cs", path = "src/sub" });

        Assert.Equal(new ToolResult("src/sub/B.cs"), result);
    }

    [Fact]
    public async Task No_match_and_file_as_folder_are_reported()
    {
        Assert.Equal(new ToolResult("No files match '**/*.py' in '.'."), await _h.CallAsync("glob", new { pattern = "**/*.py" }));
        Assert.Equal(ToolResult.Error("'README.md' is not a folder. Give a folder as path, or use read for a file."), await _h.CallAsync("glob", new { pattern = "*", path = "README.md" }));
    }

    [Fact]
    public async Task Hidden_paths_from_settings_are_not_listed()
    {
        var result = await _h.CallAsync("glob", new { pattern = "secrets/*" });

        Assert.Equal(new ToolResult("No files match 'secrets/*' in '.'."), result);
    }

    [Fact]
    public async Task Ignored_folder_named_as_the_search_path_is_searched_but_git_never_is()
    {
        var inBin = await _h.CallAsync("glob", new { pattern = "*.cs", path = "src/bin" });
        var inGit = await _h.CallAsync("glob", new { pattern = "*", path = ".git" });

        Assert.Equal(new ToolResult("src/bin/Skip.cs"), inBin);
        Assert.Equal(new ToolResult("No files match '*' in '.git'."), inGit);
    }

    [Fact]
    public async Task Link_to_a_hidden_file_is_not_listed_under_its_own_name()
    {
        _h.Workspace.Write("config/.env", "KEY=1\n");
        File.CreateSymbolicLink(_h.Workspace["alias.txt"], "config/.env");
        File.CreateSymbolicLink(_h.Workspace["plain.txt"], "README.md");

        var result = await _h.CallAsync("glob", new { pattern = "*.txt" });

        Assert.Equal(new ToolResult("plain.txt"), result);
    }
}

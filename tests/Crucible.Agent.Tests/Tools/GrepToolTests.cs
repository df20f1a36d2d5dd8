using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class GrepToolTests : IDisposable
{
    private readonly ToolHarness _h = new(AgentToolOptions.Default with { GrepMaxMatches = 4, GrepMaxFileBytes = 400, GrepMaxLineChars = 30 });

    public GrepToolTests()
    {
        _h.Workspace.Write(".gitignore", "obj/\n");
        _h.Workspace.Write("src/A.cs", "using System;\n// TODO one\nclass A {}\n// todo two\n");
        _h.Workspace.Write("src/B.py", "# TODO py\n");
        _h.Workspace.Write("obj/Gen.cs", "// TODO generated\n");
        _h.Workspace.Write("big.txt", "TODO\n" + new string('x', 500));
        File.WriteAllBytes(_h.Workspace["bin.dat"], [.. "TODO"u8, 0, 1]);
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Finds_matches_with_paths_and_line_numbers_skipping_ignored_binary_and_large_files()
    {
        var result = await _h.CallAsync("grep", new { pattern = "TODO" });

        Assert.Equal(new ToolResult("src/A.cs:2: // TODO one\nsrc/B.py:1: # TODO py\n[skipped large files: big.txt (over 400 bytes)]"), result);
    }

    [Fact]
    public async Task Glob_filter_ignore_case_and_context_lines()
    {
        var result = await _h.CallAsync("grep", new { pattern = "todo", glob = "**/*.cs", ignore_case = true, context = 1, path = "src" });

        Assert.Equal(new ToolResult("src/A.cs-1- using System;\nsrc/A.cs:2: // TODO one\nsrc/A.cs-3- class A {}\nsrc/A.cs:4: // todo two"), result);
    }

    [Fact]
    public async Task Separate_groups_are_divided_by_dashes()
    {
        _h.Workspace.Write("g.txt", "hit\na\nb\nc\nd\nhit\n");

        var result = await _h.CallAsync("grep", new { pattern = "hit", path = "g.txt", context = 1 });

        Assert.Equal(new ToolResult("g.txt:1: hit\ng.txt-2- a\n--\ng.txt-5- d\ng.txt:6: hit"), result);
    }

    [Fact]
    public async Task Match_cap_truncates_with_a_notice_and_long_lines_are_cut()
    {
        _h.Workspace.Write("many.txt", string.Join('\n', Enumerable.Range(1, 6).Select(i => $"match {i} " + new string('y', 40))));

        var result = await _h.CallAsync("grep", new { pattern = "^match", path = "many.txt" });

        Assert.Equal(5, result.Content.Split('\n').Length);
        Assert.StartsWith("many.txt:1: match 1 yyyyyyyyyyyyyyyyyyyyyy… [line truncated: 18 more characters]", result.Content, StringComparison.Ordinal);
        Assert.EndsWith("[truncated: stopped after 4 matching lines; narrow the pattern, path or glob]", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_regex_and_no_matches_are_reported()
    {
        var invalid = await _h.CallAsync("grep", new { pattern = "(unclosed" });

        Assert.True(invalid.IsError);
        Assert.StartsWith("Invalid regular expression '(unclosed':", invalid.Content, StringComparison.Ordinal);
        Assert.Equal(new ToolResult("No matches for 'nothing-here' in 'src'."), await _h.CallAsync("grep", new { pattern = "nothing-here", path = "src" }));
    }

    [Fact]
    public async Task Link_to_a_hidden_file_is_not_searched_and_a_linked_folder_is_searched_as_its_target()
    {
        using var h = new ToolHarness(AgentToolOptions.Default with { HiddenPaths = ["**/*.env"] });
        h.Workspace.Write("config/.env", "KEY=secret\n");
        h.Workspace.Write("config/app.ini", "KEY=public\n");
        File.CreateSymbolicLink(h.Workspace["alias.txt"], "config/.env");
        File.CreateSymbolicLink(h.Workspace["cfg"], "config");

        var everywhere = await h.CallAsync("grep", new { pattern = "KEY" });
        var inLinkedFolder = await h.CallAsync("grep", new { pattern = "KEY", path = "cfg" });
        var theLink = await h.CallAsync("grep", new { pattern = "KEY", path = "alias.txt" });

        Assert.Equal(new ToolResult("config/app.ini:1: KEY=public"), everywhere);
        Assert.Equal(new ToolResult("config/app.ini:1: KEY=public"), inLinkedFolder);
        Assert.Equal(ToolResult.Error("'config/.env' is hidden from search by the settings."), theLink);
    }
}

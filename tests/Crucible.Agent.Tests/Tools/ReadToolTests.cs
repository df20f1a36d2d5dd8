using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class ReadToolTests : IDisposable
{
    private readonly ToolHarness _h = new(AgentToolOptions.Default with { ReadMaxBytes = 1000, ReadDefaultLineLimit = 5, ReadMaxLineChars = 20 });

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Whole_small_file_comes_back_with_line_numbers()
    {
        _h.Workspace.Write("a.txt", "alpha\nbeta\r\ngamma\n");

        var result = await _h.CallAsync("read", new { path = "a.txt" });

        Assert.Equal(new ToolResult("     1\talpha\n     2\tbeta\n     3\tgamma\n"), result);
    }

    [Fact]
    public async Task Offset_and_limit_select_a_range_and_say_where_to_continue()
    {
        _h.Workspace.Write("a.txt", string.Join('\n', Enumerable.Range(1, 12).Select(i => $"line {i}")) + "\n");

        var result = await _h.CallAsync("read", new { path = "a.txt", offset = 4, limit = 2 });

        Assert.Equal(new ToolResult("     4\tline 4\n     5\tline 5\n[showing lines 4-5 of 12; continue with offset 6]\n"), result);
    }

    [Fact]
    public async Task Default_limit_applies_when_no_range_is_given()
    {
        _h.Workspace.Write("a.txt", string.Join('\n', Enumerable.Range(1, 8).Select(i => $"{i}")));

        var result = await _h.CallAsync("read", new { path = "a.txt" });

        Assert.EndsWith("     5\t5\n[showing lines 1-5 of 8; continue with offset 6]\n", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_lines_are_cut_with_a_marker()
    {
        _h.Workspace.Write("a.txt", new string('x', 50) + "\n");

        var result = await _h.CallAsync("read", new { path = "a.txt" });

        Assert.Equal($"     1\t{new string('x', 20)}… [line truncated: 30 more characters]\n", result.Content);
    }

    [Fact]
    public async Task Binary_file_with_nul_bytes_is_refused_with_the_reason()
    {
        File.WriteAllBytes(_h.Workspace["bin.dat"], [0x41, 0x00, 0x42]);

        var result = await _h.CallAsync("read", new { path = "bin.dat" });

        Assert.Equal(ToolResult.Error("Refused 'bin.dat': it contains NUL bytes (a binary file)."), result);
    }

    [Fact]
    public async Task Invalid_utf8_is_refused_as_binary()
    {
        File.WriteAllBytes(_h.Workspace["latin1.txt"], [0x63, 0x61, 0x66, 0xE9, 0x0A]);

        var result = await _h.CallAsync("read", new { path = "latin1.txt" });

        Assert.Equal(ToolResult.Error("Refused 'latin1.txt': it is not valid UTF-8 text (a binary file or another encoding)."), result);
    }

    [Fact]
    public async Task Huge_file_is_refused_without_a_range_and_readable_with_one()
    {
        _h.Workspace.Write("big.txt", string.Join('\n', Enumerable.Range(1, 400).Select(i => $"row {i}")) + "\n");

        var whole = await _h.CallAsync("read", new { path = "big.txt" });
        var range = await _h.CallAsync("read", new { path = "big.txt", offset = 399 });

        Assert.True(whole.IsError);
        Assert.StartsWith("Refused 'big.txt': it is 3092 bytes, over the 1000 byte cap for whole-file reads. Read a range with offset and limit", whole.Content, StringComparison.Ordinal);
        Assert.Equal(new ToolResult("   399\trow 399\n   400\trow 400\n[showing lines 399-400 of 400]\n"), range);
    }

    [Fact]
    public async Task Offset_past_the_end_is_an_error_naming_the_length()
    {
        _h.Workspace.Write("a.txt", "one\ntwo\n");

        var result = await _h.CallAsync("read", new { path = "a.txt", offset = 9 });

        Assert.Equal(ToolResult.Error("offset 9 is past the end of 'a.txt', which has 2 lines."), result);
    }

    [Fact]
    public async Task Missing_file_directory_and_empty_file_are_reported()
    {
        _h.Workspace.Write("empty.txt", "");
        Directory.CreateDirectory(_h.Workspace["dir"]);

        Assert.Equal(ToolResult.Error("'nope.txt' does not exist. Use glob to find files."), await _h.CallAsync("read", new { path = "nope.txt" }));
        Assert.Equal(ToolResult.Error("'dir' is a directory, not a file. Use glob to list its files."), await _h.CallAsync("read", new { path = "dir" }));
        Assert.Equal(new ToolResult("'empty.txt' is empty (0 lines)."), await _h.CallAsync("read", new { path = "empty.txt" }));
    }

    [Fact]
    public async Task Bad_arguments_are_errors_the_model_can_fix()
    {
        Assert.Equal(ToolResult.Error("Missing required argument 'path' (a string)."), await _h.CallAsync("read", new { }));
        Assert.Equal(ToolResult.Error("Argument 'offset' must be between 1 and 2147483647, got 0."), await _h.CallAsync("read", new { path = "a", offset = 0 }));
        Assert.Equal(ToolResult.Error("Argument 'path' must be a string, got the number 3."), await _h.CallAsync("read", new { path = 3 }));
    }

    [Fact]
    public async Task Hidden_file_is_refused_by_its_resolved_path_even_through_a_link()
    {
        using var h = new ToolHarness(AgentToolOptions.Default with { HiddenPaths = ["**/*.env"] });
        h.Workspace.Write("config/.env", "KEY=secret\n");
        File.CreateSymbolicLink(h.Workspace["alias.txt"], "config/.env");

        var result = await h.CallAsync("read", new { path = "alias.txt" });

        Assert.Equal(ToolResult.Error("Refused 'config/.env': the settings hide it from the file tools (a read deny rule)."), result);
    }
}

using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class WriteToolTests : IDisposable
{
    private readonly ToolHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Creates_a_file_and_its_missing_folders()
    {
        var result = await _h.CallAsync("write", new { path = "src/deep/New.cs", content = "class New {}\n" });

        Assert.Equal(new ToolResult("Created 'src/deep/New.cs' (1 lines).") { ChangedPaths = ["src/deep/New.cs"] }, result);
        Assert.Equal("class New {}\n", _h.ReadFile("src/deep/New.cs"));
    }

    [Fact]
    public async Task Overwrites_an_existing_file_and_keeps_its_byte_order_mark()
    {
        File.WriteAllBytes(_h.Workspace["bom.cs"], [0xEF, 0xBB, 0xBF, (byte)'o', (byte)'l', (byte)'d']);

        var result = await _h.CallAsync("write", new { path = "bom.cs", content = "new\nlines\n" });

        Assert.Equal(new ToolResult("Overwrote 'bom.cs' (2 lines).") { ChangedPaths = ["bom.cs"] }, result);
        Assert.Equal([0xEF, 0xBB, 0xBF, .. "new\nlines\n"u8.ToArray()], File.ReadAllBytes(_h.Workspace["bom.cs"]));
    }

    [Fact]
    public async Task Writing_onto_a_directory_is_refused()
    {
        Directory.CreateDirectory(_h.Workspace["dir"]);

        var result = await _h.CallAsync("write", new { path = "dir", content = "x" });

        Assert.Equal(ToolResult.Error("'dir' is a directory; give a file path."), result);
        Assert.True(Directory.Exists(_h.Workspace["dir"]));
    }

    [Fact]
    public async Task Missing_content_is_an_error_and_writes_nothing()
    {
        var result = await _h.CallAsync("write", new { path = "a.txt" });

        Assert.Equal(ToolResult.Error("Missing required argument 'content' (a string)."), result);
        Assert.False(File.Exists(_h.Workspace["a.txt"]));
    }

    [Fact]
    public async Task File_system_refusal_is_an_error_result_not_an_exception()
    {
        // A file used as a folder makes the OS refuse to create the child (ENOTDIR).
        _h.Workspace.Write("plain.txt", "x");

        var result = await _h.CallAsync("write", new { path = "plain.txt/child.txt", content = "x" });

        Assert.True(result.IsError);
        Assert.StartsWith("write failed: ", result.Content, StringComparison.Ordinal);
    }
}

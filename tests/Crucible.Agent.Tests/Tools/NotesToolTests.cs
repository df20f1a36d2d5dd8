using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class NotesToolTests : IDisposable
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 30, 9, 5, 0, TimeSpan.Zero));
    private readonly ToolHarness _h;

    public NotesToolTests() => _h = new ToolHarness(AgentToolOptions.Default with { Clock = _clock });

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Append_adds_dated_sections_to_the_notes_file()
    {
        var first = await _h.CallAsync("notes", new { action = "append", text = "Build with `dotnet build -c Release`." });
        _clock.Now = _clock.Now.AddHours(2);
        await _h.CallAsync("notes", new { action = "append", text = "The user prefers records over classes." });

        Assert.Equal(new ToolResult("Appended a note to .crucible/NOTES.md.") { ChangedPaths = [".crucible/NOTES.md"] }, first);
        Assert.Equal(
            "# Notes\n\n## 2026-11-30 09:05 UTC\n\nBuild with `dotnet build -c Release`.\n\n## 2026-11-30 11:05 UTC\n\nThe user prefers records over classes.\n",
            _h.ReadFile(".crucible/NOTES.md"));
    }

    [Fact]
    public async Task Read_returns_the_notes_and_load_finds_them_for_the_next_session()
    {
        Assert.Equal(new ToolResult("There are no notes yet."), await _h.CallAsync("notes", new { action = "read" }));
        Assert.Null(NotesTool.Load(_h.Root));

        await _h.CallAsync("notes", new { action = "replace", text = "# Notes\n\n- tests: dotnet test" });

        Assert.Equal(new ToolResult("# Notes\n\n- tests: dotnet test\n"), await _h.CallAsync("notes", new { action = "read" }));
        Assert.Equal("# Notes\n\n- tests: dotnet test\n", NotesTool.Load(_h.Root));
    }

    [Fact]
    public async Task Notes_folder_linked_outside_is_refused()
    {
        using var outside = new Crucible.Testing.TempDirectory();
        File.CreateSymbolicLink(_h.Workspace[".crucible"], outside.Path);

        var result = await _h.CallAsync("notes", new { action = "append", text = "x" });

        Assert.True(result.IsError);
        Assert.Contains("symbolic link that points outside", result.Content, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
        Assert.Null(NotesTool.Load(_h.Root));
    }

    [Fact]
    public async Task Bad_actions_are_errors()
    {
        Assert.Equal(ToolResult.Error("Unknown action 'delete'; use read, append or replace."), await _h.CallAsync("notes", new { action = "delete" }));
        Assert.Equal(ToolResult.Error("text is empty; give the note to append."), await _h.CallAsync("notes", new { action = "append", text = "  " }));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Notes_file_that_is_a_link_is_neither_written_nor_loaded()
    {
        _h.Workspace.Write("tests/CalcTests.cs", "// test\n");
        Directory.CreateDirectory(_h.Workspace[".crucible"]);
        File.CreateSymbolicLink(_h.Workspace[".crucible/NOTES.md"], "../tests/CalcTests.cs");

        var result = await _h.CallAsync("notes", new { action = "replace", text = "gone" });

        Assert.Equal(ToolResult.Error("Refused: .crucible/NOTES.md is a link to 'tests/CalcTests.cs'; the notes must be a plain file. Remove the link to use notes."), result);
        Assert.Equal("// test\n", _h.ReadFile("tests/CalcTests.cs"));
        Assert.Null(NotesTool.Load(_h.Root));
        Assert.Equal(["tests/CalcTests.cs"], _h.Tool("notes").Describe(ToolHarness.Json(new { action = "append", text = "x" }), _h.Context).Paths);
    }
}

using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class EditToolTests : IDisposable
{
    private const string Source = """
        public static class Calc
        {
            public static int Add(int a, int b)
            {
                return a - b;
            }

            public static int Twice(int a) => a * 2;
        }

        """;

    private readonly ToolHarness _h = new();

    public EditToolTests() => _h.Workspace.Write("Calc.cs", Source);

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Unique_match_is_replaced_and_reported()
    {
        var result = await _h.CallAsync("edit", new { path = "Calc.cs", old_string = "return a - b;", new_string = "return a + b;" });

        Assert.Equal(new ToolResult("Edited 'Calc.cs':\n- replaced 1 line(s); the new text is at line 5") { ChangedPaths = ["Calc.cs"] }, result);
        Assert.Equal(Source.Replace("a - b", "a + b", StringComparison.Ordinal), _h.ReadFile("Calc.cs"));
    }

    [Fact]
    public async Task No_match_returns_the_closest_region_with_line_numbers_and_changes_nothing()
    {
        var result = await _h.CallAsync("edit", new { path = "Calc.cs", old_string = "    public static int Add(int a, int b)\n    {\n        return a-b;\n", new_string = "x" });

        Assert.Equal(ToolResult.Error(
            "old_string was not found in 'Calc.cs'. The closest region is lines 3-5 (91% similar):\n" +
            "     3\t    public static int Add(int a, int b)\n     4\t    {\n     5\t        return a - b;\n" +
            "Copy the text exactly as it is in the file (whitespace and indentation included), or read the file again."), result);
        Assert.Equal(Source, _h.ReadFile("Calc.cs"));
    }

    [Fact]
    public async Task Several_matches_are_an_error_listing_their_lines()
    {
        var result = await _h.CallAsync("edit", new { path = "Calc.cs", old_string = "public static int", new_string = "internal static int" });

        Assert.Equal(ToolResult.Error("old_string matches 2 places in 'Calc.cs' (starting on lines 3, 8). Include more surrounding lines so it matches exactly once."), result);
        Assert.Equal(Source, _h.ReadFile("Calc.cs"));
    }

    [Fact]
    public async Task Several_edits_apply_in_order_against_the_evolving_content()
    {
        var result = await _h.CallAsync("edit", new
        {
            path = "Calc.cs",
            edits = new[]
            {
                new { old_string = "return a - b;", new_string = "return a + b; // fixed" },
                // Exists only after the first edit: each edit sees the result of the previous ones.
                new { old_string = "// fixed", new_string = "// fixed twice" },
                new { old_string = "a * 2", new_string = "Add(a, a)" },
            },
        });

        Assert.False(result.IsError, result.Content);
        Assert.Equal(Source.Replace("return a - b;", "return a + b; // fixed twice", StringComparison.Ordinal).Replace("a * 2", "Add(a, a)", StringComparison.Ordinal), _h.ReadFile("Calc.cs"));
        Assert.StartsWith("Edited 'Calc.cs' (3 edits, applied together):", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_edit_in_a_batch_leaves_the_file_untouched()
    {
        var before = File.GetLastWriteTimeUtc(_h.Workspace["Calc.cs"]);

        var result = await _h.CallAsync("edit", new
        {
            path = "Calc.cs",
            edits = new[]
            {
                new { old_string = "return a - b;", new_string = "return a + b;" },
                new { old_string = "return a - b;", new_string = "return 0;" },
            },
        });

        Assert.True(result.IsError);
        Assert.StartsWith("edit 2 of 2: old_string was not found in 'Calc.cs' (after applying the earlier edits of this call).", result.Content, StringComparison.Ordinal);
        Assert.EndsWith("No edit was applied; the file is unchanged.", result.Content, StringComparison.Ordinal);
        Assert.Equal(Source, _h.ReadFile("Calc.cs"));
        Assert.Equal(before, File.GetLastWriteTimeUtc(_h.Workspace["Calc.cs"]));
    }

    [Fact]
    public async Task Overlapping_occurrences_count_as_ambiguous()
    {
        _h.Workspace.Write("a.txt", "aaa\n");

        var result = await _h.CallAsync("edit", new { path = "a.txt", old_string = "aa", new_string = "b" });

        Assert.Equal(ToolResult.Error("old_string matches 2 places in 'a.txt' (starting on lines 1). Include more surrounding lines so it matches exactly once."), result);
    }

    [Fact]
    public async Task Crlf_file_matches_lf_strings_and_keeps_crlf()
    {
        _h.Workspace.Write("win.txt", "one\r\ntwo\r\nthree\r\n");

        var result = await _h.CallAsync("edit", new { path = "win.txt", old_string = "one\ntwo", new_string = "uno\ndos" });

        Assert.False(result.IsError, result.Content);
        Assert.Equal("uno\r\ndos\r\nthree\r\n", _h.ReadFile("win.txt"));
    }

    [Fact]
    public async Task Invalid_requests_are_errors()
    {
        Assert.Equal(ToolResult.Error("'New.cs' does not exist. Use write to create a new file."), await _h.CallAsync("edit", new { path = "New.cs", old_string = "a", new_string = "b" }));
        Assert.Equal(ToolResult.Error("old_string and new_string are identical; nothing would change."), await _h.CallAsync("edit", new { path = "Calc.cs", old_string = "a", new_string = "a" }));
        Assert.Equal(ToolResult.Error("old_string is empty. To create a file use write; to add text, quote the lines next to where it goes."), await _h.CallAsync("edit", new { path = "Calc.cs", old_string = "", new_string = "b" }));
        Assert.Equal(ToolResult.Error("Give either old_string/new_string or edits, not both."), await _h.CallAsync("edit", new { path = "Calc.cs", old_string = "a", new_string = "b", edits = Array.Empty<object>() }));
        Assert.Equal(ToolResult.Error("edits[0]: Missing required argument 'new_string' (a string)."), await _h.CallAsync("edit", new { path = "Calc.cs", edits = new[] { new { old_string = "a" } } }));
        Assert.Equal(Source, _h.ReadFile("Calc.cs"));
    }
}

using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>The interactive prompt's line editor, fed keys as the terminal delivers them.</summary>
public sealed class LineEditorTests : IDisposable
{
    private readonly TempDirectory _dir = new("line-editor");

    public void Dispose() => _dir.Dispose();

    private string HistoryPath => Path.Combine(_dir.Path, ".crucible", "prompt-history");

    private static ConsoleKeyInfo Char(char c) => new(c, ConsoleKey.NoName, false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey key) => new('\0', key, false, false, false);

    private static ConsoleKeyInfo Ctrl(char letter) => new((char)(letter - 'a' + 1), ConsoleKey.A + (letter - 'a'), false, false, true);

    private static IEnumerable<ConsoleKeyInfo> Text(string s) => s.Select(Char);

    private LineEditor Editor(StringWriter output, IEnumerable<ConsoleKeyInfo> keys, LineEditorOptions? options = null)
    {
        var queue = new Queue<ConsoleKeyInfo>(keys);
        return new LineEditor(output, () => queue.Dequeue(), HistoryPath, options ?? new LineEditorOptions());
    }

    [Fact]
    public void Arrows_home_end_backspace_and_delete_edit_the_line_where_the_cursor_is()
    {
        // "helo wrld": fix both words with the cursor keys, then cut a trailing "!!" with End, Backspace and Delete.
        var keys = Text("helo wrld!!")
            .Append(Key(ConsoleKey.Home)).Concat(Enumerable.Repeat(Key(ConsoleKey.RightArrow), 3)).Append(Char('l'))
            .Append(Key(ConsoleKey.End)).Append(Key(ConsoleKey.Backspace)).Append(Key(ConsoleKey.LeftArrow)).Append(Key(ConsoleKey.Delete))
            .Concat(Enumerable.Repeat(Key(ConsoleKey.LeftArrow), 3)).Append(Char('o'))
            .Append(Key(ConsoleKey.Enter));

        var line = Editor(new StringWriter(), keys).ReadLine("> ");

        Assert.Equal("hello world", line);
    }

    [Fact]
    public void Ctrl_c_clears_a_half_typed_line_and_ctrl_d_on_an_empty_line_ends_the_input()
    {
        var output = new StringWriter();
        var editor = Editor(output, Text("half a thought").Append(Ctrl('c')).Concat(Text("ok")).Append(Key(ConsoleKey.Enter)).Append(Ctrl('d')));

        Assert.Equal("ok", editor.ReadLine("> "));
        Assert.Null(editor.ReadLine("> "));
        Assert.Contains("half a thought^C\n> ", output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void The_nul_a_ctrl_d_typed_between_reads_leaves_ends_the_input_on_an_empty_line()
    {
        // What the terminal delivers for a Ctrl-D typed while no read was pending (the known hang after an interrupt).
        var editor = Editor(new StringWriter(), [new ConsoleKeyInfo('\0', 0, false, false, false)]);

        Assert.Null(editor.ReadLine("> "));
    }

    [Fact]
    public void Up_and_down_walk_the_history_which_is_kept_per_repository_across_sessions()
    {
        var first = Editor(new StringWriter(), Text("fix the test").Append(Key(ConsoleKey.Enter)).Concat(Text("run it")).Append(Key(ConsoleKey.Enter)).Concat(Text("run it")).Append(Key(ConsoleKey.Enter)));
        first.ReadLine("> ");
        first.ReadLine("> ");
        first.ReadLine("> ");

        // A new session in the same repository: up twice reaches the first request, down once comes back, and the
        // line typed before browsing is restored below the newest entry.
        var second = Editor(new StringWriter(), Text("draft")
            .Append(Key(ConsoleKey.UpArrow)).Append(Key(ConsoleKey.UpArrow)).Append(Key(ConsoleKey.UpArrow)).Append(Key(ConsoleKey.Enter))
            .Append(Key(ConsoleKey.UpArrow)).Append(Key(ConsoleKey.DownArrow)).Append(Key(ConsoleKey.DownArrow)).Append(Key(ConsoleKey.Enter)));

        Assert.Equal("fix the test", second.ReadLine("> "));
        Assert.Equal("", second.ReadLine("> "));
        Assert.Equal(["fix the test", "run it", "fix the test"], File.ReadAllLines(HistoryPath));
    }

    [Fact]
    public void The_history_keeps_only_the_newest_lines_up_to_its_limit()
    {
        var keys = Enumerable.Range(1, 5).SelectMany(i => Text($"request {i}").Append(Key(ConsoleKey.Enter)));
        var editor = Editor(new StringWriter(), keys, new LineEditorOptions { HistoryLimit = 3 });
        for (var i = 0; i < 5; i++)
        {
            editor.ReadLine("> ");
        }

        Assert.Equal(["request 3", "request 4", "request 5"], File.ReadAllLines(HistoryPath));
    }
}

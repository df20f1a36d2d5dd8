using System.Text;

namespace Crucible.Cli;

/// <summary>Limits of the interactive prompt's line editor.</summary>
internal sealed record LineEditorOptions
{
    /// <summary>Lines kept in the history file (the oldest are dropped). Default: 1000.</summary>
    public int HistoryLimit { get; init; } = 1000;

    /// <summary>The history file's name in the state folder, so each repository has its own. Default: <c>prompt-history</c>.</summary>
    public string HistoryFileName { get; init; } = "prompt-history";
}

/// <summary>
/// The interactive prompt over a terminal, as readline-style shells behave: left/right, Home/End (Ctrl-A/Ctrl-E),
/// Backspace, Delete, up/down through the history (kept in <paramref name="historyPath"/>), Enter submits, Ctrl-C clears
/// the line, Ctrl-D on an empty line ends the input. Keys come from <paramref name="readKey"/> with Ctrl-C delivered as a
/// key (the caller turns <see cref="Console.TreatControlCAsInput"/> on while it reads); the line is drawn on
/// <paramref name="output"/> (one terminal row: the line is redrawn from a carriage return).
/// </summary>
internal sealed class LineEditor(TextWriter output, Func<ConsoleKeyInfo> readKey, string historyPath, LineEditorOptions options)
{
    private readonly List<string> _history = Load(historyPath);

    /// <summary>The history, oldest first.</summary>
    public IReadOnlyList<string> History => _history;

    /// <summary>
    /// Reads one line after <paramref name="prompt"/> (which may hold ANSI styles: it is redrawn whole); null when the user
    /// pressed Ctrl-D on an empty line. With <paramref name="remember"/> the line goes to the history.
    /// </summary>
    public string? ReadLine(string prompt, bool remember = true)
    {
        var line = new StringBuilder();
        var cursor = 0;
        var browse = _history.Count; // index into the history while browsing with up/down; Count = the line being typed
        var typed = "";
        output.Write(prompt);
        output.Flush();
        while (true)
        {
            var key = readKey();
            var control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
            if (key.KeyChar == '\x03' || (control && key.Key == ConsoleKey.C))
            {
                // Ctrl-C clears the half-typed line and prompts again; the session goes on.
                output.WriteLine("^C");
                line.Clear();
                cursor = 0;
                browse = _history.Count;
                output.Write(prompt);
                output.Flush();
                continue;
            }
            if (key.KeyChar == '\x04' || (control && key.Key == ConsoleKey.D) || (line.Length == 0 && IsPendingEndOfInput(key)))
            {
                if (line.Length == 0)
                {
                    output.WriteLine();
                    output.Flush();
                    return null;
                }
                if (cursor < line.Length)
                {
                    line.Remove(cursor, 1); // as in readline: Ctrl-D deletes the character under the cursor
                }
                Redraw(prompt, line, cursor);
                continue;
            }
            switch (key)
            {
                case { Key: ConsoleKey.Enter } or { KeyChar: '\r' or '\n' }:
                    output.WriteLine();
                    output.Flush();
                    var text = line.ToString();
                    if (remember)
                    {
                        Remember(text);
                    }
                    return text;
                case { Key: ConsoleKey.LeftArrow } or { KeyChar: '\x02' }:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case { Key: ConsoleKey.RightArrow } or { KeyChar: '\x06' }:
                    cursor = Math.Min(line.Length, cursor + 1);
                    break;
                case { Key: ConsoleKey.Home } or { KeyChar: '\x01' }:
                    cursor = 0;
                    break;
                case { Key: ConsoleKey.End } or { KeyChar: '\x05' }:
                    cursor = line.Length;
                    break;
                case { Key: ConsoleKey.Backspace } or { KeyChar: '\b' or '\x7f' }:
                    if (cursor > 0)
                    {
                        line.Remove(--cursor, 1);
                    }
                    break;
                case { Key: ConsoleKey.Delete }:
                    if (cursor < line.Length)
                    {
                        line.Remove(cursor, 1);
                    }
                    break;
                case { Key: ConsoleKey.UpArrow } or { KeyChar: '\x10' }:
                    if (browse > 0)
                    {
                        if (browse == _history.Count)
                        {
                            typed = line.ToString();
                        }
                        browse--;
                        line.Clear().Append(_history[browse]);
                        cursor = line.Length;
                    }
                    break;
                case { Key: ConsoleKey.DownArrow } or { KeyChar: '\x0e' }:
                    if (browse < _history.Count)
                    {
                        browse++;
                        line.Clear().Append(browse == _history.Count ? typed : _history[browse]);
                        cursor = line.Length;
                    }
                    break;
                case { Key: ConsoleKey.U } when control:
                    line.Remove(0, cursor);
                    cursor = 0;
                    break;
                case { Key: ConsoleKey.K } when control:
                    line.Remove(cursor, line.Length - cursor);
                    break;
                default:
                    if (key.KeyChar >= ' ' && !char.IsControl(key.KeyChar))
                    {
                        line.Insert(cursor++, key.KeyChar);
                        if (cursor == line.Length)
                        {
                            // Typing at the end only appends: no redraw (which a slow terminal would show as flicker).
                            output.Write(key.KeyChar);
                            output.Flush();
                            continue;
                        }
                    }
                    break;
            }
            Redraw(prompt, line, cursor);
        }
    }

    /// <summary>
    /// True for the byte 0 that a Ctrl-D typed while no read was pending leaves: the terminal's line discipline, in its
    /// line-by-line mode between reads, turns it into an end-of-line marker, which reads as byte 0 once the terminal is
    /// switched to key-by-key reading. It means the same as Ctrl-D; otherwise Ctrl-D right after an interrupted step
    /// is swallowed and the prompt waits for ever (the known hang). Named keys (arrows, Home, ...) also carry no
    /// character and are not it.
    /// </summary>
    internal static bool IsPendingEndOfInput(ConsoleKeyInfo key) =>
        key.KeyChar == '\0' && key.Key is 0 or ConsoleKey.Spacebar or ConsoleKey.D2;

    private void Redraw(string prompt, StringBuilder line, int cursor)
    {
        // Carriage return, prompt and line, erase what an earlier, longer line left, then step back to the cursor.
        output.Write('\r');
        output.Write(prompt);
        output.Write(line.ToString());
        output.Write("\x1b[K");
        if (line.Length > cursor)
        {
            output.Write($"\x1b[{line.Length - cursor}D");
        }
        output.Flush();
    }

    private void Remember(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Contains('\n', StringComparison.Ordinal) || (_history.Count > 0 && _history[^1] == text))
        {
            return;
        }
        _history.Add(text);
        if (_history.Count > options.HistoryLimit)
        {
            _history.RemoveRange(0, _history.Count - options.HistoryLimit);
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(historyPath)!);
            File.WriteAllLines(historyPath, _history);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // History is a convenience: a read-only state folder keeps it for this session only.
        }
    }

    private static List<string> Load(string path)
    {
        try
        {
            return File.Exists(path) ? [.. File.ReadAllLines(path).Where(l => l.Length > 0)] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

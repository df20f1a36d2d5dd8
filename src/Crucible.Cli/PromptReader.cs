namespace Crucible.Cli;

/// <summary>
/// Every line the user types in one invocation (the interactive prompt and the approval questions) is read here, one
/// read at a time. A read whose waiter was cancelled (Ctrl-C during an approval question) is not abandoned on a
/// thread that keeps the console: it stays pending and the next read takes its line. Two reads of the console at once
/// are what made the prompt after an interrupted approval swallow a line, and a Ctrl-D, and hang.
/// Over a terminal lines come from a <see cref="LineEditor"/>; from a redirected input, line by line.
/// </summary>
internal sealed class PromptReader(TextReader input, TextWriter output, LineEditor? editor)
{
    private readonly Lock _gate = new();
    private Task<string?>? _pending;

    /// <summary>The line editor over the terminal, or null when the input is redirected.</summary>
    public LineEditor? Editor => editor;

    /// <summary>
    /// Shows <paramref name="prompt"/> and reads a line; null at the end of input (Ctrl-D). With <paramref name="isPrompt"/>
    /// (the session's own prompt) the line goes to the history and Ctrl-C clears it; otherwise (a question asked during a
    /// step) Ctrl-C stays a signal, so it interrupts the step.
    /// </summary>
    public Task<string?> ReadLineAsync(string prompt, bool isPrompt, CancellationToken ct)
    {
        Task<string?> read;
        lock (_gate)
        {
            if (_pending is null || _pending.IsCompleted)
            {
                if (editor is null)
                {
                    output.Write(prompt);
                    output.Flush();
                }
                _pending = Task.Run(() => editor is null ? input.ReadLine() : ReadEdited(prompt, isPrompt), CancellationToken.None);
            }
            read = _pending;
        }
        return TakeAsync(read, ct);
    }

    private async Task<string?> TakeAsync(Task<string?> read, CancellationToken ct)
    {
        var line = await read.WaitAsync(ct).ConfigureAwait(false);
        lock (_gate)
        {
            if (_pending == read)
            {
                _pending = null;
            }
        }
        return line;
    }

    private string? ReadEdited(string prompt, bool isPrompt)
    {
        // Ctrl-C is a key only while the prompt waits for one; elsewhere it is SIGINT, which interrupts a step.
        Console.TreatControlCAsInput = isPrompt;
        try
        {
            return editor!.ReadLine(prompt, remember: isPrompt);
        }
        finally
        {
            Console.TreatControlCAsInput = false;
        }
    }
}

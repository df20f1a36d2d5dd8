using System.Text;
using System.Text.Json;
using Crucible.Agent.Loop;

namespace Crucible.Agent.Sessions;

/// <summary>
/// Appends events to a session's transcript, one JSON object per line. Every line is handed to the
/// operating system as soon as it is written (so a killed process loses nothing already written), and
/// the file is synced to disk (fsync) at the end of every step, run and session start.
/// </summary>
/// <remarks>
/// Invariant: a line is either complete or the last line of the file (a torn write). Before appending to
/// an existing transcript, a torn last line is cut off so the file stays valid JSONL.
/// </remarks>
public sealed class TranscriptWriter : IAgentEventSink, IDisposable
{
    private readonly FileStream _stream;
    private readonly Lock _gate = new();
    private long _lines;

    /// <summary>Opens (or creates) the transcript at <paramref name="path"/> for appending.</summary>
    public TranscriptWriter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        TrimTornLine(_stream);
        _stream.Seek(0, SeekOrigin.End);
    }

    /// <summary>Absolute path of the transcript.</summary>
    public string Path { get; }

    /// <summary>Lines written by this writer.</summary>
    public long LinesWritten => Interlocked.Read(ref _lines);

    /// <summary>Called after each line (the session index uses it to follow the last step).</summary>
    public Action<AgentEvent>? AfterWrite { get; set; }

    /// <inheritdoc />
    public void OnEvent(AgentEvent e)
    {
        if (e is AssistantTextDelta)
        {
            return; // deltas are display only; the whole message is recorded
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(e, AgentJson.Options);
        lock (_gate)
        {
            // One write per line: a crash can tear only the line being written.
            var line = new byte[bytes.Length + 1];
            bytes.CopyTo(line, 0);
            line[^1] = (byte)'\n';
            _stream.Write(line);
            _stream.Flush(flushToDisk: e is StepCompleted or RunEnded or SessionStarted or VerdictRecorded or Compacted);
            _lines++;
        }
        AfterWrite?.Invoke(e);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
        }
    }

    private static void TrimTornLine(FileStream stream)
    {
        if (stream.Length == 0)
        {
            return;
        }
        // Find the last newline; anything after it is a torn line from a killed writer.
        var buffer = new byte[Math.Min(stream.Length, 1 << 20)];
        var end = stream.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            var idx = Array.LastIndexOf(buffer, (byte)'\n', count - 1);
            if (idx >= 0)
            {
                var keep = start + idx + 1;
                if (keep != stream.Length)
                {
                    stream.SetLength(keep);
                }
                return;
            }
            end = start;
        }
        stream.SetLength(0);
    }
}

/// <summary>Reads a transcript back, tolerating a torn last line.</summary>
public static class TranscriptReader
{
    /// <summary>The events of the transcript, in order. A last line that does not parse (a torn write) is skipped.</summary>
    /// <exception cref="InvalidDataException">A line other than the last is not a valid event.</exception>
    public static IReadOnlyList<AgentEvent> Read(string path)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        var events = new List<AgentEvent>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            try
            {
                events.Add(JsonSerializer.Deserialize<AgentEvent>(lines[i], AgentJson.Options)!);
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                // Torn last line: the process died while writing it; every earlier step is intact.
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{i + 1}: not a valid transcript event ({e.Message})", e);
            }
        }
        return events;
    }

    /// <summary>
    /// The conversation as the model last saw it: the history of the last compaction (if any) followed by
    /// every message added after it. Messages with tool calls and results come back as they were sent.
    /// </summary>
    public static List<Microsoft.Extensions.AI.ChatMessage> Conversation(IEnumerable<AgentEvent> events)
    {
        var messages = new List<Microsoft.Extensions.AI.ChatMessage>();
        foreach (var e in events)
        {
            switch (e)
            {
                case MessageAdded m:
                    messages.Add(m.Message);
                    break;
                case Compacted c:
                    messages.Clear();
                    messages.AddRange(c.History);
                    break;
            }
        }
        return messages;
    }

    /// <summary>The highest step number that left any record (0 when none), so a resumed session numbers its steps after it.</summary>
    public static int LastStep(IEnumerable<AgentEvent> events) => events.Select(e => e switch
    {
        StepCompleted s => s.Step,
        UsageRecorded u => u.Step,
        ToolCallStarted t => t.Step,
        ToolCallFinished t => t.Step,
        _ => 0,
    }).DefaultIfEmpty(0).Max();
}

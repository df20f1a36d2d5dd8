using System.Text;
using System.Text.Json;
using Crucible.Agent.Loop;
using Microsoft.Win32.SafeHandles;

namespace Crucible.Agent.Sessions;

/// <summary>When the transcript is synced to disk.</summary>
public enum TranscriptDurability
{
    /// <summary>
    /// Default. Every line is written to the file (the kernel's page cache) before the loop goes on, so a
    /// killed process loses nothing, and the loop waits for an fsync at the end of every step, so a power
    /// loss loses at most the step in progress.
    /// </summary>
    SyncEachStep,

    /// <summary>
    /// As <see cref="SyncEachStep"/>, but the step's fsync runs in the background and the loop does not wait
    /// for it (a power loss can also lose the steps whose fsync had not finished). Session start, the verdict
    /// and the end of a run are still synced before the loop goes on. For disks with very slow syncs.
    /// </summary>
    SyncEachStepInBackground,
}

/// <summary>
/// Appends events to a session's transcript, one JSON object per line, each with a single write at the
/// end of the file, and syncs it to disk at every step as <see cref="TranscriptDurability"/> says.
/// </summary>
/// <remarks>
/// Invariant: a line is either complete or the last line of the file (a torn write). Before appending to
/// an existing transcript, a torn last line is cut off so the file stays valid JSONL.
/// </remarks>
public sealed class TranscriptWriter : IAgentEventSink, IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly TranscriptDurability _durability;
    private readonly Lock _gate = new();
    private long _offset;
    private long _lines;
    private int _syncQueued;
    private Task _syncs = Task.CompletedTask;

    /// <summary>Opens (or creates) the transcript at <paramref name="path"/> for appending.</summary>
    public TranscriptWriter(string path, TranscriptDurability durability = TranscriptDurability.SyncEachStep)
    {
        Path = System.IO.Path.GetFullPath(path);
        _durability = durability;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using (var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None))
        {
            TrimTornLine(stream);
        }
        _handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Write, FileShare.Read);
        _offset = RandomAccess.GetLength(_handle);
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
        var line = new byte[bytes.Length + 1];
        bytes.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        lock (_gate)
        {
            // One write per line: a crash can tear only the line being written.
            RandomAccess.Write(_handle, line, _offset);
            _offset += line.Length;
            _lines++;
        }
        switch (e)
        {
            case SessionStarted or VerdictRecorded or RunEnded or Compacted:
                SyncNow();
                break;
            case StepCompleted when _durability == TranscriptDurability.SyncEachStep:
                SyncNow();
                break;
            case StepCompleted:
                SyncInBackground();
                break;
        }
        AfterWrite?.Invoke(e);
    }

    /// <summary>Waits for background syncs, syncs once more and closes the file.</summary>
    public void Dispose()
    {
        Task pending;
        lock (_gate)
        {
            pending = _syncs;
        }
        pending.GetAwaiter().GetResult();
        RandomAccess.FlushToDisk(_handle);
        _handle.Dispose();
    }

    private void SyncNow()
    {
        Task pending;
        lock (_gate)
        {
            pending = _syncs;
        }
        pending.GetAwaiter().GetResult();
        RandomAccess.FlushToDisk(_handle);
    }

    private void SyncInBackground()
    {
        // At most one sync waits in the queue: it covers every line written before it starts.
        if (Interlocked.Exchange(ref _syncQueued, 1) == 1)
        {
            return;
        }
        lock (_gate)
        {
            _syncs = _syncs.ContinueWith(_ =>
            {
                Volatile.Write(ref _syncQueued, 0);
                RandomAccess.FlushToDisk(_handle);
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
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

/// <summary>A transcript as read: the events up to the first line that is not a valid event.</summary>
/// <param name="Events">The valid events, in order.</param>
/// <param name="ValidLines">How many lines (empty ones included) precede the bad line; all of them when there is none.</param>
/// <param name="BadLine">The 1-based number of the first bad line other than a torn last line, or null.</param>
/// <param name="Problem">What is wrong with that line, or null.</param>
public sealed record TranscriptContents(IReadOnlyList<AgentEvent> Events, int ValidLines, int? BadLine, string? Problem);

/// <summary>Reads a transcript back, tolerating a torn last line.</summary>
public static class TranscriptReader
{
    /// <summary>The events of the transcript, in order. A last line that does not parse (a torn write) is skipped.</summary>
    /// <exception cref="InvalidDataException">A line other than the last is not a valid event.</exception>
    public static IReadOnlyList<AgentEvent> Read(string path)
    {
        var contents = ReadValid(path);
        if (contents.BadLine is { } line)
        {
            throw new InvalidDataException($"{path}:{line}: not a valid transcript event ({contents.Problem})");
        }
        return contents.Events;
    }

    /// <summary>
    /// The events of the transcript up to its first bad line (a line other than a torn last one that is not a valid
    /// event), with that line's number, so a damaged session can still be resumed up to it.
    /// </summary>
    public static TranscriptContents ReadValid(string path)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        var events = new List<AgentEvent>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            string problem;
            try
            {
                if (JsonSerializer.Deserialize<AgentEvent>(lines[i], AgentJson.Options) is { } e)
                {
                    events.Add(e);
                    continue;
                }
                problem = "null";
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                problem = e.Message;
            }
            if (i == lines.Length - 1)
            {
                // Torn last line: the process died while writing it; every earlier step is intact.
                return new TranscriptContents(events, i, null, null);
            }
            return new TranscriptContents(events, i, i + 1, problem);
        }
        return new TranscriptContents(events, lines.Length, null, null);
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

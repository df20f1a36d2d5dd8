using Microsoft.Extensions.AI;

namespace Crucible.Agent.Loop;

/// <summary>
/// The linear message history of a session and the sinks that record it. Every change goes through
/// here, so the transcript always holds exactly what the model will be sent.
/// </summary>
public sealed class AgentConversation
{
    private readonly List<ChatMessage> _messages;
    private readonly List<IAgentEventSink> _sinks;

    /// <summary>Creates a conversation from <paramref name="messages"/> (a new one holds just the system prompt; a resumed one, the restored history).</summary>
    /// <param name="messages">The starting history; not re-emitted to the sinks.</param>
    /// <param name="sinks">Receivers of every event.</param>
    /// <param name="lastStep">The last step already taken (0 for a new session), so step numbers continue on resume.</param>
    public AgentConversation(IEnumerable<ChatMessage> messages, IEnumerable<IAgentEventSink> sinks, int lastStep = 0)
    {
        _messages = [.. messages];
        _sinks = [.. sinks];
        LastStep = lastStep;
    }

    /// <summary>The history, oldest first.</summary>
    public IReadOnlyList<ChatMessage> Messages => _messages;

    /// <summary>The last step number used in this session.</summary>
    public int LastStep { get; private set; }

    /// <summary>Adds a sink (for example the console of an interactive session).</summary>
    public void AddSink(IAgentEventSink sink) => _sinks.Add(sink);

    /// <summary>Removes a sink.</summary>
    public void RemoveSink(IAgentEventSink sink) => _sinks.Remove(sink);

    /// <summary>Appends a message and records it.</summary>
    public void Add(ChatMessage message)
    {
        _messages.Add(message);
        Emit(new MessageAdded(message));
    }

    /// <summary>Replaces the whole history (compaction) and records the new history.</summary>
    public void Replace(IReadOnlyList<ChatMessage> history, long tokensBefore, long tokensAfter)
    {
        _messages.Clear();
        _messages.AddRange(history);
        Emit(new Compacted(LastStep, tokensBefore, tokensAfter, [.. history]));
    }

    /// <summary>Starts the next step and returns its number.</summary>
    public int NextStep() => ++LastStep;

    /// <summary>Sends an event to every sink.</summary>
    public void Emit(AgentEvent e)
    {
        foreach (var sink in _sinks)
        {
            sink.OnEvent(e);
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Crucible.Models.Tests.Support;

/// <summary>A logger that keeps every line (message plus the full exception text, as a console logger would print it).</summary>
public sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull
    {
        _lines.Enqueue("scope: " + state);
        return null;
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
}

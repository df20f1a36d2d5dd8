using Microsoft.Extensions.Logging;

namespace Crucible.Models.Redaction;

/// <summary>
/// An <see cref="ILogger"/> that passes every line through a <see cref="Redactor"/> before the inner
/// logger sees it. Exceptions are flattened to their redacted type and message chain (the inner logger
/// never receives the exception object, whose message could hold a key).
/// </summary>
public sealed class RedactingLogger(ILogger inner, Redactor redactor) : ILogger
{
    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(redactor.Redact(state.ToString()));

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }
        var text = formatter(state, exception);
        if (exception is not null)
        {
            text += " | " + Describe(exception);
        }
        var safe = redactor.Redact(text);
        inner.Log(logLevel, eventId, safe, null, static (s, _) => s);
    }

    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null && parts.Count < 5; x = x.InnerException)
        {
            parts.Add($"{x.GetType().Name}: {x.Message}");
        }
        return string.Join(" <- ", parts);
    }
}

namespace Crucible.Server;

/// <summary>
/// A request the server refuses: the HTTP status, a stable code, what is wrong and how to fix it. Rendered as
/// <c>{"error":{"code","message","fix"}}</c>; never a stack trace.
/// </summary>
/// <param name="status">The HTTP status (4xx for the caller's fault, 503 when the queue is full).</param>
/// <param name="code">A stable machine-readable code, e.g. <c>unknown_task</c>.</param>
/// <param name="message">What is wrong.</param>
/// <param name="fix">How to fix it.</param>
public sealed class ApiException(int status, string code, string message, string fix) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The stable error code.</summary>
    public string Code { get; } = code;

    /// <summary>How to fix it.</summary>
    public string Fix { get; } = fix;

    /// <summary>The JSON body of the error.</summary>
    public ErrorBody ToBody() => new(new ErrorDetail(Code, Message, Fix));
}

/// <summary>The JSON body of every error answer.</summary>
/// <param name="Error">The error.</param>
public sealed record ErrorBody(ErrorDetail Error);

/// <summary>One error.</summary>
/// <param name="Code">Stable code (<c>malformed_json</c>, <c>unknown_task</c>, <c>payload_too_large</c>, <c>bad_file_name</c>, <c>unauthorized</c>, ...).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Fix">How to fix it.</param>
public sealed record ErrorDetail(string Code, string Message, string Fix);

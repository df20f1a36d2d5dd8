namespace Crucible.Viewer;

/// <summary>
/// How the viewer reads and serves a store. Defaults: 127.0.0.1 only, a free port, three lines of context
/// around each diff hunk, 20,000 characters of each tool result and message shown.
/// </summary>
public sealed record ViewerOptions
{
    /// <summary>The default options.</summary>
    public static ViewerOptions Default { get; } = new();

    /// <summary>Address the server listens on. Loopback by default: the store holds code and transcripts, never expose it unasked.</summary>
    public string Listen { get; init; } = "127.0.0.1";

    /// <summary>Port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Unchanged lines shown around each change of a diff.</summary>
    public int DiffContextLines { get; init; } = 3;

    /// <summary>
    /// Characters of one message, tool argument or tool result sent to the page (head and tail are kept): a
    /// trajectory can hold megabytes of build logs, and the page must stay fast.
    /// </summary>
    public int MaxTextChars { get; init; } = 20_000;

    /// <summary>How run figures are computed (pass@k, intervals): the evaluation's own defaults.</summary>
    public Flywheel.Eval.ReportOptions Report { get; init; } = Flywheel.Eval.ReportOptions.Default;

    /// <summary>Characters of the verdict's test log sent to the page (head and tail).</summary>
    public int MaxLogChars { get; init; } = 20_000;
}

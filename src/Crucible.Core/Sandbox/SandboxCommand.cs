namespace Crucible.Core.Sandbox;

/// <summary>A command to run: an executable and its arguments, never interpreted by a host shell.</summary>
/// <param name="FileName">The executable, resolved on the sandbox's PATH when it has no slash.</param>
/// <param name="Arguments">Arguments, passed as they are.</param>
public sealed record SandboxCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Text written to the command's standard input, then closed. Null means an empty stdin.</summary>
    public string? StandardInput { get; init; }

    /// <summary>The working directory, relative to the workspace root. Null means the workspace root.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Runs <paramref name="script"/> with <c>/bin/sh -c</c> inside the sandbox.</summary>
    public static SandboxCommand Shell(string script) => new("/bin/sh", ["-c", script]);

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static SandboxCommand Exec(string fileName, params string[] arguments) => new(fileName, arguments);

    /// <summary>A readable one-line rendering for logs.</summary>
    public override string ToString() =>
        string.Join(' ', new[] { FileName }.Concat(Arguments).Select(a => a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}

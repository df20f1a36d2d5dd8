using System.Text.Json;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Agent.Tools;

/// <summary>
/// A tool the agent's model may call. Tools validate their own arguments and report every problem
/// as an error result (<see cref="ToolResult.IsError"/>) so the model can correct itself; they throw
/// only for cancellation and for harness failures that must stop the run. Every tool describes its calls
/// (<see cref="IDescribesCalls"/>): the permission request is built from that description, so a tool
/// that touches paths must name them with links resolved.
/// </summary>
public interface IAgentTool : IDescribesCalls
{
    /// <summary>The name the model calls, e.g. <c>read</c>.</summary>
    string Name { get; }

    /// <summary>A description a model can follow: what the tool does, its limits, how to use it well.</summary>
    string Description { get; }

    /// <summary>JSON schema of the arguments object.</summary>
    JsonElement InputSchema { get; }

    /// <summary>True when a call can change files or run commands (subject to permission).</summary>
    bool IsMutating { get; }

    /// <summary>Runs the tool.</summary>
    Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken);
}

/// <summary>What a tool returns to the model.</summary>
/// <param name="Content">Text shown to the model.</param>
/// <param name="IsError">True when the call failed; the model sees the text and may retry.</param>
public sealed record ToolResult(string Content, bool IsError = false)
{
    /// <summary>Workspace-relative paths the call changed (for diffs shown to the user and the trajectory).</summary>
    public IReadOnlyList<string> ChangedPaths { get; init; } = [];

    /// <summary>An error result.</summary>
    public static ToolResult Error(string message) => new(message, IsError: true);

    /// <summary>Value equality, comparing <see cref="ChangedPaths"/> element by element.</summary>
    public bool Equals(ToolResult? other) =>
        other is not null && Content == other.Content && IsError == other.IsError && ChangedPaths.SequenceEqual(other.ChangedPaths);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Content, IsError, ChangedPaths.Count);
}

/// <summary>
/// What a tool may use. The workspace root is the confinement boundary for every file tool
/// (see <c>WorkspacePaths</c>); commands run only through <see cref="Sandbox"/>.
/// </summary>
public sealed record ToolContext
{
    /// <summary>Absolute path of the workspace (the repository or the task's copy).</summary>
    public required string WorkspaceRoot { get; init; }

    /// <summary>The sandbox every command goes through.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>The sandbox policy for commands (network, limits, extra read-only paths).</summary>
    public required SandboxPolicy CommandPolicy { get; init; }

    /// <summary>The task when the agent works on one (eval), else null (a repository session).</summary>
    public TaskSpec? Task { get; init; }

    /// <summary>The verifier behind <c>run_tests</c> and the final verdict; null when none is configured.</summary>
    public IVerifier? Verifier { get; init; }

    /// <summary>Folder for the session's state (notes live in the workspace's <c>.crucible/NOTES.md</c>).</summary>
    public string? SessionDirectory { get; init; }
}

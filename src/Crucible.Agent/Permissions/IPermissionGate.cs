using System.Text.Json;

namespace Crucible.Agent.Permissions;

/// <summary>A tool call waiting for permission.</summary>
/// <param name="Tool">Tool name.</param>
/// <param name="Arguments">The call's arguments.</param>
/// <param name="IsMutating">Whether the tool can change files or run commands.</param>
/// <param name="Summary">One line for the user, e.g. <c>edit src/Foo.cs</c> or <c>bash: dotnet test</c>.</param>
/// <param name="TouchesProtectedTest">True when the call would change a test file protected at session start.</param>
public sealed record PermissionRequest(string Tool, JsonElement Arguments, bool IsMutating, string Summary, bool TouchesProtectedTest = false)
{
    /// <summary>
    /// Workspace-relative paths the call reads or changes, as the tool described them (<c>ToolRegistry.CreateRequest</c>):
    /// links resolved, plus the path as written when a link made it differ. Gates judge these, never the arguments.
    /// </summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>The shell command of a <c>bash</c> call (or the test command of <c>run_tests</c>); null otherwise.</summary>
    public string? Command { get; init; }

    /// <summary>The rule an "always allow for this session" answer would add, e.g. <c>bash(git status*)</c>; set by the gate before it prompts.</summary>
    public string? SuggestedRule { get; init; }
}

/// <summary>The gate's answer. A denial's <see cref="Reason"/> is told to the model.</summary>
/// <param name="Allowed">True to run the call.</param>
/// <param name="Reason">Why it was denied (or which rule allowed it).</param>
public sealed record PermissionDecision(bool Allowed, string Reason)
{
    /// <summary>Allowed.</summary>
    public static PermissionDecision Allow(string reason) => new(true, reason);

    /// <summary>Denied with the reason the model will see.</summary>
    public static PermissionDecision Deny(string reason) => new(false, reason);
}

/// <summary>
/// Decides whether a tool call may run: the permission mode, allow/deny rules (deny wins), protected
/// tests, and — in interactive mode — the user's answer. Headless gates never prompt.
/// </summary>
public interface IPermissionGate
{
    /// <summary>Decides on one call.</summary>
    ValueTask<PermissionDecision> DecideAsync(PermissionRequest request, CancellationToken cancellationToken);
}

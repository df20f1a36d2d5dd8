using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Agent.Tools;

/// <summary>The built-in tools.</summary>
public static class AgentToolset
{
    /// <summary>Names of the tools that only look (a sub-agent's restricted set can start from these).</summary>
    public static IReadOnlyList<string> ReadOnlyToolNames { get; } = ["read", "glob", "grep"];

    /// <summary>
    /// The default toolset, in the order the model sees it: <c>read</c>, <c>write</c>, <c>edit</c>,
    /// <c>glob</c>, <c>grep</c>, <c>bash</c>, <c>run_tests</c>, <c>notes</c>, <c>todo</c>. The <c>todo</c>
    /// tool uses <see cref="AgentToolOptions.Todos"/> (or a fresh list, reachable through <see cref="TodoTool.List"/>).
    /// </summary>
    public static IReadOnlyList<IAgentTool> CreateDefault(AgentToolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return
        [
            new ReadTool(options),
            new WriteTool(options),
            new EditTool(options),
            new GlobTool(options),
            new GrepTool(options),
            new BashTool(options),
            new RunTestsTool(options),
            new NotesTool(options),
            new TodoTool(options),
        ];
    }

    /// <summary>
    /// A <see cref="ToolContext"/> for <paramref name="workspaceRoot"/> whose command policy is
    /// <see cref="CommandPolicies.Create"/> (offline package caches, toolchains, network per the options).
    /// </summary>
    public static ToolContext CreateContext(string workspaceRoot, ISandbox sandbox, AgentToolOptions options, TaskSpec? task = null, IVerifier? verifier = null, string? sessionDirectory = null) => new()
    {
        WorkspaceRoot = workspaceRoot,
        Sandbox = sandbox,
        CommandPolicy = CommandPolicies.Create(workspaceRoot, options, sandbox),
        Task = task,
        Verifier = verifier,
        SessionDirectory = sessionDirectory,
    };
}

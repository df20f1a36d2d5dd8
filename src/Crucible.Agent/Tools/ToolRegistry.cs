using System.Text.Json;
using Crucible.Agent.Permissions;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Tools;

/// <summary>
/// The tools of one agent: their <see cref="AITool"/> declarations for <c>ChatOptions.Tools</c>, and one
/// call path that describes a call, asks the permission gate, and runs it.
/// </summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, IAgentTool> _byName;

    /// <summary>Registers <paramref name="tools"/>; names must be unique.</summary>
    public ToolRegistry(IEnumerable<IAgentTool> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        Tools = tools.ToList();
        _byName = new Dictionary<string, IAgentTool>(StringComparer.Ordinal);
        foreach (var tool in Tools)
        {
            if (!_byName.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'.", nameof(tools));
            }
        }
        AITools = Tools.Select(t => (AITool)new AgentToolDeclaration(t)).ToList();
    }

    /// <summary>The tools in registration order.</summary>
    public IReadOnlyList<IAgentTool> Tools { get; }

    /// <summary>Declarations (not invocable: the loop runs calls through <see cref="InvokeAsync"/>) for <c>ChatOptions.Tools</c>.</summary>
    public IReadOnlyList<AITool> AITools { get; }

    /// <summary>The tool named <paramref name="name"/>, or null.</summary>
    public IAgentTool? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The permission request for a call: summary, paths (links resolved) and command.</summary>
    public static PermissionRequest CreateRequest(IAgentTool tool, JsonElement arguments, ToolContext context)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var description = tool is IDescribesCalls d ? d.Describe(arguments, context) : new CallDescription(tool.Name);
        return new PermissionRequest(tool.Name, arguments, tool.IsMutating, description.Summary)
        {
            Paths = description.Paths,
            Command = description.Command,
        };
    }

    /// <summary>
    /// Runs one call: unknown tools and denials become error results naming the reason (the model sees
    /// them); otherwise the tool runs. Cancellation and harness failures propagate.
    /// </summary>
    public async Task<ToolCallOutcome> InvokeAsync(string name, JsonElement arguments, ToolContext context, IPermissionGate gate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gate);
        if (Find(name) is not { } tool)
        {
            return new ToolCallOutcome(ToolResult.Error($"There is no tool named '{name}'. Available tools: {string.Join(", ", _byName.Keys)}."), null, null);
        }
        var request = CreateRequest(tool, arguments, context);
        var decision = await gate.DecideAsync(request, cancellationToken).ConfigureAwait(false);
        if (!decision.Allowed)
        {
            return new ToolCallOutcome(ToolResult.Error($"Permission denied: {decision.Reason}"), request, decision);
        }
        var result = await tool.InvokeAsync(arguments, context, cancellationToken).ConfigureAwait(false);
        return new ToolCallOutcome(result, request, decision);
    }
}

/// <summary>The result of <see cref="ToolRegistry.InvokeAsync"/>.</summary>
/// <param name="Result">What the model sees.</param>
/// <param name="Request">The permission request (null for an unknown tool).</param>
/// <param name="Decision">The gate's decision (null for an unknown tool).</param>
public sealed record ToolCallOutcome(ToolResult Result, PermissionRequest? Request, PermissionDecision? Decision);

/// <summary>An <see cref="AIFunctionDeclaration"/> for an <see cref="IAgentTool"/>: its name, description and input schema.</summary>
public sealed class AgentToolDeclaration : AIFunctionDeclaration
{
    /// <summary>Declares <paramref name="tool"/>.</summary>
    public AgentToolDeclaration(IAgentTool tool) => Tool = tool ?? throw new ArgumentNullException(nameof(tool));

    /// <summary>The tool declared.</summary>
    public IAgentTool Tool { get; }

    /// <inheritdoc />
    public override string Name => Tool.Name;

    /// <inheritdoc />
    public override string Description => Tool.Description;

    /// <inheritdoc />
    public override JsonElement JsonSchema => Tool.InputSchema;
}

using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.SubAgents;

/// <summary>
/// What a sub-agent gets. Defaults: the read-only tools <c>read</c>, <c>glob</c> and <c>grep</c>;
/// 30 steps, 300,000 tokens, $1.00 and 10 minutes — each further capped by what the parent has left.
/// </summary>
public sealed record SubAgentOptions
{
    /// <summary>Names of the parent's tools the sub-agent may use. Default: <c>read</c>, <c>glob</c>, <c>grep</c>.</summary>
    public IReadOnlyList<string> AllowedTools { get; init; } = ["read", "glob", "grep"];

    /// <summary>The sub-agent's own limits (clamped to the parent's budget). Defaults on the type.</summary>
    public AgentLimits Limits { get; init; } = new() { MaxSteps = 30, MaxTokens = 300_000, MaxCostUsd = 1.00m, WallTime = TimeSpan.FromMinutes(10) };

    /// <summary>The sub-agent's system prompt.</summary>
    public string SystemPrompt { get; init; } = """
        You are a sub-agent of Crucible, a coding agent. You were given one focused task by the main agent.
        Use your tools to do it, then answer with a concise, self-contained summary of what you found or did:
        exact paths, names and facts the main agent needs. You cannot ask questions; the main agent sees only your summary.
        """;
}

/// <summary>
/// The <c>task</c> tool: runs a sub-agent with a fresh context, a restricted tool set and its own
/// limits, and returns its summary. The parent enforces the budget: the sub-agent's budget is a child of
/// the parent's (<see cref="AgentBudget.CreateChild"/>), so its usage counts against the parent and it
/// can never spend more than the parent has left.
/// </summary>
public sealed class SubAgentTool : IAgentTool
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "description": { "type": "string", "description": "A short (3-8 word) title for the task." },
            "prompt": { "type": "string", "description": "The full task for the sub-agent, with all the context it needs: it sees nothing of this conversation." }
          },
          "required": ["description", "prompt"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private readonly IChatClient _client;
    private readonly ToolRegistry _tools;
    private readonly IPermissionGate _gate;
    private readonly Func<AgentBudget?> _parentBudget;
    private readonly SubAgentOptions _options;
    private readonly Func<UsageDetails, decimal?>? _pricing;
    private readonly Action<AgentEvent>? _record;

    /// <summary>Creates the tool.</summary>
    /// <param name="client">The model the sub-agent uses.</param>
    /// <param name="parentTools">The parent's tools; only <see cref="SubAgentOptions.AllowedTools"/> are passed on (never <c>task</c> itself).</param>
    /// <param name="gate">The gate the sub-agent's calls pass.</param>
    /// <param name="parentBudget">The parent run's current budget (read at each call).</param>
    /// <param name="options">Limits and tools.</param>
    /// <param name="pricing">Prices the sub-agent's calls.</param>
    /// <param name="record">Receives the sub-agent's events, wrapped in <see cref="SubAgentEvent"/> (e.g. the parent session's transcript).</param>
    public SubAgentTool(IChatClient client, IReadOnlyList<IAgentTool> parentTools, IPermissionGate gate, Func<AgentBudget?> parentBudget, SubAgentOptions? options = null, Func<UsageDetails, decimal?>? pricing = null, Action<AgentEvent>? record = null)
    {
        _record = record;
        _client = client;
        _options = options ?? new SubAgentOptions();
        // The sub-agent's calls take the same path as the parent's: a registry of the allowed tools, the same gate.
        _tools = new ToolRegistry(parentTools.Where(t => t.Name != "task" && _options.AllowedTools.Contains(t.Name, StringComparer.Ordinal)));
        _gate = gate;
        _parentBudget = parentBudget;
        _pricing = pricing;
    }

    /// <inheritdoc />
    public string Name => "task";

    /// <inheritdoc />
    public string Description =>
        $"Delegate a focused task (searching the code, reading many files, answering a question) to a sub-agent with a fresh context. " +
        $"It can use: {string.Join(", ", _tools.Tools.Select(t => t.Name))}. It returns a summary; its token and dollar use count against your budget. " +
        "Give it everything it needs in the prompt.";

    /// <inheritdoc />
    public JsonElement InputSchema => Schema;

    /// <inheritdoc />
    public bool IsMutating => _tools.Tools.Any(t => t.IsMutating);

    /// <summary>The tools the sub-agent gets.</summary>
    public IReadOnlyList<IAgentTool> Tools => _tools.Tools;

    /// <inheritdoc />
    /// <remarks>The call itself touches no path: each of the sub-agent's own calls passes the gate with its own description.</remarks>
    public CallDescription Describe(JsonElement arguments, ToolContext context) =>
        new($"task: {new ToolArguments(arguments).OptionalStringOrNull("description")}".TrimEnd());

    /// <inheritdoc />
    public async Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        if (arguments.ValueKind != JsonValueKind.Object || !arguments.TryGetProperty("prompt", out var p) || p.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.GetString()))
        {
            return ToolResult.Error("'prompt' is required: the full task for the sub-agent");
        }
        var parent = _parentBudget() ?? AgentBudget.For(_options.Limits);
        if (parent.Exhausted() is { } spent)
        {
            return ToolResult.Error($"not started: the budget has nothing left ({spent.ToWire()})");
        }
        var budget = parent.CreateChild(_options.Limits);
        var loop = new AgentLoop(_client, _tools, _gate, context, new AgentOptions { Limits = _options.Limits, Pricing = _pricing });
        var description = arguments.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "task";
        IAgentEventSink[] sinks = _record is { } record ? [new Forward(e => record(new SubAgentEvent(description, e)))] : [];
        var conversation = new AgentConversation([new ChatMessage(ChatRole.System, _options.SystemPrompt)], sinks);
        var result = await loop.RunAsync(conversation, p.GetString()!, budget, cancellationToken).ConfigureAwait(false);
        var tokens = AgentBudget.TotalTokens(result.Usage.Tokens);
        var header = $"[sub-agent {result.Status.ToWire()} after {result.Steps} step(s), {tokens} tokens{(result.Usage.CostUsd > 0 ? $", ${result.Usage.CostUsd:F4}" : "")}]";
        return result.Status == AgentRunStatus.Completed
            ? new ToolResult($"{header}\n{result.FinalText}")
            : ToolResult.Error($"{header} {result.Message}\n{result.FinalText ?? "(no summary)"}");
    }

    private sealed class Forward(Action<AgentEvent> action) : IAgentEventSink
    {
        public void OnEvent(AgentEvent e)
        {
            if (e is not AssistantTextDelta)
            {
                action(e);
            }
        }
    }
}

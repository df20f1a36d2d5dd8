using System.Text.Json;
using Crucible.Agent.Permissions;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Tools;

/// <summary>
/// The tools of one agent and the one path every model call takes: declarations for
/// <c>ChatOptions.Tools</c>, then per call the unknown-tool and argument-parse errors, the permission
/// request built from the tool's own description (paths with links resolved), the gate's decision, and
/// the invocation. The agent loop and sub-agents dispatch through it; nothing else builds a request.
/// </summary>
public sealed class ToolRegistry
{
    /// <summary>
    /// What the model sees when a tool throws: no exception text and no stack (they may name host paths
    /// or file contents the gate would refuse), only that the harness failed and kept the details.
    /// </summary>
    public const string UnexpectedFailureMessage = "the tool failed unexpectedly; the harness recorded the details for the user. This is not a problem with your call.";

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

    /// <summary>
    /// One declaration per tool, in registration order (stable, so the prompt prefix stays cacheable), for
    /// <c>ChatOptions.Tools</c>. Declarations carry no code: every call runs through <see cref="InvokeAsync(FunctionCallContent, ToolContext, IPermissionGate, Action{ToolCallAdmission}?, CancellationToken)"/>.
    /// </summary>
    public IReadOnlyList<AITool> AITools { get; }

    /// <summary>The tool named <paramref name="name"/>, or null.</summary>
    public IAgentTool? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The permission request for a call: summary, paths (links resolved) and command, from the tool's <see cref="IDescribesCalls.Describe"/>.</summary>
    public static PermissionRequest CreateRequest(IAgentTool tool, JsonElement arguments, ToolContext context)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var description = tool.Describe(arguments, context);
        return new PermissionRequest(tool.Name, arguments, tool.IsMutating, description.Summary)
        {
            Paths = description.Paths,
            Command = description.Command,
        };
    }

    /// <summary>The arguments of a model's call as one JSON object (an absent object becomes <c>{}</c>).</summary>
    public static JsonElement Arguments(FunctionCallContent call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions);
    }

    /// <summary>Runs one call given by name and arguments (see the other overload).</summary>
    public Task<ToolCallOutcome> InvokeAsync(string name, JsonElement arguments, ToolContext context, IPermissionGate gate, CancellationToken cancellationToken) =>
        DispatchAsync(name, arguments, null, context, gate, null, cancellationToken);

    /// <summary>
    /// Runs one model call. An unknown tool, arguments that could not be parsed and a denial become error
    /// results naming the reason (the model sees them and can correct itself); otherwise the tool runs. A
    /// tool that throws (anything but cancellation) gives the model <see cref="UnexpectedFailureMessage"/>
    /// and the exception in <see cref="ToolCallOutcome.Failure"/> for the caller to record. Cancellation propagates.
    /// </summary>
    /// <param name="call">The model's call.</param>
    /// <param name="context">What the tools may use.</param>
    /// <param name="gate">Decides on the call.</param>
    /// <param name="admitted">Called once the call is admitted or refused and before the tool runs (the UI shows the call while it runs).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<ToolCallOutcome> InvokeAsync(FunctionCallContent call, ToolContext context, IPermissionGate gate, Action<ToolCallAdmission>? admitted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return DispatchAsync(call.Name, Arguments(call), call.Exception, context, gate, admitted, cancellationToken);
    }

    private async Task<ToolCallOutcome> DispatchAsync(string name, JsonElement arguments, Exception? parseError, ToolContext context, IPermissionGate gate, Action<ToolCallAdmission>? admitted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(gate);
        if (Find(name) is not { } tool)
        {
            admitted?.Invoke(new ToolCallAdmission(name, arguments, name, false, "unknown tool"));
            return new ToolCallOutcome(ToolResult.Error($"unknown tool '{name}'; available tools: {string.Join(", ", _byName.Keys)}"), null, null);
        }
        if (parseError is not null)
        {
            admitted?.Invoke(new ToolCallAdmission(name, arguments, name, false, "arguments could not be parsed"));
            return new ToolCallOutcome(ToolResult.Error($"the arguments could not be parsed as JSON ({parseError.Message}); send a JSON object matching the tool's schema"), null, null);
        }
        var request = CreateRequest(tool, arguments, context);
        var decision = await gate.DecideAsync(request, cancellationToken).ConfigureAwait(false);
        admitted?.Invoke(new ToolCallAdmission(tool.Name, arguments, request.Summary, decision.Allowed, decision.Reason));
        if (!decision.Allowed)
        {
            return new ToolCallOutcome(ToolResult.Error($"permission denied: {decision.Reason}"), request, decision);
        }
        try
        {
            var result = await tool.InvokeAsync(arguments, context, cancellationToken).ConfigureAwait(false);
            return new ToolCallOutcome(result, request, decision);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Tools report what the model can fix as error results; a throw is the harness's failure, and its text stays out of the model's view.
            return new ToolCallOutcome(ToolResult.Error(UnexpectedFailureMessage), request, decision) { Failure = e };
        }
    }
}

/// <summary>A call admitted or refused by <see cref="ToolRegistry"/>, before it runs (what the loop shows and records as <c>tool_call</c>).</summary>
/// <param name="Tool">The tool name as the model called it.</param>
/// <param name="Arguments">The call's arguments.</param>
/// <param name="Summary">One line for the user (the tool's description of the call).</param>
/// <param name="Allowed">True when the call will run.</param>
/// <param name="Reason">The gate's reason, or why the call was refused before the gate (<c>unknown tool</c>, <c>arguments could not be parsed</c>).</param>
public sealed record ToolCallAdmission(string Tool, JsonElement Arguments, string Summary, bool Allowed, string Reason);

/// <summary>The result of <see cref="ToolRegistry.InvokeAsync(FunctionCallContent, ToolContext, IPermissionGate, Action{ToolCallAdmission}?, CancellationToken)"/>.</summary>
/// <param name="Result">What the model sees.</param>
/// <param name="Request">The permission request (null for an unknown tool or unparsable arguments).</param>
/// <param name="Decision">The gate's decision (null for an unknown tool or unparsable arguments).</param>
public sealed record ToolCallOutcome(ToolResult Result, PermissionRequest? Request, PermissionDecision? Decision)
{
    /// <summary>The exception of a tool that failed unexpectedly (then <see cref="Result"/> is <see cref="ToolRegistry.UnexpectedFailureMessage"/>); null otherwise.</summary>
    public Exception? Failure { get; init; }
}

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

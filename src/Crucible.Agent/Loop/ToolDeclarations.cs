using Crucible.Agent.Tools;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Loop;

/// <summary>Turns agent tools into the declarations a model sees in <see cref="ChatOptions.Tools"/>.</summary>
public static class ToolDeclarations
{
    /// <summary>
    /// One declaration per tool, in the tools' order (stable, so the prompt prefix stays cacheable).
    /// Declarations carry no code: the loop runs every call itself, through the permission gate.
    /// </summary>
    public static IList<AITool> From(IEnumerable<IAgentTool> tools) =>
        [.. tools.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(t.Name, t.Description, t.InputSchema))];
}

using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crucible.Server.Mcp;

/// <summary>
/// Registers Crucible's MCP tools and resources on a server builder (stdio and HTTP alike), with the filter that turns
/// a call's bad input into a tool result the calling agent can act on: <c>isError</c> and a message naming the problem
/// and the fix. Without it the SDK answers a missing or mistyped argument with its generic "An error occurred invoking"
/// text, and prefixes every message a tool throws with it.
/// </summary>
public static class McpToolErrors
{
    /// <summary>What an agent is told to do about arguments the tool could not bind.</summary>
    public const string ArgumentsFix = "pass the arguments the tool's input schema declares (tools/list shows it), with their JSON types";

    /// <summary>Adds <see cref="CrucibleMcpTools"/> (tools and verdict resources) and the bad-input filter.</summary>
    public static IMcpServerBuilder WithCrucibleTools(this IMcpServerBuilder builder) =>
        builder.WithTools<CrucibleMcpTools>(ServerApp.Json)
            .WithResources<CrucibleMcpTools>()
            .WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
            {
                var tool = request.Params?.Name ?? "(unnamed tool)";
                try
                {
                    return await next(request, cancellationToken).ConfigureAwait(false);
                }
                catch (McpException e)
                {
                    // The tools throw McpException only for the caller's input: its message already names problem and fix.
                    return Error($"{tool}: {e.Message}");
                }
                catch (ArgumentException e) when (e.ParamName == "arguments")
                {
                    // Microsoft.Extensions.AI's binder: a required argument is missing.
                    return Error($"{tool}: {e.Message.Replace(" (Parameter 'arguments')", "", StringComparison.Ordinal)} Fix: {ArgumentsFix}.");
                }
                catch (JsonException e)
                {
                    // The binder could not convert an argument to its declared type.
                    return Error($"{tool}: an argument has the wrong type ({e.Message}) Fix: {ArgumentsFix}.");
                }
            }));

    /// <summary>The message of a tool error raised for the caller's input: problem, then fix.</summary>
    public static McpException BadInput(string problem, string? fix) => new(fix is null ? problem : $"{problem}. Fix: {fix.TrimEnd('.')}.");

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}

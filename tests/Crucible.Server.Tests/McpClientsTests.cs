using System.IO.Pipelines;
using System.Text.Json;
using Crucible.Server.Mcp;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crucible.Server.Tests;

/// <summary>
/// The MCP server as other clients reach it: <c>crucible mcp</c>'s stdio transport (the same streams, here in-process
/// pipes) with the official C# client, and <c>/mcp</c> driven by the MCP Inspector CLI from npm in a test script.
/// </summary>
public sealed class McpClientsTests : IAsyncLifetime
{
    private ServerTestHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await ServerTestHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_stdio_server_lists_and_runs_the_tools_for_the_official_client()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var server = McpStdio.RunAsync(_host.Options, toServer.Reader.AsStream(), toClient.Writer.AsStream(), stop.Token);
        await using (var client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()), cancellationToken: Ct))
        {
            var tools = await client.ListToolsAsync(cancellationToken: Ct);
            var result = await client.CallToolAsync("verify_task", new Dictionary<string, object?> { ["task"] = "pysuite/add", ["files"] = new Dictionary<string, string> { ["add.py"] = "def add(a, b):\n    return a * b\n" } }, cancellationToken: Ct);
            var unknown = await client.CallToolAsync("verify_task", new Dictionary<string, object?> { ["task"] = "pysuite/nope", ["files"] = new Dictionary<string, string>() }, cancellationToken: Ct);

            Assert.Equal(["list_tasks", "review", "verify", "verify_task"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.Equal((false, "Failed"), (result.StructuredContent!.Value.GetProperty("verified").GetBoolean(), result.StructuredContent.Value.GetProperty("status").GetString()));
            // An unknown task is a tool error the model sees (IsError), not a protocol failure.
            Assert.True(unknown.IsError);
            Assert.Null(unknown.StructuredContent);
        }
        await stop.CancelAsync();
        await server.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task The_mcp_inspector_cli_lists_the_tools_grades_a_solution_and_reads_the_verdict_resource()
    {
        var script = Path.Combine(Testing.TestPaths.RepoRoot, "tests", "Crucible.Server.Tests", "Scripts", "mcp-inspector.sh");

        var (code, output) = await PythonClientTests.RunAsync("/bin/bash", [script, new Uri(_host.BaseAddress, "/mcp").ToString()], _host.JobRoot);

        Assert.True(code == 0, output);
        Assert.Contains("tools: list_tasks,review,verify,verify_task", output, StringComparison.Ordinal);
        Assert.Contains("verify_task: verified=true", output, StringComparison.Ordinal);
        Assert.Contains("verdict resource: status=Passed", output, StringComparison.Ordinal);
    }
}

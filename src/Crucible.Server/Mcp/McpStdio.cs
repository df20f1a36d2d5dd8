using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crucible.Server.Mcp;

/// <summary><c>crucible mcp</c>: the same tools as <c>/mcp</c> on <c>serve</c>, over a pair of streams (stdin and stdout).</summary>
public static class McpStdio
{
    /// <summary>Serves MCP on <paramref name="input"/>/<paramref name="output"/> until the client closes it or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task RunAsync(ServerOptions options, Stream input, Stream output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.JobRoot);
        var builder = Host.CreateEmptyApplicationBuilder(settings: null);
        using var slots = new VerificationSlots(options.Policy);
        var catalog = new TaskCatalog(options.Suites);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new VerifyService(options, slots, catalog));
        builder.Services.AddSingleton<VerdictResources>();
        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "crucible", Version = "1.0.0" })
            .WithStreamServerTransport(input, output)
            .WithCrucibleTools();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crucible.Testing.Http;

/// <summary>One request a <see cref="LocalHttpServer"/> received, with its body read in full.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path and query.</param>
/// <param name="Headers">Request headers (names lower-cased; repeated values joined with commas).</param>
/// <param name="Body">The body as text.</param>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real HTTP server on 127.0.0.1 with a random port, for testing providers over the wire. The
/// handler gets each request (body already read) and writes the response; every request is recorded.
/// Wire-protocol servers (Anthropic, OpenAI) are built on top of it.
/// </summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private LocalHttpServer(WebApplication app) => _app = app;

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Starts a server that answers with <paramref name="handler"/>.</summary>
    public static async Task<LocalHttpServer> StartAsync(Func<ReceivedRequest, HttpContext, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new LocalHttpServer(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var request = new ReceivedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body);
            server._received.Enqueue(request);
            await handler(request, context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

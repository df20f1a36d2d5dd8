using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crucible.Core;
using Crucible.Server.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Crucible.Server;

/// <summary>
/// <c>crucible serve</c>'s web application: the reward API (<c>/v1/verify</c>, batch jobs), SandboxFusion's
/// <c>/run_code</c>, OpenRLHF's <c>/get_reward</c>, MCP at <c>/mcp</c>, health, Prometheus metrics and the OpenAPI
/// document, with the bearer token and size limits in front of all of it.
/// </summary>
public static class ServerApp
{
    /// <summary>JSON of requests and answers: property names as the contracts declare them, enums as names.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Paths answered without a token (probes).</summary>
    public static IReadOnlyList<string> OpenPaths { get; } = ["/healthz", "/readyz"];

    /// <summary>Parses <c>HOST:PORT</c> and says whether it is a loopback address.</summary>
    /// <exception cref="BadInputException">Not <c>HOST:PORT</c>.</exception>
    public static (IPAddress Address, int Port, bool Loopback) ParseListen(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new BadInputException($"--listen '{listen}' is not HOST:PORT", "pass e.g. 127.0.0.1:8080 or 0.0.0.0:8080");
        }
        var host = listen[..colon].Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new BadInputException($"--listen host '{host}' is not an IP address", "pass an IP address such as 127.0.0.1 or 0.0.0.0");
        return (address, port, IPAddress.IsLoopback(address));
    }

    /// <summary>Builds the application for <paramref name="options"/> (not started).</summary>
    /// <exception cref="BadInputException">A bad listen address, or a non-loopback listener without a token.</exception>
    public static WebApplication Build(ServerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var (address, port, loopback) = ParseListen(options.Listen);
        if (!loopback && string.IsNullOrEmpty(options.Token))
        {
            throw new BadInputException($"--listen {options.Listen} is not a loopback address, and no token was given",
                "pass --token-file FILE (a file holding the bearer token clients must send), or listen on 127.0.0.1");
        }
        Directory.CreateDirectory(options.JobRoot);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "crucible-serve" });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = options.Policy.MaxRequestBytes;
        });
        var slots = new VerificationSlots(options.Policy);
        var catalog = new TaskCatalog(options.Suites);
        var verify = new VerifyService(options, slots, catalog);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(slots);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(verify);
        builder.Services.AddSingleton(new JobStore(verify, options.Policy));
        builder.Services.AddSingleton(new RunCodeService(options, slots));
        builder.Services.AddSingleton(new RewardService(verify, options.Policy));
        builder.Services.AddSingleton<VerdictResources>();
        builder.Services.AddOpenApi();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(VerificationSlots.MeterName).AddPrometheusExporter());
        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "crucible", Version = "1.0.0" })
            .WithHttpTransport(o => o.Stateless = true)
            .WithCrucibleTools();

        var app = builder.Build();
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use(async (context, next) =>
        {
            // A stopping server (SIGINT/SIGTERM) cancels what is in flight instead of waiting for it: each request's token
            // also fires on stop, its verification (and the sandboxed processes under it) is cancelled, and the caller
            // gets 503 server_stopping to retry elsewhere. Kestrel then drains quickly and the process exits.
            using var requestOrStop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            context.RequestAborted = requestOrStop.Token;
            try
            {
                if (options.Token is { Length: > 0 } token && !OpenPaths.Contains(context.Request.Path.Value, StringComparer.Ordinal) && !Authorized(context.Request, token))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    throw new ApiException(401, "unauthorized", "a valid bearer token is required", "send 'Authorization: Bearer <token>' with the token of the server's --token-file");
                }
                await next(context).ConfigureAwait(false);
            }
            catch (ApiException e) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = e.Status;
                await context.Response.WriteAsJsonAsync(e.ToBody(), Json).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.Response.HasStarted)
            {
                var error = new ApiException(503, "server_stopping", "the server is stopping; this request was cancelled", "retry the request (on another server, or once this one is back)");
                context.Response.StatusCode = error.Status;
                await context.Response.WriteAsJsonAsync(error.ToBody(), Json, CancellationToken.None).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                var error = e.StatusCode == 413
                    ? new ApiException(413, "payload_too_large", $"the request body is larger than the server's limit of {options.Policy.MaxRequestBytes} bytes", "send less per request (split batches)")
                    : new ApiException(e.StatusCode, "bad_request", e.Message, "check the request");
                context.Response.StatusCode = error.Status;
                await context.Response.WriteAsJsonAsync(error.ToBody(), Json).ConfigureAwait(false);
            }
        });
        app.MapOpenApi("/openapi/v1.json");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapMcp("/mcp");
        MapEndpoints(app);
        return app;
    }

    /// <summary>The address the started <paramref name="app"/> listens on (with the real port when 0 was asked).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static bool Authorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    private static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Json, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiException(400, "malformed_json", "the body is JSON null", "send a JSON object");
        }
        catch (JsonException e)
        {
            throw new ApiException(400, "malformed_json", $"the body is not valid JSON for this endpoint: {e.Message}", "send a JSON object as the OpenAPI document (/openapi/v1.json) describes it");
        }
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }, Json)).WithSummary("Liveness: the process answers.");
        app.MapGet("/readyz", (VerificationSlots slots) => slots.Waiting >= slots.Slots + app.Services.GetRequiredService<ServerOptions>().Policy.QueueCapacity
                ? Results.Json(new { status = "busy", waiting = slots.Waiting, busy = slots.Busy }, Json, statusCode: 503)
                : Results.Json(new { status = "ready", waiting = slots.Waiting, busy = slots.Busy, slots = slots.Slots }, Json))
            .WithSummary("Readiness: 503 while the verification queue is full.");
        app.MapGet("/v1/tasks", (TaskCatalog catalog) => Results.Json(new { tasks = catalog.List() }, Json)).WithSummary("The served tasks, as suite/id.");
        app.MapPost("/v1/verify", async (HttpRequest request, VerifyService verify, CancellationToken ct) =>
                Results.Json(await verify.VerifyAsync(await ReadAsync<VerifyRequest>(request, ct), ct), Json))
            .Accepts<VerifyRequest>("application/json").Produces<VerifyResult>().Produces<ErrorBody>(400)
            .WithSummary("Verify a candidate for a task: the verdict eval stores, and the reward.");
        app.MapPost("/v1/verify/batch", async (HttpRequest request, JobStore jobs, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime, CancellationToken ct) =>
            {
                var batch = await ReadAsync<BatchRequest>(request, ct);
                return Results.Json(new BatchResponse(jobs.Start(batch.Items ?? [], lifetime.ApplicationStopping)), Json, statusCode: 202);
            })
            .Accepts<BatchRequest>("application/json").Produces<BatchResponse>(202).Produces<ErrorBody>(400)
            .WithSummary("Start one verification job per item; read them with GET /v1/jobs/{id}.");
        app.MapGet("/v1/jobs/{id}", async (string id, double? wait, JobStore jobs, CancellationToken ct) =>
                Results.Json(await jobs.GetAsync(id, TimeSpan.FromSeconds(Math.Max(0, wait ?? 0)), ct), Json))
            .Produces<JobView>().Produces<ErrorBody>(404)
            .WithSummary("A batch job; ?wait=SECONDS long-polls until it finishes (capped by the server's policy).");
        app.MapPost("/run_code", async (HttpRequest request, RunCodeService runner, CancellationToken ct) =>
                Results.Json(await runner.RunAsync(await ReadAsync<RunCodeRequest>(request, ct), ct), Json))
            .Accepts<RunCodeRequest>("application/json").Produces<RunCodeResponse>().Produces<ErrorBody>(400)
            .WithSummary("SandboxFusion-compatible: compile and run one program (python, csharp, go) with stdin and limits.");
        app.MapPost("/get_reward", async (HttpRequest request, RewardService rewards, CancellationToken ct) =>
                Results.Json(await rewards.ScoreAsync(await ReadAsync<RewardRequest>(request, ct), ct), Json))
            .Accepts<RewardRequest>("application/json").Produces<RewardResponse>().Produces<ErrorBody>(400)
            .WithSummary("OpenRLHF remote reward model: labels name tasks (suite/id); rewards come from verification.");
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Crucible.Models.Http;
using Crucible.Models.Tests.Support;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Crucible.Models.Tests.Http;

public sealed class RetryingHandlerTests
{
    private readonly ConcurrentQueue<TimeSpan> _delays = new();

    private HttpClient Client(RetryPolicy? policy = null, Func<double>? random = null, CapturingLogger? logger = null) =>
        new(new RetryingHandler(policy ?? RetryPolicy.Default, delay: (d, _) => { _delays.Enqueue(d); return Task.CompletedTask; }, random: random ?? (() => 0.0), logger: logger)
        {
            InnerHandler = new SocketsHttpHandler(),
        })
        { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>A server answering with the given (status, body, headers) in order, then 200 forever.</summary>
    private static Task<LocalHttpServer> Scripted(params (int Status, (string, string)[] Headers)[] script)
    {
        var queue = new ConcurrentQueue<(int, (string, string)[])>(script);
        return LocalHttpServer.StartAsync((_, ctx) =>
            queue.TryDequeue(out var step)
                ? ChatCompletionsWire.Write(ctx, step.Item1, ChatCompletionsWire.Error($"status {step.Item1}", "api_error"), step.Item2)
                : ChatCompletionsWire.Write(ctx, 200, ChatCompletionsWire.Completion("ok")));
    }

    private static HttpRequestMessage Post(LocalHttpServer server) =>
        new(HttpMethod.Post, new Uri(server.BaseUrl, "v1/messages")) { Content = new StringContent("""{"model":"m"}""") };

    [Theory]
    [InlineData(429)]
    [InlineData(529)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Retryable_status_is_retried_then_succeeds_with_the_same_body(int status)
    {
        await using var server = await Scripted((status, []), (status, []));
        using var client = Client();
        using var request = Post(server);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Received.Count);
        Assert.All(server.Received, r => Assert.Equal("""{"model":"m"}""", r.Body));
        Assert.Equal("3", response.Headers.GetValues(RetryingHandler.AttemptsHeader).Single());
        Assert.True(request.Options.TryGetValue(RetryingHandler.AttemptsOption, out var attempts) && attempts == 3);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task Non_retryable_status_passes_straight_through(int status)
    {
        await using var server = await Scripted((status, []));
        using var client = Client();
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Single(server.Received);
        Assert.Contains($"status {status}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Empty(_delays);
    }

    [Fact]
    public async Task Gives_up_after_max_attempts_and_surfaces_the_last_response()
    {
        await using var server = await Scripted((529, []), (529, []), (529, []), (529, []));
        using var client = Client(RetryPolicy.Default with { MaxAttempts = 3 });
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal(3, server.Received.Count);
        Assert.Equal("3", response.Headers.GetValues(RetryingHandler.AttemptsHeader).Single());
        Assert.Contains("status 529", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Backoff_doubles_from_the_base_delay_up_to_the_cap_with_jitter_below_it()
    {
        await using var server = await Scripted((500, []), (500, []), (500, []), (500, []), (500, []));
        var policy = RetryPolicy.Default with { MaxAttempts = 6, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5), Jitter = 0.5 };
        using var client = Client(policy, random: () => 0.5);
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Raw backoff 1, 2, 4, 5 (cap), 5; jitter 0.5 * 0.5 takes a quarter off each.
        Assert.Equal(new[] { 0.75, 1.5, 3.0, 3.75, 3.75 }, _delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task Retry_after_seconds_and_retry_after_ms_are_honoured()
    {
        await using var server = await Scripted((429, [("retry-after", "7")]), (429, [("retry-after-ms", "1500"), ("retry-after", "9")]));
        using var client = Client();
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromMilliseconds(1500)], _delays);
    }

    [Fact]
    public void Retry_after_as_http_date_is_the_time_until_that_date()
    {
        var now = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
        using var response = new HttpResponseMessage((HttpStatusCode)429);
        response.Headers.TryAddWithoutValidation("retry-after", now.AddSeconds(12).ToString("r"));
        Assert.Equal(TimeSpan.FromSeconds(12), RetryingHandler.RetryAfter(response, now));
    }

    [Fact]
    public async Task Retry_after_longer_than_the_cap_is_capped()
    {
        await using var server = await Scripted((503, [("retry-after", "3600")]));
        using var client = Client(RetryPolicy.Default with { MaxRetryAfter = TimeSpan.FromSeconds(20) });
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal([TimeSpan.FromSeconds(20)], _delays);
    }

    [Fact]
    public async Task Server_may_veto_a_retry_with_x_should_retry_false()
    {
        await using var server = await Scripted((500, [("x-should-retry", "false")]));
        using var client = Client();
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal(500, (int)response.StatusCode);
        Assert.Single(server.Received);
    }

    [Fact]
    public async Task Connection_failures_are_retried_then_reported_as_a_network_error_with_the_attempt_count()
    {
        var port = FreePort();
        using var client = Client(RetryPolicy.Default with { MaxAttempts = 3 });
        var e = await Assert.ThrowsAsync<ModelCallException>(() => client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/v1/chat/completions") { Content = new StringContent("{}") }, TestContext.Current.CancellationToken));
        Assert.Equal(ModelErrorKind.Network, e.Kind);
        Assert.Equal(3, e.Attempts);
        Assert.Equal(2, _delays.Count);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", e.Message);
        Assert.NotNull(e.Fix);
    }

    [Fact]
    public async Task Connection_reset_mid_response_is_retried()
    {
        var calls = 0;
        await using var server = await LocalHttpServer.StartAsync((_, ctx) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                ctx.Abort(); // drops the connection without an answer
                return Task.CompletedTask;
            }
            return ChatCompletionsWire.Write(ctx, 200, ChatCompletionsWire.Completion("ok"));
        });
        using var client = Client();
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.Received.Count);
    }

    [Fact]
    public async Task Per_try_timeout_is_retried_then_reported_as_timeout()
    {
        await using var server = await LocalHttpServer.StartAsync(async (_, ctx) => await Task.Delay(Timeout.Infinite, ctx.RequestAborted));
        using var client = Client(RetryPolicy.Default with { MaxAttempts = 2, PerTryTimeout = TimeSpan.FromMilliseconds(200) });
        var e = await Assert.ThrowsAsync<ModelCallException>(() => client.SendAsync(Post(server), TestContext.Current.CancellationToken));
        Assert.Equal(ModelErrorKind.Timeout, e.Kind);
        Assert.Equal(2, e.Attempts);
        Assert.Equal(2, server.Received.Count);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_retried()
    {
        var arrived = new TaskCompletionSource();
        await using var server = await LocalHttpServer.StartAsync(async (_, ctx) =>
        {
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        });
        using var client = Client();
        using var cts = new CancellationTokenSource();
        var call = client.SendAsync(Post(server), cts.Token);
        await arrived.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(server.Received);
        Assert.Empty(_delays);
    }

    [Fact]
    public async Task Event_stream_body_is_handed_over_as_it_arrives_not_buffered()
    {
        var release = new TaskCompletionSource();
        await using var server = await LocalHttpServer.StartAsync(async (_, ctx) =>
        {
            ctx.Response.ContentType = "text/event-stream";
            await ctx.Response.WriteAsync("event: message_start\ndata: {}\n\n");
            await ctx.Response.Body.FlushAsync();
            await release.Task.WaitAsync(ctx.RequestAborted); // the rest of the stream waits for the client
            await ctx.Response.WriteAsync("event: message_stop\ndata: {}\n\n");
        });
        // Were the body buffered inside the try, this would wait for `release` and fail with a timeout.
        using var client = Client(RetryPolicy.Default with { MaxAttempts = 1, PerTryTimeout = TimeSpan.FromSeconds(20) });
        using var response = await client.SendAsync(Post(server), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        Assert.Equal("event: message_start", await reader.ReadLineAsync(TestContext.Current.CancellationToken));
        release.SetResult();
        Assert.EndsWith("event: message_stop\ndata: {}\n\n", await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Each_retry_is_logged_with_its_reason()
    {
        await using var server = await Scripted((429, [("retry-after", "2")]));
        var logger = new CapturingLogger();
        using var client = Client(logger: logger);
        using var response = await client.SendAsync(Post(server), TestContext.Current.CancellationToken);
        var line = Assert.Single(logger.Lines);
        Assert.Contains("status 429; retry 2/4 in 2000 ms", line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using Crucible.Models.OpenAI;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

/// <summary>How failures of OpenAI-compatible calls reach the caller (<see cref="ModelCallException"/>), through the real client and wire server.</summary>
public sealed class OpenAIErrorsTests
{
    private const string Model = "gpt-test";

    private static Task<OpenAIWireServer> StartAsync(string? key = Key) =>
        OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = key, Model = Model });

    [Fact]
    public async Task Rate_limit_becomes_a_rate_limited_error_with_the_api_message()
    {
        await using var server = await StartAsync();
        server.Enqueue(OpenAIReply.Error(429, "Rate limit reached for gpt-test on requests per min (RPM): Limit 3.", "requests", "rate_limit_exceeded", retryAfter: "20"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal((ModelErrorKind.RateLimited, 429, "Rate limit reached for gpt-test on requests per min (RPM): Limit 3."), (error.Kind, error.StatusCode, error.ApiMessage));
        Assert.Contains(error.ApiMessage!, error.Message, StringComparison.Ordinal);
        Assert.Single(server.Received); // the SDK's own retries are off: the connection's handler owns retrying
    }

    [Fact]
    public async Task Bad_request_is_shown_with_the_api_own_message()
    {
        await using var server = await StartAsync();
        server.Enqueue(OpenAIReply.Error(400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.",
            "invalid_request_error", "context_length_exceeded"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "long")], cancellationToken: Ct));

        Assert.Equal((ModelErrorKind.BadRequest, 400, "invalid_request_error"), (error.Kind, error.StatusCode, error.ApiErrorType));
        Assert.Contains("maximum context length is 8192 tokens", error.Message, StringComparison.Ordinal);
        Assert.Equal("Shorten the conversation or use a model with a longer context.", error.Fix);
    }

    [Fact]
    public async Task Rejected_key_names_the_variable_and_never_shows_the_key_even_when_the_server_echoes_it()
    {
        await using var server = await StartAsync(key: "sk-the-right-key");
        using var client = Client(server, key: Key);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal((ModelErrorKind.Authentication, 401), (error.Kind, error.StatusCode));
        Assert.Equal("Set OPENAI_API_KEY to a valid API key.", error.Fix);
        Assert.Contains(Key, server.Received.Single().Headers["authorization"], StringComparison.Ordinal);
        Assert.StartsWith("Incorrect API key provided: [redacted key].", error.ApiMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Key, client.Connection.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_errors_are_mapped_like_non_streaming_ones_and_never_show_the_key()
    {
        await using var server = await StartAsync(key: "sk-the-right-key");
        using var client = Client(server, key: Key);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => StreamAsync(client, [new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal(ModelErrorKind.Authentication, error.Kind);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_model_is_a_not_found_error_naming_the_model()
    {
        await using var server = await StartAsync();
        using var client = Client(server, model: "gpt-nonexistent");

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal((ModelErrorKind.NotFound, 404, "invalid_request_error"), (error.Kind, error.StatusCode, error.ApiErrorType));
        Assert.Equal("The model `gpt-nonexistent` does not exist or you do not have access to it.", error.ApiMessage);
        Assert.Contains("'gpt-nonexistent'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(500, ModelErrorKind.ServerError)]
    [InlineData(503, ModelErrorKind.ServerError)]
    [InlineData(529, ModelErrorKind.Overloaded)]
    [InlineData(403, ModelErrorKind.Authentication)]
    [InlineData(422, ModelErrorKind.BadRequest)]
    public async Task Http_status_maps_to_the_error_kind(int status, ModelErrorKind kind)
    {
        await using var server = await StartAsync();
        server.Enqueue(OpenAIReply.Error(status, $"status {status} from the test server", "server_error"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal((kind, status, $"status {status} from the test server"), (error.Kind, error.StatusCode, error.ApiMessage));
    }

    [Fact]
    public async Task Ollama_vllm_and_plain_text_error_bodies_are_shown_verbatim()
    {
        await using var server = await StartAsync(key: null);
        server.Enqueue(new RawReply(404, "application/json", """{"error":"model \"qwen3:8b\" not found, try pulling it first"}""", new Dictionary<string, string>()));
        server.Enqueue(new RawReply(502, "text/plain", "upstream connect error", new Dictionary<string, string>()));
        server.Enqueue(new RawReply(400, "application/json",
            """{"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}""",
            new Dictionary<string, string>()));
        using var client = Client(server, key: null);

        var notFound = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));
        var badGateway = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));
        var vllmTooLong = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal((ModelErrorKind.NotFound, "model \"qwen3:8b\" not found, try pulling it first"), (notFound.Kind, notFound.ApiMessage));
        Assert.Equal((ModelErrorKind.ServerError, "upstream connect error"), (badGateway.Kind, badGateway.ApiMessage));
        Assert.Equal((ModelErrorKind.BadRequest, "This model's maximum context length is 4096 tokens.", "BadRequestError"),
            (vllmTooLong.Kind, vllmTooLong.ApiMessage, vllmTooLong.ApiErrorType));
    }

    [Fact]
    public async Task Unreachable_server_is_a_network_error_naming_the_base_url()
    {
        var server = await StartAsync();
        var connection = Connection(server);
        await server.DisposeAsync();
        using var client = new OpenAICompatibleChatClient(connection);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Equal(ModelErrorKind.Network, error.Kind);
        Assert.Contains(connection.BaseUrl!.ToString(), error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_call_exception_from_the_http_handler_is_rethrown_unchanged()
    {
        await using var server = await StartAsync();
        var fromHandler = new ModelCallException(ModelErrorKind.RateLimited, "gave up after 4 tries") { Attempts = 4, StatusCode = 429 };
        var connection = Connection(server) with { HttpClient = new HttpClient(new ThrowingHandler(fromHandler)) };
        using var client = new OpenAICompatibleChatClient(connection);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], cancellationToken: Ct));
        var streamError = await Assert.ThrowsAsync<ModelCallException>(() => StreamAsync(client, [new(ChatRole.User, "hi")], cancellationToken: Ct));

        Assert.Same(fromHandler, error);
        Assert.Same(fromHandler, streamError);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_that_stops_sending_hits_the_connection_timeout(bool streamed)
    {
        await using var server = await StartAsync();
        server.Enqueue(new StallingReply());
        var connection = Connection(server) with { HttpClient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) } };
        using var client = new OpenAICompatibleChatClient(connection);
        List<ChatMessage> question = [new(ChatRole.User, "hi")];

        var error = await Assert.ThrowsAsync<ModelCallException>(() => streamed ? StreamAsync(client, question, cancellationToken: Ct) : client.GetResponseAsync(question, cancellationToken: Ct));

        Assert.Equal(ModelErrorKind.Timeout, error.Kind);
    }

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromException<HttpResponseMessage>(exception);
    }
}

using Crucible.Models.Anthropic;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicErrorMapperTests
{
    private static readonly ProviderConnection Connection = new()
    {
        Provider = "anthropic",
        Model = "claude-sonnet-4-5",
        ApiKey = "sk-ant-secret-123",
        ApiKeyVariable = "CRUCIBLE_ANTHROPIC_KEY",
        HttpClient = new HttpClient(),
    };

    [Fact]
    public void A_non_json_error_body_such_as_a_proxy_page_is_shown_as_is()
    {
        var error = AnthropicErrorMapper.FromStatus(502, "<html>Bad Gateway</html>", Connection, AnthropicErrorMapper.Operation.Message);

        Assert.Equal((ModelErrorKind.ServerError, 502, null, null), (error.Kind, error.StatusCode, error.ApiErrorType, error.ApiMessage));
        Assert.Contains("<html>Bad Gateway</html>", error.Message);
    }

    [Fact]
    public void Authentication_errors_name_the_variable_the_key_came_from()
    {
        var error = AnthropicErrorMapper.FromStatus(401, """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}""", Connection, AnthropicErrorMapper.Operation.Message);

        Assert.Equal("Set CRUCIBLE_ANTHROPIC_KEY to a valid Anthropic API key (or the key in settings).", error.Fix);
        Assert.Contains("CRUCIBLE_ANTHROPIC_KEY", error.Message);
    }

    [Fact]
    public void Without_a_key_the_authentication_error_says_none_is_set()
    {
        var error = AnthropicErrorMapper.FromStatus(401, """{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}}""", Connection with { ApiKey = null }, AnthropicErrorMapper.Operation.Message);

        Assert.Contains("no API key is set", error.Message);
    }

    [Fact]
    public void The_key_is_scrubbed_from_messages()
    {
        var error = AnthropicErrorMapper.FromStatus(400, """{"type":"error","error":{"type":"invalid_request_error","message":"header sk-ant-secret-123 malformed"}}""", Connection, AnthropicErrorMapper.Operation.Message);

        Assert.DoesNotContain("sk-ant-secret-123", error.Message + error.ApiMessage + error);
        Assert.Equal("header [redacted] malformed", error.ApiMessage);
    }

    [Fact]
    public void Cancellation_the_caller_asked_for_is_not_mapped()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Null(AnthropicErrorMapper.Map(new OperationCanceledException(cts.Token), Connection, AnthropicErrorMapper.Operation.Message, cts.Token));
        Assert.Equal(ModelErrorKind.Timeout, AnthropicErrorMapper.Map(new TaskCanceledException("timed out", new TimeoutException()), Connection, AnthropicErrorMapper.Operation.Message, CancellationToken.None)!.Kind);
    }
}

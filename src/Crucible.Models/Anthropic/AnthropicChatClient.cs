using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Core;
using Anthropic.Models.Messages;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Anthropic;

/// <summary>
/// The Anthropic Messages API behind <see cref="IChatClient"/>, on the official <c>Anthropic</c> SDK.
/// </summary>
/// <remarks>
/// <para>The request body is built by <see cref="AnthropicRequestBuilder"/> (so prompt-cache
/// breakpoints are placed exactly where <see cref="AnthropicCachePolicy"/> says) and sent through the
/// SDK, which owns authentication, the <c>anthropic-version</c> header, SSE framing and error
/// decoding. The SDK's own retries are off: <see cref="ProviderConnection.HttpClient"/> already retries.</para>
/// <para>Options: <see cref="AnthropicOptions"/> from the connection's settings, replaced per call by
/// an <see cref="AnthropicOptions"/> in <see cref="ChatOptions.AdditionalProperties"/> under
/// <see cref="AnthropicOptions.AdditionalPropertiesKey"/>.</para>
/// <para>Trust contract: the API key goes only into the SDK's auth header; failures surface as
/// <see cref="ModelCallException"/> with the key scrubbed.</para>
/// </remarks>
public sealed class AnthropicChatClient(ProviderConnection connection) : IChatClient
{
    private readonly AnthropicClient _sdk = CreateSdkClient(connection);
    private readonly AnthropicOptions _defaults = AnthropicOptions.FromSettings(connection.Options);

    /// <summary>The connection this client uses.</summary>
    public ProviderConnection Connection { get; } = connection;

    /// <summary>
    /// The request the most recent call on this client built (body and cache breakpoints), for
    /// diagnostics and tests; under concurrent calls the last one to start wins.
    /// </summary>
    public AnthropicRequest? LastRequest { get; private set; }

    /// <summary>Creates the SDK client for a connection: its HttpClient, key and base URL, SDK retries off.</summary>
    internal static AnthropicClient CreateSdkClient(ProviderConnection connection)
    {
        var options = new ClientOptions
        {
            HttpClient = connection.HttpClient,
            // Setting the key (even to null) stops the SDK from reading ANTHROPIC_API_KEY on its own:
            // key resolution belongs to ModelClientFactory.
            ApiKey = connection.ApiKey,
            MaxRetries = 0,
        };
        if (connection.BaseUrl is { } baseUrl)
        {
            options.BaseUrl = baseUrl.ToString().TrimEnd('/');
        }
        return new AnthropicClient(options);
    }

    /// <summary>Builds the request this client would send, without sending it.</summary>
    public AnthropicRequest BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options = null) =>
        AnthropicRequestBuilder.Build(Connection.Model, messages, options, OptionsFor(options));

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = BuildRequest(messages, options);
        LastRequest = request;
        Message message;
        try
        {
            message = await _sdk.Messages.Create(ToParams(request.Body), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AnthropicErrorMapper.Map(e, Connection, AnthropicErrorMapper.Operation.Message, cancellationToken) is { } mapped && !ReferenceEquals(mapped, e))
        {
            throw mapped;
        }
        return AnthropicResponseMapper.ToChatResponse(JsonSerializer.SerializeToElement(message.RawData));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = BuildRequest(messages, options);
        LastRequest = request;
        var assembler = new StreamAssembler();
        IAsyncEnumerator<RawMessageStreamEvent>? events = null;
        try
        {
            while (true)
            {
                RawMessageStreamEvent current;
                try
                {
                    events ??= _sdk.Messages.CreateStreaming(ToParams(request.Body), cancellationToken).GetAsyncEnumerator(cancellationToken);
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                    current = events.Current;
                }
                catch (Exception e) when (AnthropicErrorMapper.Map(e, Connection, AnthropicErrorMapper.Operation.Message, cancellationToken) is { } mapped && !ReferenceEquals(mapped, e))
                {
                    throw mapped;
                }
                foreach (var update in assembler.Accept(current.Json))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            if (events is not null)
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }
        }
        if (!assembler.Stopped)
        {
            throw new ModelCallException(ModelErrorKind.Protocol, "The Anthropic stream ended before message_stop; the answer is incomplete.");
        }
    }

    /// <inheritdoc />
    public object? GetService(System.Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("anthropic", Connection.BaseUrl, Connection.Model)
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(_sdk) ? _sdk
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        // The HttpClient belongs to the connection (shared, with its retry handler), so the SDK client
        // is not disposed here: disposing it could dispose that HttpClient.
    }

    /// <inheritdoc />
    public override string ToString() => $"AnthropicChatClient({Connection})";

    private AnthropicOptions OptionsFor(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(AnthropicOptions.AdditionalPropertiesKey, out var value) == true && value is AnthropicOptions perCall
            ? perCall
            : _defaults;

    /// <summary>Wraps a body we built as SDK parameters (raw, so nothing we placed is dropped or reordered).</summary>
    internal static MessageCreateParams ToParams(JsonObject body) =>
        MessageCreateParams.FromRawUnchecked(
            new Dictionary<string, JsonElement>(),
            new Dictionary<string, JsonElement>(),
            ToRaw(body));

    internal static Dictionary<string, JsonElement> ToRaw(JsonObject body) =>
        body.ToDictionary(p => p.Key, p => p.Value is null ? JsonSerializer.SerializeToElement<object?>(null) : JsonSerializer.SerializeToElement(p.Value));

    /// <summary>
    /// Turns raw stream events into updates: text and thinking deltas as they come; a tool call once
    /// its <c>input_json_delta</c> fragments are complete (at <c>content_block_stop</c>); finish reason
    /// and usage (message_start's, updated by message_delta's cumulative counts) at <c>message_stop</c>.
    /// </summary>
    internal sealed class StreamAssembler
    {
        private readonly Dictionary<long, (string Id, string Name, StringBuilder Json)> _tools = [];
        private readonly JsonObject _usage = [];
        private string? _messageId;
        private string? _model;
        private string? _stopReason;

        public bool Stopped { get; private set; }

        public IEnumerable<ChatResponseUpdate> Accept(JsonElement evt)
        {
            switch (AnthropicResponseMapper.String(evt, "type"))
            {
                case "message_start":
                    var message = evt.GetProperty("message");
                    _messageId = AnthropicResponseMapper.String(message, "id");
                    _model = AnthropicResponseMapper.String(message, "model");
                    if (message.TryGetProperty("usage", out var startUsage))
                    {
                        Merge(startUsage);
                    }
                    break;
                case "content_block_start":
                    var index = evt.GetProperty("index").GetInt64();
                    var block = evt.GetProperty("content_block");
                    switch (AnthropicResponseMapper.String(block, "type"))
                    {
                        case "text" when AnthropicResponseMapper.String(block, "text") is { Length: > 0 } text:
                            yield return Update(new TextContent(text));
                            break;
                        case "tool_use":
                            _tools[index] = (AnthropicResponseMapper.String(block, "id") ?? "", AnthropicResponseMapper.String(block, "name") ?? "", new StringBuilder());
                            break;
                        case "redacted_thinking":
                            yield return Update(new TextReasoningContent("") { ProtectedData = AnthropicResponseMapper.String(block, "data") });
                            break;
                    }
                    break;
                case "content_block_delta":
                    var deltaIndex = evt.GetProperty("index").GetInt64();
                    var delta = evt.GetProperty("delta");
                    switch (AnthropicResponseMapper.String(delta, "type"))
                    {
                        case "text_delta":
                            yield return Update(new TextContent(AnthropicResponseMapper.String(delta, "text") ?? ""));
                            break;
                        case "input_json_delta" when _tools.TryGetValue(deltaIndex, out var tool):
                            tool.Json.Append(AnthropicResponseMapper.String(delta, "partial_json"));
                            break;
                        case "thinking_delta":
                            yield return Update(new TextReasoningContent(AnthropicResponseMapper.String(delta, "thinking") ?? ""));
                            break;
                        case "signature_delta":
                            yield return Update(new TextReasoningContent("") { ProtectedData = AnthropicResponseMapper.String(delta, "signature") });
                            break;
                    }
                    break;
                case "content_block_stop":
                    var stopIndex = evt.GetProperty("index").GetInt64();
                    if (_tools.Remove(stopIndex, out var finished))
                    {
                        yield return Update(ToolCall(finished.Id, finished.Name, finished.Json.ToString()));
                    }
                    break;
                case "message_delta":
                    if (evt.TryGetProperty("delta", out var messageDelta) && AnthropicResponseMapper.String(messageDelta, "stop_reason") is { } reason)
                    {
                        _stopReason = reason;
                    }
                    if (evt.TryGetProperty("usage", out var deltaUsage))
                    {
                        Merge(deltaUsage);
                    }
                    break;
                case "message_stop":
                    Stopped = true;
                    var usage = UsageConversion.ToUsageDetails(AnthropicResponseMapper.ReadUsage(JsonSerializer.SerializeToElement(_usage)));
                    var final = Update(new UsageContent(usage));
                    final.FinishReason = AnthropicResponseMapper.FinishReason(_stopReason);
                    yield return final;
                    break;
            }
        }

        private static FunctionCallContent ToolCall(string id, string name, string json)
        {
            // A tool without parameters streams only empty fragments: that is an empty object.
            if (string.IsNullOrWhiteSpace(json))
            {
                return new FunctionCallContent(id, name, new Dictionary<string, object?>());
            }
            try
            {
                using var doc = JsonDocument.Parse(json);
                return new FunctionCallContent(id, name, AnthropicResponseMapper.ParseArguments(doc.RootElement));
            }
            catch (JsonException e)
            {
                // The caller's tool loop reports this back to the model instead of running the tool.
                return new FunctionCallContent(id, name) { Exception = new InvalidOperationException($"The arguments streamed for tool '{name}' are not valid JSON: {e.Message}", e) };
            }
        }

        // Later counts replace earlier ones: message_delta usage is cumulative.
        private void Merge(JsonElement usage)
        {
            if (usage.ValueKind != JsonValueKind.Object)
            {
                return;
            }
            foreach (var property in usage.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Null)
                {
                    _usage[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                }
            }
        }

        private ChatResponseUpdate Update(AIContent content) => new(ChatRole.Assistant, [content])
        {
            ResponseId = _messageId,
            MessageId = _messageId,
            ModelId = _model,
        };
    }
}

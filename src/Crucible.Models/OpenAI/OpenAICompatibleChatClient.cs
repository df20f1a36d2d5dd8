// OPENAI001 / SCME0001 mark SDK members "for evaluation": the AuthenticationPolicy constructor (the only way to
// send no key to keyless servers), Seed, DeveloperChatMessage, and JsonPatch (the SDK's only access to fields it does
// not model, e.g. reasoning_content, and to send max_tokens). They are pinned by the package version.
#pragma warning disable OPENAI001, SCME0001
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Crucible.Core;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using AIResponseFormatJson = Microsoft.Extensions.AI.ChatResponseFormatJson;
using SdkChatMessage = OpenAI.Chat.ChatMessage;
using SdkFinishReason = OpenAI.Chat.ChatFinishReason;

namespace Crucible.Models.OpenAI;

/// <summary>OpenAI chat completions (OpenAI, vLLM, Ollama, llama.cpp, LM Studio) behind <see cref="IChatClient"/>.</summary>
/// <remarks>
/// Built on the official OpenAI SDK's <see cref="ChatClient"/>. The SDK sends over
/// <see cref="ProviderConnection.HttpClient"/> (which owns retries and the timeout, so the SDK's own retries are off),
/// sends the key only when there is one, and parses responses after <see cref="OpenAIWireNormalizer"/> has
/// rewritten server-specific shapes. With <c>tool_calls: text</c> tools travel in the prompt (<see cref="TextToolCalls"/>).
/// Every failure surfaces as <see cref="ModelCallException"/>; cancellation by the caller as <see cref="OperationCanceledException"/>.
/// <para>Token logprobs: <see cref="LogprobsKey"/> = true (and optionally <see cref="TopLogprobsKey"/> = N) in
/// <see cref="ChatOptions.AdditionalProperties"/> sends <c>logprobs</c> / <c>top_logprobs</c>; the choice's logprobs come
/// back under <see cref="LogprobsKey"/> in <see cref="ChatResponse.AdditionalProperties"/> (streaming: on the last
/// update) as a <see cref="JsonElement"/> in the wire shape <c>{"content":[{"token","logprob","bytes","top_logprobs"}]}</c>.</para>
/// </remarks>
public sealed class OpenAICompatibleChatClient(ProviderConnection connection) : IChatClient
{
    /// <summary>
    /// Request option (bool true) asking for token logprobs, OpenAI's <c>logprobs</c>; also the key under which they come
    /// back in <see cref="ChatResponse.AdditionalProperties"/>.
    /// </summary>
    public const string LogprobsKey = "logprobs";

    /// <summary>Request option (an integer, 0 or more) with the alternatives per token, OpenAI's <c>top_logprobs</c>; only sent with <see cref="LogprobsKey"/>.</summary>
    public const string TopLogprobsKey = "top_logprobs";

    private const string ReasoningPath = "reasoning_content";

    private readonly OpenAICompatibleOptions _options = OpenAICompatibleOptions.From(connection);
    private readonly ChatClientMetadata _metadata = new(connection.Provider, connection.BaseUrl, connection.Model);
    private ChatClient? _defaultModelClient;

    /// <summary>The connection this client uses.</summary>
    public ProviderConnection Connection { get; } = connection;

    /// <summary>The options read from <see cref="ProviderConnection.Options"/>.</summary>
    public OpenAICompatibleOptions Options => _options;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (sdkMessages, sdkOptions, toolNames) = BuildRequest(messages, options);
        var logprobs = sdkOptions.IncludeLogProbabilities == true;
        ChatCompletion completion;
        try
        {
            completion = (await CreateSdkClient(options).CompleteChatAsync(sdkMessages, sdkOptions, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception e) when (OpenAIErrors.Map(e, Connection, cancellationToken) is { } mapped && mapped != e)
        {
            throw mapped;
        }
        var response = ToChatResponse(completion, toolNames);
        if (logprobs && completion.ContentTokenLogProbabilities.Count > 0)
        {
            response.AdditionalProperties = new AdditionalPropertiesDictionary { [LogprobsKey] = LogprobsJson(completion.ContentTokenLogProbabilities) };
        }
        return response;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (sdkMessages, sdkOptions, toolNames) = BuildRequest(messages, options);
        var stream = CreateSdkClient(options).CompleteChatStreamingAsync(sdkMessages, sdkOptions, cancellationToken);
        var state = new StreamState(toolNames, textTools: _options.ToolCalls == ToolCallMode.Text, logprobs: sdkOptions.IncludeLogProbabilities == true);
        await using var updates = stream.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            StreamingChatCompletionUpdate update;
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
                update = updates.Current;
            }
            catch (Exception e) when (OpenAIErrors.Map(e, Connection, cancellationToken) is { } mapped && mapped != e)
            {
                throw mapped;
            }
            foreach (var converted in state.Accept(update))
            {
                yield return converted;
            }
        }
        yield return state.Finish();
    }

    /// <summary>
    /// The JSON body a direct call with these arguments would POST to <c>/v1/chat/completions</c>, built by the same SDK
    /// pipeline (and stopped before the network): the <c>body</c> of an OpenAI Batch API request line.
    /// </summary>
    public async Task<System.Text.Json.Nodes.JsonObject> BuildRequestBodyAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken = default)
    {
        var (sdkMessages, sdkOptions, _) = BuildRequest(messages, options);
        var capture = new RequestCapturePolicy();
        var clientOptions = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), Transport = new HttpClientPipelineTransport(Connection.HttpClient) };
        clientOptions.AddPolicy(capture, PipelinePosition.BeforeTransport);
        if (Connection.BaseUrl is { } baseUrl)
        {
            clientOptions.Endpoint = baseUrl;
        }
        var model = options?.ModelId is { Length: > 0 } requested ? requested : Connection.Model;
        try
        {
            await new ChatClient(model, new OptionalBearerKeyPolicy(Connection.ApiKey), clientOptions).CompleteChatAsync(sdkMessages, sdkOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestCapturePolicy.Captured)
        {
        }
        return System.Text.Json.Nodes.JsonNode.Parse(capture.Body ?? throw new InvalidOperationException("the SDK sent no request body"))!.AsObject();
    }

    /// <summary>
    /// A chat completion object as a direct call would return it (e.g. the <c>response.body</c> of an OpenAI Batch API
    /// output line), mapped exactly as <see cref="GetResponseAsync"/> maps one, after the same wire normalisation.
    /// </summary>
    public ChatResponse ReadCompletion(string completionJson, IEnumerable<AIChatMessage> messages, ChatOptions? options)
    {
        var (_, _, toolNames) = BuildRequest(messages, options);
        var completion = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(OpenAIWireNormalizer.NormalizeCompletion(completionJson)), ModelReaderWriterOptions.Json, OpenAIContext.Default)
            ?? throw new ModelCallException(ModelErrorKind.Protocol, "a batch result's body is not a chat completion");
        return ToChatResponse(completion, toolNames);
    }

    /// <summary>Keeps the request body the SDK built and stops the pipeline before anything is sent.</summary>
    private sealed class RequestCapturePolicy : PipelinePolicy
    {
        public string? Body { get; private set; }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) => throw new NotSupportedException("batch bodies are built asynchronously");

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            using var buffer = new MemoryStream();
            if (message.Request.Content is { } content)
            {
                await content.WriteToAsync(buffer, message.CancellationToken).ConfigureAwait(false);
            }
            Body = Encoding.UTF8.GetString(buffer.ToArray());
            throw new Captured();
        }

        public sealed class Captured : Exception
        {
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        // The HttpClient belongs to the connection; the SDK client holds nothing else.
    }

    private ChatClient CreateSdkClient(ChatOptions? options)
    {
        var model = options?.ModelId is { Length: > 0 } requested ? requested : Connection.Model;
        if (model == Connection.Model)
        {
            // The SDK client is thread-safe; building its pipeline once keeps the per-call overhead down.
            return _defaultModelClient ??= NewSdkClient(model);
        }
        return NewSdkClient(model);
    }

    private ChatClient NewSdkClient(string model)
    {
        var clientOptions = new OpenAIClientOptions
        {
            // Retries live in the connection's HttpClient; the SDK must not multiply them.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // HttpClient.Timeout stops waiting for the headers only; the SDK's network timeout also guards reading
            // the body (the whole of a JSON response, each read of a stream), so it gets the same limit.
            NetworkTimeout = Connection.HttpClient.Timeout,
            Transport = new HttpClientPipelineTransport(Connection.HttpClient),
        };
        clientOptions.AddPolicy(new OpenAIWireNormalizingPolicy(), PipelinePosition.BeforeTransport);
        if (Connection.BaseUrl is { } baseUrl)
        {
            clientOptions.Endpoint = baseUrl;
        }
        return new ChatClient(model, new OptionalBearerKeyPolicy(Connection.ApiKey), clientOptions);
    }

    private (List<SdkChatMessage> Messages, ChatCompletionOptions Options, IReadOnlySet<string> ToolNames) BuildRequest(
        IEnumerable<AIChatMessage> messages, ChatOptions? options)
    {
        var textTools = _options.ToolCalls == ToolCallMode.Text;
        var functions = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? [];
        if (textTools && options?.ToolMode is NoneChatToolMode)
        {
            // "No tools this turn": in text mode that means not describing them.
            functions = [];
        }
        var toolNames = functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            messages = messages.Prepend(new AIChatMessage(ChatRole.System, instructions));
        }
        var sdkOptions = new ChatCompletionOptions
        {
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            FrequencyPenalty = options?.FrequencyPenalty,
            PresencePenalty = options?.PresencePenalty,
            Seed = options?.Seed,
        };
        if (options?.MaxOutputTokens is { } maxTokens)
        {
            if (_options.MaxTokensField == "max_tokens")
            {
                sdkOptions.Patch.Set("$.max_tokens"u8, maxTokens);
            }
            else
            {
                sdkOptions.MaxOutputTokenCount = maxTokens;
            }
        }
        foreach (var stop in options?.StopSequences ?? [])
        {
            sdkOptions.StopSequences.Add(stop);
        }
        if (options?.ResponseFormat is AIResponseFormatJson json)
        {
            sdkOptions.ResponseFormat = json.Schema is { } schema
                ? global::OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat(json.SchemaName ?? "response", BinaryData.FromString(schema.GetRawText()), json.SchemaDescription)
                : global::OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat();
        }
        if (!textTools && functions.Count > 0)
        {
            foreach (var function in functions)
            {
                sdkOptions.Tools.Add(ChatTool.CreateFunctionTool(function.Name, function.Description, BinaryData.FromString(function.JsonSchema.GetRawText())));
            }
            sdkOptions.ToolChoice = options?.ToolMode switch
            {
                NoneChatToolMode => ChatToolChoice.CreateNoneChoice(),
                RequiredChatToolMode { RequiredFunctionName: { } name } => ChatToolChoice.CreateFunctionChoice(name),
                RequiredChatToolMode => ChatToolChoice.CreateRequiredChoice(),
                AutoChatToolMode => ChatToolChoice.CreateAutoChoice(),
                _ => null,
            };
            if (options?.AllowMultipleToolCalls is { } parallel)
            {
                sdkOptions.AllowParallelToolCalls = parallel;
            }
        }
        if (RequestedLogprobs(options) is var (include, top) && include)
        {
            sdkOptions.IncludeLogProbabilities = true;
            sdkOptions.TopLogProbabilityCount = top;
        }
        var sdkMessages = textTools ? ToTextToolMessages(messages, functions) : ToSdkMessages(messages);
        return (sdkMessages, sdkOptions, toolNames);
    }

    /// <summary>
    /// Whether <see cref="LogprobsKey"/> asks for logprobs and how many alternatives <see cref="TopLogprobsKey"/> wants.
    /// Values may be CLR values or <see cref="JsonElement"/>s (options read from JSON).
    /// </summary>
    private static (bool Include, int? Top) RequestedLogprobs(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(LogprobsKey, out var requested))
        {
            return (false, null);
        }
        var include = requested switch
        {
            bool b => b,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            _ => throw new BadInputException($"The chat option '{LogprobsKey}' must be true or false, not '{requested}'.",
                $"Set ChatOptions.AdditionalProperties[\"{LogprobsKey}\"] to true (or remove it)."),
        };
        if (!include || !properties.TryGetValue(TopLogprobsKey, out var topValue) || topValue is null)
        {
            return (include, null);
        }
        int? top = topValue switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var j) => j,
            _ => null,
        };
        if (top is not >= 0)
        {
            // The upper bound is the server's (OpenAI and vLLM's default: 20; vLLM's --max-logprobs raises it).
            throw new BadInputException($"The chat option '{TopLogprobsKey}' must be a whole number of 0 or more, not '{topValue}'.",
                $"Set ChatOptions.AdditionalProperties[\"{TopLogprobsKey}\"] to the alternatives wanted per token (OpenAI allows 0 to 20).");
        }
        return (true, top);
    }

    /// <summary>Token logprobs in OpenAI's wire shape <c>{"content":[...]}</c>, each item as the SDK writes it.</summary>
    private static JsonElement LogprobsJson(IEnumerable<ChatTokenLogProbabilityDetails> tokens)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("content");
            foreach (var token in tokens)
            {
                writer.WriteRawValue(ModelReaderWriter.Write(token).ToMemory().Span);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static List<SdkChatMessage> ToSdkMessages(IEnumerable<AIChatMessage> messages)
    {
        var result = new List<SdkChatMessage>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                result.Add(new SystemChatMessage(message.Text));
            }
            else if (message.Role.Value == "developer")
            {
                result.Add(new DeveloperChatMessage(message.Text));
            }
            else if (message.Role == ChatRole.User)
            {
                result.Add(new UserChatMessage(UserParts(message)));
            }
            else if (message.Role == ChatRole.Assistant)
            {
                // Reasoning text is not sent back: servers that return it (DeepSeek, vLLM) reject it as input.
                var calls = message.Contents.OfType<FunctionCallContent>()
                    .Select(c => ChatToolCall.CreateFunctionToolCall(c.CallId, c.Name, BinaryData.FromString(ArgumentsJson(c))))
                    .ToList();
                var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
                if (calls.Count > 0)
                {
                    var assistant = new AssistantChatMessage(calls);
                    if (text.Length > 0)
                    {
                        assistant.Content.Add(ChatMessageContentPart.CreateTextPart(text));
                    }
                    result.Add(assistant);
                }
                else
                {
                    result.Add(new AssistantChatMessage(text));
                }
            }
            else if (message.Role == ChatRole.Tool)
            {
                foreach (var toolResult in message.Contents.OfType<FunctionResultContent>())
                {
                    result.Add(new ToolChatMessage(toolResult.CallId, TextToolCalls.ResultText(toolResult)));
                }
            }
            else
            {
                result.Add(new UserChatMessage(UserParts(message)));
            }
        }
        return result;
    }

    private static List<ChatMessageContentPart> UserParts(AIChatMessage message)
    {
        var parts = new List<ChatMessageContentPart>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    parts.Add(ChatMessageContentPart.CreateTextPart(text.Text));
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(data.Data), data.MediaType));
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    parts.Add(ChatMessageContentPart.CreateImagePart(uri.Uri));
                    break;
                case FunctionResultContent toolResult:
                    parts.Add(ChatMessageContentPart.CreateTextPart(TextToolCalls.ResultText(toolResult)));
                    break;
            }
        }
        if (parts.Count == 0)
        {
            parts.Add(ChatMessageContentPart.CreateTextPart(message.Text));
        }
        return parts;
    }

    /// <summary>The text-fallback conversation: tools in the system prompt, calls and results as text.</summary>
    private static List<SdkChatMessage> ToTextToolMessages(IEnumerable<AIChatMessage> messages, IReadOnlyList<AIFunctionDeclaration> functions)
    {
        var list = messages.ToList();
        var namesById = list.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).GroupBy(c => c.CallId).ToDictionary(g => g.Key, g => g.First().Name);
        var result = new List<SdkChatMessage>();
        var toolsSection = functions.Count > 0 ? TextToolCalls.DescribeTools(functions) : null;
        var systemSeen = false;
        foreach (var message in list)
        {
            if (message.Role == ChatRole.System || message.Role.Value == "developer")
            {
                var text = message.Text;
                if (!systemSeen && toolsSection is not null)
                {
                    text = text.Length == 0 ? toolsSection : text + "\n\n" + toolsSection;
                }
                systemSeen = true;
                result.Add(message.Role == ChatRole.System ? new SystemChatMessage(text) : new DeveloperChatMessage(text));
            }
            else if (message.Role == ChatRole.Assistant)
            {
                var text = new StringBuilder();
                foreach (var content in message.Contents)
                {
                    var piece = content switch
                    {
                        TextContent t => t.Text,
                        FunctionCallContent call => TextToolCalls.RenderCall(call),
                        _ => null,
                    };
                    if (!string.IsNullOrEmpty(piece))
                    {
                        text.Append(text.Length > 0 ? "\n" : "").Append(piece);
                    }
                }
                result.Add(new AssistantChatMessage(text.ToString()));
            }
            else if (message.Role == ChatRole.Tool || message.Contents.OfType<FunctionResultContent>().Any())
            {
                var text = string.Join("\n", message.Contents.Select(c => c switch
                {
                    FunctionResultContent r => TextToolCalls.RenderResult(r, namesById.GetValueOrDefault(r.CallId)),
                    TextContent t => t.Text,
                    _ => null,
                }).Where(s => s is not null));
                // Consecutive results (parallel calls) travel in one user turn, as the chat templates expect.
                if (result.Count > 0 && result[^1] is UserChatMessage previous && previous.Content.Count == 1
                    && previous.Content[0].Text?.StartsWith("<tool_response", StringComparison.Ordinal) == true)
                {
                    result[^1] = new UserChatMessage(previous.Content[0].Text + "\n" + text);
                }
                else
                {
                    result.Add(new UserChatMessage(text));
                }
            }
            else
            {
                result.Add(new UserChatMessage(UserParts(message)));
            }
        }
        if (!systemSeen && toolsSection is not null)
        {
            result.Insert(0, new SystemChatMessage(toolsSection));
        }
        return result;
    }

    private static string ArgumentsJson(FunctionCallContent call) =>
        call.Arguments is null ? "{}" : System.Text.Json.JsonSerializer.Serialize(call.Arguments, TextToolCalls.CompactJson);

    private ChatResponse ToChatResponse(ChatCompletion completion, IReadOnlySet<string> toolNames)
    {
        var contents = new List<AIContent>();
        if (ReadReasoning(ref completion.Patch, "$.choices[0].message." + ReasoningPath) is { Length: > 0 } reasoning)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }
        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        var finish = ToFinishReason(completion.FinishReason);
        if (_options.ToolCalls == ToolCallMode.Text)
        {
            var parsed = TextToolCalls.Parse(text, toolNames);
            contents.AddRange(parsed);
            if (parsed.OfType<FunctionCallContent>().Any())
            {
                finish = AIFinishReason.ToolCalls;
            }
        }
        else if (text.Length > 0)
        {
            contents.Add(new TextContent(text));
        }
        if (!string.IsNullOrEmpty(completion.Refusal))
        {
            contents.Add(new TextContent(completion.Refusal));
        }
        foreach (var call in completion.ToolCalls)
        {
            contents.Add(ParseCall(call.Id, call.FunctionName, call.FunctionArguments?.ToString()));
        }
        var message = new AIChatMessage(ChatRole.Assistant, contents) { MessageId = completion.Id, RawRepresentation = completion };
        return new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt == default ? null : completion.CreatedAt,
            FinishReason = finish,
            Usage = ToUsage(completion.Usage),
            RawRepresentation = completion,
        };
    }

    private static FunctionCallContent ParseCall(string? id, string? name, string? arguments) =>
        FunctionCallContent.CreateFromParsedArguments(
            string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments,
            string.IsNullOrEmpty(id) ? OpenAIWireNormalizer.NewCallId() : id,
            name ?? "",
            json => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions));

    private static AIFinishReason? ToFinishReason(SdkFinishReason? reason) => reason switch
    {
        SdkFinishReason.Stop => AIFinishReason.Stop,
        SdkFinishReason.Length => AIFinishReason.Length,
        SdkFinishReason.ToolCalls or SdkFinishReason.FunctionCall => AIFinishReason.ToolCalls,
        SdkFinishReason.ContentFilter => AIFinishReason.ContentFilter,
        _ => null,
    };

    /// <summary>Usage per the invariant in <see cref="UsageConversion"/>: prompt tokens already include cached ones.</summary>
    private static UsageDetails? ToUsage(ChatTokenUsage? usage)
    {
        if (usage is null)
        {
            return null;
        }
        var details = new UsageDetails
        {
            InputTokenCount = usage.InputTokenCount,
            OutputTokenCount = usage.OutputTokenCount,
            TotalTokenCount = usage.TotalTokenCount,
            CachedInputTokenCount = usage.InputTokenDetails?.CachedTokenCount ?? 0,
        };
        if (usage.OutputTokenDetails is { ReasoningTokenCount: > 0 } output)
        {
            details.ReasoningTokenCount = output.ReasoningTokenCount;
        }
        if (usage.InputTokenDetails is { } input && input.Patch.TryGetValue("$.cache_write_tokens"u8, out long written) && written > 0)
        {
            // Newer OpenAI models report explicit prompt-cache writes (prompt_tokens_details.cache_write_tokens).
            details.AdditionalCounts = new AdditionalPropertiesDictionary<long> { [UsageConversion.CacheWriteTokens] = written };
        }
        return details;
    }

    private static string? ReadReasoning(ref JsonPatch patch, string path) =>
        patch.TryGetValue(Encoding.UTF8.GetBytes(path), out string? text) ? text : null;

    /// <summary>Turns SDK stream updates into <see cref="ChatResponseUpdate"/>s and assembles tool calls by index.</summary>
    private sealed class StreamState(IReadOnlySet<string> toolNames, bool textTools, bool logprobs)
    {
        private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _calls = [];
        private readonly List<ChatTokenLogProbabilityDetails> _logprobs = [];
        private readonly StringBuilder _text = new();
        private int _textShown;
        private string? _responseId;
        private string? _model;
        private DateTimeOffset? _createdAt;
        private AIFinishReason? _finish;
        private ChatTokenUsage? _usage;

        public IEnumerable<ChatResponseUpdate> Accept(StreamingChatCompletionUpdate update)
        {
            _responseId ??= string.IsNullOrEmpty(update.CompletionId) ? null : update.CompletionId;
            _model ??= string.IsNullOrEmpty(update.Model) ? null : update.Model;
            _createdAt ??= update.CreatedAt == default ? null : update.CreatedAt;
            if (update.Usage is { } usage)
            {
                // Servers that repeat usage on every chunk send running totals: the last one counts.
                _usage = usage;
            }
            if (ToFinishReason(update.FinishReason) is { } finish)
            {
                _finish = finish;
            }
            if (logprobs)
            {
                // Each chunk carries the logprobs of its own tokens; together they cover the whole answer, in order.
                _logprobs.AddRange(update.ContentTokenLogProbabilities);
            }
            var contents = new List<AIContent>();
            if (ReadReasoning(ref update.Patch, "$.choices[0].delta." + ReasoningPath) is { Length: > 0 } reasoning)
            {
                contents.Add(new TextReasoningContent(reasoning));
            }
            foreach (var part in update.ContentUpdate.Where(p => p.Kind == ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(p.Text)))
            {
                if (textTools)
                {
                    // Hold back anything that may be a call until the stream shows what it is. Shown text never
                    // ends in the start of a marker, so only the unshown tail needs looking at.
                    _text.Append(part.Text);
                    var pending = _text.ToString(_textShown, _text.Length - _textShown);
                    var safe = TextToolCalls.SafePrefixLength(pending);
                    if (safe > 0)
                    {
                        contents.Add(new TextContent(pending[..safe]));
                        _textShown += safe;
                    }
                }
                else
                {
                    contents.Add(new TextContent(part.Text));
                }
            }
            if (!string.IsNullOrEmpty(update.RefusalUpdate))
            {
                contents.Add(new TextContent(update.RefusalUpdate));
            }
            foreach (var call in update.ToolCallUpdates)
            {
                var entry = _calls.TryGetValue(call.Index, out var existing) ? existing : (null, null, new StringBuilder());
                entry.Id ??= string.IsNullOrEmpty(call.ToolCallId) ? null : call.ToolCallId;
                entry.Name ??= string.IsNullOrEmpty(call.FunctionName) ? null : call.FunctionName;
                if (call.FunctionArgumentsUpdate is { } fragment && !fragment.IsEmpty)
                {
                    entry.Arguments.Append(fragment.ToString());
                }
                _calls[call.Index] = entry;
            }
            if (contents.Count > 0)
            {
                yield return NewUpdate(contents);
            }
        }

        public ChatResponseUpdate Finish()
        {
            var contents = new List<AIContent>();
            if (textTools && _text.Length > _textShown)
            {
                var parsed = TextToolCalls.Parse(_text.ToString(_textShown, _text.Length - _textShown), toolNames);
                contents.AddRange(parsed);
                if (parsed.OfType<FunctionCallContent>().Any())
                {
                    _finish = AIFinishReason.ToolCalls;
                }
            }
            foreach (var (_, call) in _calls)
            {
                contents.Add(ParseCall(call.Id, call.Name, call.Arguments.ToString()));
            }
            if (ToUsage(_usage) is { } usage)
            {
                contents.Add(new UsageContent(usage));
            }
            var update = NewUpdate(contents);
            update.FinishReason = _finish;
            if (_logprobs.Count > 0)
            {
                update.AdditionalProperties = new AdditionalPropertiesDictionary { [LogprobsKey] = LogprobsJson(_logprobs) };
            }
            return update;
        }

        private ChatResponseUpdate NewUpdate(List<AIContent> contents) => new(ChatRole.Assistant, contents)
        {
            ResponseId = _responseId,
            MessageId = _responseId,
            ModelId = _model,
            CreatedAt = _createdAt,
        };
    }
}

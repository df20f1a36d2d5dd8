using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Crucible.Testing.Anthropic;

/// <summary>How the server expects the API key to arrive.</summary>
public enum AnthropicKeyHeader
{
    /// <summary><c>Authorization: Bearer KEY</c>, what the Anthropic C# SDK 13.x sends for an API key.</summary>
    AuthorizationBearer,
    /// <summary><c>x-api-key: KEY</c>, what older SDKs and raw HTTP clients send.</summary>
    XApiKey,
}

/// <summary>
/// A local server that speaks the Anthropic Messages and Message Batches APIs as documented, and
/// checks what it receives the way the real API does. Test double: it answers with scripted replies
/// (<see cref="Enqueue"/>) or recorded ones (<see cref="Replay"/>), never with a model.
/// </summary>
/// <remarks>
/// Checks (a failing check is answered like the real API would, with a 400 or 401, and also listed
/// in <see cref="Violations"/>): the <c>anthropic-version</c> header; the key in the expected header;
/// a JSON body with model, max_tokens and messages; at most 4 <c>cache_control</c> blocks, each
/// <c>{type: ephemeral}</c> with ttl 5m/1h, 1h never after 5m; tool names and object input schemas;
/// non-empty text blocks; every <c>tool_result</c> answering a <c>tool_use</c> of the previous
/// assistant turn; batch custom_ids well-formed and unique.
/// </remarks>
public sealed class AnthropicWireServer : IAsyncDisposable
{
    /// <summary>The API version the Anthropic C# SDK 13.12 sends in <c>anthropic-version</c>.</summary>
    public const string SdkAnthropicVersion = "2026-10-21";

    /// <summary>
    /// API versions the server accepts: <c>2023-06-01</c> (the documented version every recording
    /// carries) and <see cref="SdkAnthropicVersion"/>.
    /// </summary>
    public static IReadOnlySet<string> KnownVersions { get; } = new HashSet<string>(["2023-06-01", SdkAnthropicVersion]);

    private static readonly Regex ToolName = new("^[a-zA-Z0-9_-]{1,64}$", RegexOptions.Compiled);
    private static readonly Regex CustomId = new("^[a-zA-Z0-9_-]{1,64}$", RegexOptions.Compiled);

    private readonly ConcurrentQueue<AnthropicReply> _replies = new();
    private readonly ConcurrentQueue<RecordedExchange> _replays = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, WireBatch> _batches = new();
    private readonly string _apiKey;
    private readonly AnthropicKeyHeader _keyHeader;
    private LocalHttpServer _http = null!;
    private int _batchCounter;

    private AnthropicWireServer(string apiKey, AnthropicKeyHeader keyHeader)
    {
        _apiKey = apiKey;
        _keyHeader = keyHeader;
    }

    /// <summary>The base URL to give the provider.</summary>
    public Uri BaseUrl => _http.BaseUrl;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _http.Received;

    /// <summary>Requests to <c>POST /v1/messages</c>, in order.</summary>
    public IReadOnlyList<ReceivedRequest> MessageRequests => [.. Received.Where(r => r.Method == "POST" && PathOf(r) == "/v1/messages")];

    /// <summary>What the server found wrong in requests it received.</summary>
    public IReadOnlyList<string> Violations => [.. _violations];

    /// <summary>GETs of a batch that answer <c>in_progress</c> before it ends (default 2).</summary>
    public int PollsUntilBatchEnds { get; set; } = 2;

    /// <summary>Decides each batch request's outcome; the default answers every request with "ok: " plus its custom_id.</summary>
    public Func<string, JsonObject, BatchOutcome> BatchResponder { get; set; } = (id, _) =>
        new BatchOutcome.Succeeded(AnthropicReply.MessageBody([new JsonObject { ["type"] = "text", ["text"] = "ok: " + id }], "end_turn", new WireUsage(12, 4)));

    /// <summary>Starts a server expecting <paramref name="apiKey"/> in <paramref name="keyHeader"/>.</summary>
    public static async Task<AnthropicWireServer> StartAsync(string apiKey = "sk-ant-test-key-000", AnthropicKeyHeader keyHeader = AnthropicKeyHeader.AuthorizationBearer)
    {
        var server = new AnthropicWireServer(apiKey, keyHeader);
        server._http = await LocalHttpServer.StartAsync(server.HandleAsync);
        return server;
    }

    /// <summary>Queues the answer to the next <c>POST /v1/messages</c>.</summary>
    public void Enqueue(params AnthropicReply[] replies)
    {
        foreach (var reply in replies)
        {
            _replies.Enqueue(reply);
        }
    }

    /// <summary>
    /// Queues a recorded exchange: the next request (any endpoint) must have the recording's method
    /// and path, and gets the recorded status, headers and body (api.anthropic.com URLs in it point here).
    /// </summary>
    public void Replay(params RecordedExchange[] exchanges)
    {
        foreach (var exchange in exchanges)
        {
            _replays.Enqueue(exchange);
        }
    }

    /// <summary>The JSON paths of every <c>cache_control</c> in a request body, in cache order (tools, system, messages).</summary>
    public static IReadOnlyList<string> CacheControlPaths(ReceivedRequest request) => CacheControlPaths(JsonNode.Parse(request.Body)!);

    /// <summary>The JSON paths of every <c>cache_control</c> in a body.</summary>
    public static IReadOnlyList<string> CacheControlPaths(JsonNode body)
    {
        var paths = new List<string>();
        void Visit(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject obj:
                    // The root is visited in cache order (tools, system, messages) so paths read as the prefix grows.
                    var ordered = path.Length == 0
                        ? obj.OrderBy(p => p.Key switch { "tools" => 0, "system" => 1, "messages" => 2, _ => 3 }).ToList()
                        : [.. obj];
                    foreach (var (key, value) in ordered)
                    {
                        if (key == "cache_control")
                        {
                            paths.Add(path.Length == 0 ? "(top level)" : path);
                        }
                        else
                        {
                            Visit(value, path.Length == 0 ? key : $"{path}.{key}");
                        }
                    }
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Visit(array[i], $"{path}[{i}]");
                    }
                    break;
            }
        }
        Visit(body, "");
        return paths;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _http.DisposeAsync();

    private static string PathOf(ReceivedRequest request)
    {
        var q = request.Path.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? request.Path : request.Path[..q];
    }

    private async Task HandleAsync(ReceivedRequest request, HttpContext context)
    {
        if (_replays.TryDequeue(out var replay))
        {
            await ReplayAsync(replay, request, context);
            return;
        }
        if (CheckHeaders(request) is { } headerError)
        {
            await WriteErrorAsync(context, headerError.Status, headerError.Type, headerError.Message);
            return;
        }
        var path = PathOf(request);
        try
        {
            switch (request.Method, path)
            {
                case ("POST", "/v1/messages"):
                    await MessagesAsync(request, context);
                    return;
                case ("POST", "/v1/messages/batches"):
                    await CreateBatchAsync(request, context);
                    return;
                case ("GET", "/v1/messages/batches"):
                    await WriteJsonAsync(context, 200, ListBatches());
                    return;
            }
            var match = Regex.Match(path, "^/v1/messages/batches/(?<id>[^/]+)(?<rest>/results|/cancel)?$");
            if (match.Success && _batches.TryGetValue(match.Groups["id"].Value, out var batch))
            {
                switch (request.Method, match.Groups["rest"].Value)
                {
                    case ("GET", ""):
                        await RetrieveBatchAsync(batch, context);
                        return;
                    case ("GET", "/results"):
                        await BatchResultsAsync(batch, context);
                        return;
                    case ("POST", "/cancel"):
                        batch.CancelRequested = true;
                        await WriteJsonAsync(context, 200, ToJson(batch, BaseUrl));
                        return;
                }
            }
            if (match.Success)
            {
                await WriteErrorAsync(context, 404, "not_found_error", $"Message Batch {match.Groups["id"].Value} not found.");
                return;
            }
            Violate($"{request.Method} {request.Path}: no such endpoint");
            await WriteErrorAsync(context, 404, "not_found_error", $"Not found: {request.Method} {path}");
        }
        catch (JsonException e)
        {
            Violate($"{request.Method} {request.Path}: body is not JSON ({e.Message})");
            await WriteErrorAsync(context, 400, "invalid_request_error", "The request body is not valid JSON: " + e.Message);
        }
    }

    private (int Status, string Type, string Message)? CheckHeaders(ReceivedRequest request)
    {
        if (!request.Headers.TryGetValue("anthropic-version", out var version) || !KnownVersions.Contains(version))
        {
            Violate($"{request.Method} {request.Path}: anthropic-version header is '{version}', expected one of {string.Join(", ", KnownVersions)}");
            return (400, "invalid_request_error", "anthropic-version: header is required and must be a known version");
        }
        var (expected, other) = _keyHeader == AnthropicKeyHeader.AuthorizationBearer ? ("authorization", "x-api-key") : ("x-api-key", "authorization");
        var wanted = _keyHeader == AnthropicKeyHeader.AuthorizationBearer ? "Bearer " + _apiKey : _apiKey;
        request.Headers.TryGetValue(expected, out var got);
        if (got != wanted)
        {
            Violate($"{request.Method} {request.Path}: {expected} header does not carry the expected key" + (request.Headers.ContainsKey(other) ? $" (the key came in {other})" : ""));
            return (401, "authentication_error", _keyHeader == AnthropicKeyHeader.XApiKey ? "invalid x-api-key" : "invalid bearer token");
        }
        return null;
    }

    private async Task MessagesAsync(ReceivedRequest request, HttpContext context)
    {
        var body = JsonNode.Parse(request.Body) as JsonObject;
        var problem = body is null ? "body must be a JSON object" : ValidateMessageParams(body, "");
        if (body is null || problem is not null)
        {
            problem ??= "body must be a JSON object";
            Violate($"POST /v1/messages: {problem}");
            await WriteErrorAsync(context, 400, "invalid_request_error", problem);
            return;
        }
        if (!_replies.TryDequeue(out var reply))
        {
            Violate("POST /v1/messages: no scripted reply left");
            await WriteErrorAsync(context, 500, "api_error", "The test server has no scripted reply for this request.");
            return;
        }
        var stream = body["stream"]?.GetValue<bool>() == true;
        switch (reply)
        {
            case AnthropicReply.Error error:
                await WriteErrorAsync(context, error.Status, error.Type, error.ErrorMessage, error.RetryAfterSeconds);
                break;
            case AnthropicReply.Raw raw:
                await WriteRawAsync(context, raw.Status, raw.ContentType, raw.Body, raw.Headers);
                break;
            case AnthropicReply.Message message when stream:
                await WriteStreamAsync(context, message);
                break;
            case AnthropicReply.Message message:
                await WriteJsonAsync(context, 200, message.Body);
                break;
        }
    }

    /// <summary>The API's own checks on message parameters, as far as these tests rely on them; null when fine.</summary>
    private static string? ValidateMessageParams(JsonObject body, string prefix)
    {
        if (body["model"] is not JsonValue model || model.GetValueKind() != JsonValueKind.String || string.IsNullOrEmpty(model.GetValue<string>()))
        {
            return prefix + "model: Field required";
        }
        if (body["max_tokens"] is not JsonValue maxTokens || maxTokens.GetValueKind() != JsonValueKind.Number || maxTokens.GetValue<long>() < 1)
        {
            return prefix + "max_tokens: Field required";
        }
        if (body["messages"] is not JsonArray { Count: > 0 } messages)
        {
            return prefix + "messages: at least one message is required";
        }
        var cacheControls = 0;
        var sawOneHourAfterFiveMinutes = false;
        var sawFiveMinutes = false;
        string? CheckCache(JsonObject block, string where)
        {
            if (block["cache_control"] is not JsonObject cc)
            {
                return null;
            }
            cacheControls++;
            if ((string?)cc["type"] != "ephemeral")
            {
                return $"{prefix}{where}.cache_control.type: Input should be 'ephemeral'";
            }
            var ttl = (string?)cc["ttl"] ?? "5m";
            if (ttl is not ("5m" or "1h"))
            {
                return $"{prefix}{where}.cache_control.ttl: Input should be '5m' or '1h'";
            }
            sawOneHourAfterFiveMinutes |= ttl == "1h" && sawFiveMinutes;
            sawFiveMinutes |= ttl == "5m";
            return null;
        }

        // Cache order: tools, system, messages.
        if (body["tools"] is JsonArray tools)
        {
            for (var i = 0; i < tools.Count; i++)
            {
                if (tools[i] is not JsonObject tool)
                {
                    return $"{prefix}tools.{i}: Input should be an object";
                }
                if ((string?)tool["type"] is { } serverType && serverType != "custom")
                {
                    continue; // server tools (tool search, web search) have no input_schema
                }
                if ((string?)tool["name"] is not { } name || !ToolName.IsMatch(name))
                {
                    return $"{prefix}tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'";
                }
                if (tool["input_schema"] is not JsonObject schema || (string?)schema["type"] != "object")
                {
                    return $"{prefix}tools.{i}.custom.input_schema.type: Input should be 'object'";
                }
                if (schema["properties"] is { } properties && properties is not JsonObject)
                {
                    return $"{prefix}tools.{i}.custom.input_schema.properties: Input should be an object";
                }
                if (CheckCache(tool, $"tools.{i}") is { } bad)
                {
                    return bad;
                }
            }
        }
        if (body["system"] is JsonArray system)
        {
            for (var i = 0; i < system.Count; i++)
            {
                if (system[i] is not JsonObject block || (string?)block["type"] != "text" || string.IsNullOrEmpty((string?)block["text"]))
                {
                    return $"{prefix}system.{i}: text content blocks must be non-empty";
                }
                if (CheckCache(block, $"system.{i}") is { } bad)
                {
                    return bad;
                }
            }
        }
        HashSet<string> previousToolUses = [];
        for (var m = 0; m < messages.Count; m++)
        {
            if (messages[m] is not JsonObject message || (string?)message["role"] is not ("user" or "assistant"))
            {
                return $"{prefix}messages.{m}.role: Input should be 'user' or 'assistant'";
            }
            var role = (string)message["role"]!;
            if (m == 0 && role != "user")
            {
                return $"{prefix}messages: first message must use the \"user\" role";
            }
            if (message["content"] is JsonValue textContent && textContent.GetValueKind() == JsonValueKind.String)
            {
                previousToolUses = [];
                continue;
            }
            if (message["content"] is not JsonArray content || content.Count == 0)
            {
                return $"{prefix}messages.{m}: all messages must have non-empty content";
            }
            HashSet<string> toolUses = [];
            for (var b = 0; b < content.Count; b++)
            {
                if (content[b] is not JsonObject block)
                {
                    return $"{prefix}messages.{m}.content.{b}: Input should be an object";
                }
                switch ((string?)block["type"])
                {
                    case "text" when string.IsNullOrEmpty((string?)block["text"]):
                        return $"{prefix}messages.{m}.content.{b}: text content blocks must be non-empty";
                    case "tool_use":
                        toolUses.Add((string?)block["id"] ?? "");
                        if (block["input"] is not JsonObject)
                        {
                            return $"{prefix}messages.{m}.content.{b}.tool_use.input: Input should be an object";
                        }
                        break;
                    case "tool_result" when role != "user" || !previousToolUses.Contains((string?)block["tool_use_id"] ?? ""):
                        return $"{prefix}messages.{m}.content.{b}: unexpected `tool_use_id` found in `tool_result` blocks: {(string?)block["tool_use_id"]}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.";
                }
                if (CheckCache(block, $"messages.{m}.content.{b}") is { } bad)
                {
                    return bad;
                }
            }
            previousToolUses = toolUses;
        }
        if (body["cache_control"] is JsonObject)
        {
            cacheControls++;
        }
        if (cacheControls > 4)
        {
            return $"{prefix}A maximum of 4 blocks with cache_control may be provided. Found {cacheControls}.";
        }
        if (sawOneHourAfterFiveMinutes)
        {
            return $"{prefix}cache_control: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block.";
        }
        return null;
    }

    private async Task WriteStreamAsync(HttpContext context, AnthropicReply.Message reply)
    {
        var message = reply.Body;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        var usage = message["usage"]?.DeepClone() as JsonObject ?? [];
        var outputTokens = (long?)usage["output_tokens"] ?? 0;
        var start = (JsonObject)message.DeepClone();
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        var startUsage = (JsonObject)usage.DeepClone();
        startUsage["output_tokens"] = 1; // the API reports a placeholder here; message_delta has the real count
        start["usage"] = startUsage;
        await EventAsync(context, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = start });
        var blocks = message["content"] as JsonArray ?? [];
        for (var i = 0; i < blocks.Count; i++)
        {
            if (reply.HangAfterBlocks == i)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }
            var block = (JsonObject)blocks[i]!;
            var type = (string?)block["type"];
            JsonObject startBlock = type switch
            {
                "text" => new JsonObject { ["type"] = "text", ["text"] = "" },
                "tool_use" => new JsonObject { ["type"] = "tool_use", ["id"] = block["id"]?.DeepClone(), ["name"] = block["name"]?.DeepClone(), ["input"] = new JsonObject() },
                "thinking" => new JsonObject { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" },
                _ => (JsonObject)block.DeepClone(),
            };
            await EventAsync(context, "content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = i, ["content_block"] = startBlock });
            if (i == 0)
            {
                await EventAsync(context, "ping", new JsonObject { ["type"] = "ping" });
            }
            switch (type)
            {
                case "text":
                    foreach (var piece in Chunks((string?)block["text"] ?? "", 7))
                    {
                        await DeltaAsync(context, i, new JsonObject { ["type"] = "text_delta", ["text"] = piece });
                    }
                    break;
                case "tool_use":
                    // The API streams the input as partial JSON in arbitrary cuts, starting with an empty one.
                    await DeltaAsync(context, i, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = "" });
                    foreach (var piece in Chunks(block["input"]?.ToJsonString() ?? "{}", 5))
                    {
                        await DeltaAsync(context, i, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece });
                    }
                    break;
                case "thinking":
                    foreach (var piece in Chunks((string?)block["thinking"] ?? "", 11))
                    {
                        await DeltaAsync(context, i, new JsonObject { ["type"] = "thinking_delta", ["thinking"] = piece });
                    }
                    await DeltaAsync(context, i, new JsonObject { ["type"] = "signature_delta", ["signature"] = block["signature"]?.DeepClone() });
                    break;
            }
            await EventAsync(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = i });
        }
        if (reply.StreamErrorType is { } errorType)
        {
            await EventAsync(context, "error", new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = errorType, ["message"] = "Overloaded" } });
            return;
        }
        var deltaUsage = new JsonObject { ["output_tokens"] = outputTokens };
        foreach (var key in new[] { "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens" })
        {
            deltaUsage[key] = usage[key]?.DeepClone();
        }
        await EventAsync(context, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = message["stop_reason"]?.DeepClone(), ["stop_sequence"] = null },
            ["usage"] = deltaUsage,
        });
        await EventAsync(context, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static IEnumerable<string> Chunks(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static Task DeltaAsync(HttpContext context, int index, JsonObject delta) =>
        EventAsync(context, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = delta });

    private static async Task EventAsync(HttpContext context, string name, JsonObject data)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private async Task ReplayAsync(RecordedExchange exchange, ReceivedRequest request, HttpContext context)
    {
        if (request.Method != exchange.Request.Method || PathOf(request) != exchange.Path)
        {
            Violate($"replay of {exchange.Id}: expected {exchange.Request.Method} {exchange.Path}, got {request.Method} {request.Path}");
        }
        CheckHeaders(request);
        var response = exchange.Response;
        var headers = new Dictionary<string, string>();
        foreach (var name in new[] { "retry-after", "x-should-retry", "request-id" })
        {
            if (response.Header(name) is { } value)
            {
                headers[name] = value;
            }
        }
        var body = (response.Body ?? "").Replace("https://api.anthropic.com/", BaseUrl.ToString(), StringComparison.Ordinal);
        await WriteRawAsync(context, response.Status, response.Header("Content-Type") ?? "application/json", body, headers);
    }

    private static async Task WriteRawAsync(HttpContext context, int status, string contentType, string body, IReadOnlyDictionary<string, string> headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonNode body) =>
        WriteRawAsync(context, status, "application/json", body.ToJsonString(), new Dictionary<string, string>());

    private static Task WriteErrorAsync(HttpContext context, int status, string type, string message, int? retryAfter = null)
    {
        var headers = new Dictionary<string, string> { ["x-should-retry"] = status is 429 or 529 or >= 500 ? "true" : "false" };
        if (retryAfter is { } seconds)
        {
            headers["retry-after"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var body = new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
            ["request_id"] = $"req_local_{Guid.NewGuid():N}",
        };
        return WriteRawAsync(context, status, "application/json", body.ToJsonString(), headers);
    }

    private void Violate(string message) => _violations.Enqueue(message);

    // ---- Message Batches ----

    private static JsonObject ToJson(WireBatch batch, Uri baseUrl) => new()
    {
        ["id"] = batch.Id,
        ["type"] = "message_batch",
        ["processing_status"] = batch.Ended ? "ended" : batch.CancelRequested ? "canceling" : "in_progress",
        ["request_counts"] = new JsonObject
        {
            ["processing"] = batch.Ended ? 0 : batch.Requests.Count,
            ["succeeded"] = batch.Count(o => o is BatchOutcome.Succeeded),
            ["errored"] = batch.Count(o => o is BatchOutcome.Errored),
            ["canceled"] = batch.Count(o => o is null),
            ["expired"] = batch.Count(o => o is BatchOutcome.Expired),
        },
        ["ended_at"] = batch.Ended ? DateTimeOffset.UtcNow.ToString("O") : null,
        ["created_at"] = batch.CreatedAt.ToString("O"),
        ["expires_at"] = batch.CreatedAt.AddDays(1).ToString("O"),
        ["archived_at"] = null,
        ["cancel_initiated_at"] = batch.CancelRequested ? batch.CreatedAt.ToString("O") : null,
        ["results_url"] = batch.Ended ? new Uri(baseUrl, $"v1/messages/batches/{batch.Id}/results").ToString() : null,
    };

    private async Task CreateBatchAsync(ReceivedRequest request, HttpContext context)
    {
        var body = JsonNode.Parse(request.Body) as JsonObject;
        string? problem = null;
        var requests = new List<(string, JsonObject)>();
        if (body?["requests"] is not JsonArray { Count: > 0 } items)
        {
            problem = "requests: at least one request is required";
        }
        else
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < items.Count && problem is null; i++)
            {
                var id = (string?)items[i]?["custom_id"];
                if (id is null || !CustomId.IsMatch(id))
                {
                    problem = $"requests.{i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'";
                }
                else if (!seen.Add(id))
                {
                    problem = $"requests.{i}.custom_id: duplicate custom_id '{id}'";
                }
                else if (items[i]?["params"] is not JsonObject parameters)
                {
                    problem = $"requests.{i}.params: Field required";
                }
                else
                {
                    problem = ValidateMessageParams(parameters, $"requests.{i}.params.");
                    requests.Add((id, parameters));
                }
            }
        }
        if (problem is not null)
        {
            Violate("POST /v1/messages/batches: " + problem);
            await WriteErrorAsync(context, 400, "invalid_request_error", problem);
            return;
        }
        var batch = new WireBatch($"msgbatch_local_{Interlocked.Increment(ref _batchCounter):D4}", requests);
        _batches[batch.Id] = batch;
        await WriteJsonAsync(context, 200, ToJson(batch, BaseUrl));
    }

    private async Task RetrieveBatchAsync(WireBatch batch, HttpContext context)
    {
        batch.Poll(PollsUntilBatchEnds, BatchResponder);
        if (!batch.Ended)
        {
            context.Response.Headers["retry-after"] = "10";
        }
        await WriteJsonAsync(context, 200, ToJson(batch, BaseUrl));
    }

    private async Task BatchResultsAsync(WireBatch batch, HttpContext context)
    {
        if (!batch.Ended)
        {
            await WriteErrorAsync(context, 404, "not_found_error", $"Message Batch {batch.Id} has no available results.");
            return;
        }
        var lines = new StringBuilder();
        // The API does not promise result order; reversing it makes sure callers map by custom_id.
        foreach (var (id, outcome) in batch.Outcomes.Reverse())
        {
            JsonObject result = outcome switch
            {
                BatchOutcome.Succeeded s => new JsonObject { ["type"] = "succeeded", ["message"] = s.Message.DeepClone() },
                BatchOutcome.Errored e => new JsonObject
                {
                    ["type"] = "errored",
                    ["error"] = new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = e.Type, ["message"] = e.Text } },
                },
                BatchOutcome.Expired => new JsonObject { ["type"] = "expired" },
                _ => new JsonObject { ["type"] = "canceled" },
            };
            lines.Append(new JsonObject { ["custom_id"] = id, ["result"] = result }.ToJsonString()).Append('\n');
        }
        await WriteRawAsync(context, 200, "application/x-jsonl", lines.ToString(), new Dictionary<string, string>());
    }

    private JsonObject ListBatches()
    {
        var data = new JsonArray([.. _batches.Values.OrderByDescending(b => b.Id, StringComparer.Ordinal).Select(b => (JsonNode)ToJson(b, BaseUrl))]);
        return new JsonObject
        {
            ["data"] = data,
            ["has_more"] = false,
            ["first_id"] = data.Count > 0 ? (string?)data[0]!["id"] : null,
            ["last_id"] = data.Count > 0 ? (string?)data[^1]!["id"] : null,
        };
    }
}

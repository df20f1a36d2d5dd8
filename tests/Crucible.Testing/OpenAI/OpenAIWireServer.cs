using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Crucible.Testing.OpenAI;

/// <summary>Which server's wire shapes <see cref="OpenAIWireServer"/> answers with.</summary>
public enum OpenAIServerFlavor
{
    /// <summary>api.openai.com: ids and indexes on every call, usage in a final <c>choices: []</c> chunk.</summary>
    OpenAI,
    /// <summary>vLLM: streamed tool calls without <c>id</c> (vllm#18412), later fragments with <c>id: ""</c>,
    /// <c>reasoning_content</c>, an extra <c>stop_reason</c> field.</summary>
    Vllm,
    /// <summary>Ollama <c>/v1</c>: each streamed call whole in one chunk without <c>index</c> (ollama#7881),
    /// <c>finish_reason: "stop"</c> after streamed calls (ollama#7963), <c>reasoning</c> instead of <c>reasoning_content</c>.</summary>
    Ollama,
    /// <summary>llama.cpp <c>llama-server</c>: <c>arguments</c> as a JSON object (llama.cpp#20198), a top-level
    /// <c>timings</c> object with <c>cache_n</c>, usage without <c>prompt_tokens_details</c>, usage and timings
    /// in the streamed chunk that carries <c>finish_reason</c>.</summary>
    LlamaCpp,
}

/// <summary>One tool call a scripted reply makes.</summary>
/// <param name="Name">Tool name.</param>
/// <param name="ArgumentsJson">Arguments as JSON text.</param>
/// <param name="Id">Call id; generated when null.</param>
public sealed record ScriptedToolCall(string Name, string ArgumentsJson, string? Id = null);

/// <summary>One generated token with its logprob, as a scripted reply returns it in <c>choices[0].logprobs.content</c>.</summary>
/// <param name="Token">Token text.</param>
/// <param name="Logprob">Its natural-log probability.</param>
/// <param name="TopLogprobs">The most likely alternatives at this position; the server sends the first <c>top_logprobs</c> of them, as OpenAI does.</param>
public sealed record ScriptedLogprob(string Token, double Logprob, IReadOnlyList<ScriptedLogprob>? TopLogprobs = null);

/// <summary>A reply the server sends to the next request.</summary>
public abstract record OpenAIReply
{
    /// <summary>An OpenAI-style error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static RawReply Error(int status, string message, string type, string? code = null, string? retryAfter = null)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
        };
        var headers = new Dictionary<string, string>();
        if (retryAfter is not null)
        {
            headers["retry-after"] = retryAfter;
        }
        return new RawReply(status, "application/json", body.ToJsonString(), headers);
    }
}

/// <summary>A logical completion, rendered as JSON or SSE (as the request asks) in the server's flavor.</summary>
public sealed record CompletionReply : OpenAIReply
{
    /// <summary>Answer text, or null.</summary>
    public string? Text { get; init; }

    /// <summary>Reasoning text (sent as the flavor's reasoning field), or null.</summary>
    public string? Reasoning { get; init; }

    /// <summary>Tool calls.</summary>
    public IReadOnlyList<ScriptedToolCall> ToolCalls { get; init; } = [];

    /// <summary>finish_reason override; default <c>tool_calls</c> with calls, else <c>stop</c>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Prompt tokens (all of them, cached included, as OpenAI counts).</summary>
    public int PromptTokens { get; init; } = 11;

    /// <summary>Completion tokens.</summary>
    public int CompletionTokens { get; init; } = 7;

    /// <summary>Cached prompt tokens.</summary>
    public int CachedTokens { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public int ReasoningTokens { get; init; }

    /// <summary>Send no usage at all (old llama-cpp-python, servers that ignore <c>stream_options</c>).</summary>
    public bool OmitUsage { get; init; }

    /// <summary>Give every call the first call's id (servers with non-unique ids).</summary>
    public bool DuplicateToolCallIds { get; init; }

    /// <summary>Characters per streamed argument fragment.</summary>
    public int ArgumentFragmentLength { get; init; } = 5;

    /// <summary>
    /// The answer's tokens with logprobs, or null. Sent only when the request asks (<c>logprobs: true</c>), as OpenAI
    /// does; streamed one token per chunk, each chunk with its token's logprobs. The tokens spell <see cref="Text"/>
    /// (which defaults to them).
    /// </summary>
    public IReadOnlyList<ScriptedLogprob>? Logprobs { get; init; }

    /// <summary>The answer text: <see cref="Text"/>, or the logprob tokens joined.</summary>
    public string? AnswerText => Text ?? (Logprobs is { } tokens ? string.Concat(tokens.Select(t => t.Token)) : null);
}

/// <summary>A verbatim reply (recorded exchanges, errors).</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="ContentType">Content-Type.</param>
/// <param name="Body">Body text.</param>
/// <param name="Headers">Extra response headers.</param>
public sealed record RawReply(int Status, string ContentType, string Body, IReadOnlyDictionary<string, string> Headers) : OpenAIReply;

/// <summary>Sends the first SSE chunk of a text answer, then waits until the client goes away (for cancellation tests).</summary>
public sealed record StallingReply : OpenAIReply;

/// <summary>What the server insists on in every request.</summary>
public sealed record OpenAIServerExpectations
{
    /// <summary>The key expected as <c>Authorization: Bearer</c>; null means a keyless server, where any Authorization header is a violation.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The one model the server serves; others get 404 <c>model_not_found</c>.</summary>
    public required string Model { get; init; }

    /// <summary>When set, the request's <c>tools</c> must be exactly these (name to parameters JSON schema).</summary>
    public IReadOnlyDictionary<string, string>? ToolSchemas { get; init; }

    /// <summary>When true, the request must carry no <c>tools</c> (the text tool-call fallback).</summary>
    public bool ForbidTools { get; init; }

    /// <summary>When set, every request must carry <c>logprobs: true</c> and <c>top_logprobs</c> equal to this.</summary>
    public int? TopLogprobs { get; init; }
}

/// <summary>
/// A local server that speaks OpenAI chat completions (<c>POST /v1/chat/completions</c>) over real HTTP: JSON
/// responses, SSE streams with <c>tool_calls</c> deltas and <c>data: [DONE]</c>, OpenAI's error bodies, and the wire
/// shapes of vLLM, Ollama and llama.cpp. It checks every request (key header, model, tool schemas, message order,
/// <c>stream_options.include_usage</c>) and lists what was wrong in <see cref="Violations"/>. A test double, not a model.
/// </summary>
public sealed partial class OpenAIWireServer : IAsyncDisposable
{
    private readonly LocalHttpServer _http;
    private readonly ConcurrentQueue<OpenAIReply> _replies = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentQueue<JsonObject> _bodies = new();
    private int _callCounter;

    private OpenAIWireServer(LocalHttpServer http, OpenAIServerExpectations expectations, OpenAIServerFlavor flavor)
    {
        _http = http;
        Expectations = expectations;
        Flavor = flavor;
        BatchResponder = (id, _) => new BatchOutcome.Succeeded(CompletionBody(expectations.Model, "ok: " + id));
    }

    /// <summary>What the server checks.</summary>
    public OpenAIServerExpectations Expectations { get; }

    /// <summary>Which server's shapes it sends.</summary>
    public OpenAIServerFlavor Flavor { get; }

    /// <summary>The base URL clients use, ending in <c>/v1/</c>.</summary>
    public Uri BaseUrl => new(_http.BaseUrl, "v1/");

    /// <summary>Every request, raw.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _http.Received;

    /// <summary>The JSON bodies of the chat-completion requests, in order.</summary>
    public IReadOnlyList<JsonObject> Bodies => [.. _bodies];

    /// <summary>Everything a request did wrong; empty when the client spoke the protocol correctly.</summary>
    public IReadOnlyList<string> Violations => [.. _violations];

    /// <summary>Optional extra check run on every request body; returns a violation or null.</summary>
    public Func<JsonObject, string?>? CheckRequest { get; set; }

    /// <summary>Starts a server.</summary>
    public static async Task<OpenAIWireServer> StartAsync(OpenAIServerExpectations expectations, OpenAIServerFlavor flavor = OpenAIServerFlavor.OpenAI)
    {
        OpenAIWireServer? server = null;
        var http = await LocalHttpServer.StartAsync((request, context) => server!.HandleAsync(request, context));
        server = new OpenAIWireServer(http, expectations, flavor);
        return server;
    }

    /// <summary>Queues the reply to the next request.</summary>
    public OpenAIWireServer Enqueue(OpenAIReply reply)
    {
        _replies.Enqueue(reply);
        return this;
    }

    private async Task HandleAsync(ReceivedRequest request, HttpContext context)
    {
        if (IsBatchPath(request.Path))
        {
            await HandleBatchAsync(request, context);
            return;
        }
        if (request.Method != "POST" || request.Path != "/v1/chat/completions")
        {
            _violations.Enqueue($"unexpected {request.Method} {request.Path}");
            await WriteAsync(context, OpenAIReply.Error(404, $"Invalid URL ({request.Method} {request.Path})", "invalid_request_error"));
            return;
        }
        request.Headers.TryGetValue("authorization", out var authorization);
        if (Expectations.ApiKey is null && authorization is not null)
        {
            _violations.Enqueue("an Authorization header was sent to a keyless server");
        }
        if (Expectations.ApiKey is not null && authorization != "Bearer " + Expectations.ApiKey)
        {
            var sent = authorization is null ? "none" : authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : authorization;
            await WriteAsync(context, OpenAIReply.Error(401,
                $"Incorrect API key provided: {sent}. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", "invalid_api_key"));
            return;
        }
        JsonObject body;
        try
        {
            body = JsonNode.Parse(request.Body) as JsonObject ?? throw new FormatException("not an object");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
        {
            _violations.Enqueue($"request body is not a JSON object: {e.Message}");
            await WriteAsync(context, OpenAIReply.Error(400, "We could not parse the JSON body of your request.", "invalid_request_error"));
            return;
        }
        _bodies.Enqueue(body);
        foreach (var problem in Check(body))
        {
            _violations.Enqueue(problem);
        }
        var model = body["model"]?.GetValue<string>();
        if (model != Expectations.Model)
        {
            await WriteAsync(context, OpenAIReply.Error(404, $"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found"));
            return;
        }
        if (!_replies.TryDequeue(out var reply))
        {
            _violations.Enqueue("a request arrived after the script ran out");
            await WriteAsync(context, OpenAIReply.Error(500, "The test script has no reply left.", "server_error"));
            return;
        }
        var stream = body["stream"]?.GetValue<bool>() == true;
        var includeUsage = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
        // OpenAI returns logprobs only when asked, with top_logprobs alternatives per token (none when it is absent).
        int? topLogprobs = body["logprobs"] is JsonValue asked && asked.TryGetValue<bool>(out var ask) && ask
            ? body["top_logprobs"] is JsonValue top && top.TryGetValue<int>(out var n) ? n : 0
            : null;
        switch (reply)
        {
            case RawReply raw:
                await WriteAsync(context, raw);
                break;
            case StallingReply:
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("data: " + Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "Thinking" }, null) + "\n\n");
                await context.Response.Body.FlushAsync();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case CompletionReply completion when stream:
                context.Response.ContentType = "text/event-stream; charset=utf-8";
                foreach (var chunk in RenderStream(completion, includeUsage, topLogprobs))
                {
                    await context.Response.WriteAsync("data: " + chunk + "\n\n");
                    await context.Response.Body.FlushAsync();
                }
                await context.Response.WriteAsync("data: [DONE]\n\n");
                break;
            case CompletionReply completion:
                await WriteAsync(context, new RawReply(200, "application/json", RenderCompletion(completion, topLogprobs), new Dictionary<string, string>()));
                break;
        }
    }

    private IEnumerable<string> Check(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages || messages.Count == 0)
        {
            yield return "messages is missing or empty";
            yield break;
        }
        var openCalls = new HashSet<string>();
        foreach (var message in messages.OfType<JsonObject>())
        {
            var role = message["role"]?.GetValue<string>();
            if (role is not ("system" or "developer" or "user" or "assistant" or "tool"))
            {
                yield return $"unknown role '{role}'";
            }
            if (role == "assistant" && message["tool_calls"] is JsonArray calls)
            {
                foreach (var call in calls.OfType<JsonObject>())
                {
                    var id = call["id"]?.GetValue<string>();
                    if (string.IsNullOrEmpty(id))
                    {
                        yield return "an assistant tool call has no id";
                    }
                    else
                    {
                        openCalls.Add(id);
                    }
                    if (call["function"]?["arguments"] is not JsonValue args || !args.TryGetValue<string>(out _))
                    {
                        yield return "tool call arguments must be a JSON string";
                    }
                }
            }
            if (role == "tool")
            {
                var id = message["tool_call_id"]?.GetValue<string>();
                if (id is null || !openCalls.Contains(id))
                {
                    yield return $"tool message answers unknown call '{id}'";
                }
            }
        }
        if (body["stream"]?.GetValue<bool>() == true && body["stream_options"]?["include_usage"]?.GetValue<bool>() != true)
        {
            yield return "a streamed request without stream_options.include_usage gets no usage from OpenAI";
        }
        if (Expectations.ForbidTools && body["tools"] is not null)
        {
            yield return "tools were sent to a server configured for text tool calls";
        }
        if (Expectations.ToolSchemas is { } expected)
        {
            var sent = new Dictionary<string, JsonNode?>();
            foreach (var tool in (body["tools"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (tool["type"]?.GetValue<string>() != "function")
                {
                    yield return "a tool without type 'function'";
                }
                sent[tool["function"]?["name"]?.GetValue<string>() ?? ""] = tool["function"]?["parameters"];
            }
            if (!sent.Keys.Order().SequenceEqual(expected.Keys.Order()))
            {
                yield return $"tools sent: [{string.Join(", ", sent.Keys.Order())}], expected [{string.Join(", ", expected.Keys.Order())}]";
            }
            foreach (var (name, schema) in expected)
            {
                if (sent.TryGetValue(name, out var parameters) && !JsonNode.DeepEquals(parameters, JsonNode.Parse(schema)))
                {
                    yield return $"tool '{name}' parameters {parameters?.ToJsonString()} differ from {schema}";
                }
            }
        }
        var logprobs = body["logprobs"] is JsonValue lp && lp.TryGetValue<bool>(out var asked) && asked;
        if (body["top_logprobs"] is not null && !logprobs)
        {
            yield return "top_logprobs was sent without logprobs: true (OpenAI rejects it)";
        }
        if (Expectations.TopLogprobs is { } expectedTop)
        {
            var sentTop = body["top_logprobs"] is JsonValue t && t.TryGetValue<int>(out var n) ? n : (int?)null;
            if (!logprobs || sentTop != expectedTop)
            {
                yield return $"expected logprobs: true, top_logprobs: {expectedTop}; got logprobs: {body["logprobs"]?.ToJsonString() ?? "absent"}, top_logprobs: {sentTop?.ToString() ?? "absent"}";
            }
        }
        if (CheckRequest?.Invoke(body) is { } extra)
        {
            yield return extra;
        }
    }

    private string NextCallId() => Flavor switch
    {
        OpenAIServerFlavor.Vllm => $"chatcmpl-tool-{Interlocked.Increment(ref _callCounter):x8}",
        _ => $"call_{Interlocked.Increment(ref _callCounter):D8}",
    };

    private List<(string Id, ScriptedToolCall Call)> CallsWithIds(CompletionReply reply)
    {
        var calls = reply.ToolCalls.Select(c => (Id: c.Id ?? NextCallId(), Call: c)).ToList();
        if (reply.DuplicateToolCallIds && calls.Count > 0)
        {
            calls = calls.Select(c => (calls[0].Id, c.Call)).ToList();
        }
        return calls;
    }

    private static string Finish(CompletionReply reply) => reply.FinishReason ?? (reply.ToolCalls.Count > 0 ? "tool_calls" : "stop");

    private JsonObject Usage(CompletionReply reply)
    {
        var usage = new JsonObject
        {
            ["prompt_tokens"] = reply.PromptTokens,
            ["completion_tokens"] = reply.CompletionTokens,
            ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
        };
        if (Flavor != OpenAIServerFlavor.LlamaCpp)
        {
            usage["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = reply.CachedTokens, ["audio_tokens"] = 0 };
            usage["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = reply.ReasoningTokens, ["audio_tokens"] = 0 };
        }
        return usage;
    }

    private JsonObject Timings(CompletionReply reply) => new()
    {
        ["cache_n"] = reply.CachedTokens,
        ["prompt_n"] = reply.PromptTokens - reply.CachedTokens,
        ["prompt_ms"] = 12.5,
        ["predicted_n"] = reply.CompletionTokens,
        ["predicted_ms"] = 40.25,
    };

    private string ReasoningField => Flavor == OpenAIServerFlavor.Ollama ? "reasoning" : "reasoning_content";

    /// <summary>A <c>logprobs</c> object <c>{"content":[...],"refusal":null}</c> with <paramref name="top"/> alternatives per token.</summary>
    private static JsonObject LogprobsObject(IEnumerable<ScriptedLogprob> tokens, int top) => new()
    {
        ["content"] = new JsonArray(tokens.Select(t => (JsonNode)new JsonObject
        {
            ["token"] = t.Token,
            ["logprob"] = t.Logprob,
            ["bytes"] = Bytes(t.Token),
            ["top_logprobs"] = new JsonArray((t.TopLogprobs ?? []).Take(top).Select(a => (JsonNode)new JsonObject
            {
                ["token"] = a.Token,
                ["logprob"] = a.Logprob,
                ["bytes"] = Bytes(a.Token),
            }).ToArray()),
        }).ToArray()),
        ["refusal"] = null,
    };

    private static JsonArray Bytes(string token) => new(Encoding.UTF8.GetBytes(token).Select(b => (JsonNode)(int)b).ToArray());

    private static void RequireConsistentLogprobs(CompletionReply reply)
    {
        if (reply.Logprobs is { } tokens && reply.Text is { } text && text != string.Concat(tokens.Select(t => t.Token)))
        {
            throw new InvalidOperationException($"The scripted logprob tokens do not spell the scripted text '{text}'.");
        }
    }

    private string RenderCompletion(CompletionReply reply, int? topLogprobs)
    {
        RequireConsistentLogprobs(reply);
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.AnswerText };
        if (reply.Reasoning is not null)
        {
            message[ReasoningField] = reply.Reasoning;
        }
        var calls = CallsWithIds(reply);
        if (calls.Count > 0)
        {
            message["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = c.Call.Name,
                    ["arguments"] = Flavor == OpenAIServerFlavor.LlamaCpp ? JsonNode.Parse(c.Call.ArgumentsJson) : c.Call.ArgumentsJson,
                },
            }).ToArray());
        }
        var choice = new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = Finish(reply) };
        if (topLogprobs is { } top && reply.Logprobs is { } tokens)
        {
            choice["logprobs"] = LogprobsObject(tokens, top);
        }
        if (Flavor == OpenAIServerFlavor.Vllm)
        {
            choice["stop_reason"] = null;
        }
        var root = Envelope("chat.completion");
        root["choices"] = new JsonArray(choice);
        if (!reply.OmitUsage)
        {
            root["usage"] = Usage(reply);
        }
        if (Flavor == OpenAIServerFlavor.LlamaCpp)
        {
            root["timings"] = Timings(reply);
        }
        return root.ToJsonString();
    }

    private IEnumerable<string> RenderStream(CompletionReply reply, bool includeUsage, int? topLogprobs)
    {
        RequireConsistentLogprobs(reply);
        yield return Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
        if (reply.Reasoning is not null)
        {
            foreach (var piece in Split(reply.Reasoning, 6))
            {
                yield return Chunk(new JsonObject { [ReasoningField] = piece }, null);
            }
        }
        if (topLogprobs is { } top && reply.Logprobs is { } tokens)
        {
            // OpenAI streams one token per chunk, each with the logprobs of its own token.
            foreach (var token in tokens)
            {
                yield return Chunk(new JsonObject { ["content"] = token.Token }, null, LogprobsObject([token], top));
            }
        }
        else if (reply.AnswerText is { } text)
        {
            foreach (var piece in Split(text, 4))
            {
                yield return Chunk(new JsonObject { ["content"] = piece }, null);
            }
        }
        var calls = CallsWithIds(reply);
        for (var i = 0; i < calls.Count; i++)
        {
            var (id, call) = calls[i];
            if (Flavor == OpenAIServerFlavor.Ollama)
            {
                // Ollama sends each call whole, without an index.
                yield return Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["id"] = id,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.ArgumentsJson },
                    }),
                }, null);
                continue;
            }
            var first = new JsonObject { ["index"] = i, ["type"] = "function", ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" } };
            if (Flavor != OpenAIServerFlavor.Vllm)
            {
                first["id"] = id;
            }
            yield return Chunk(new JsonObject { ["tool_calls"] = new JsonArray(first) }, null);
            foreach (var fragment in Split(call.ArgumentsJson, reply.ArgumentFragmentLength))
            {
                var delta = new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = fragment } };
                if (Flavor == OpenAIServerFlavor.Vllm)
                {
                    delta["id"] = "";
                }
                yield return Chunk(new JsonObject { ["tool_calls"] = new JsonArray(delta) }, null);
            }
        }
        var finish = Flavor == OpenAIServerFlavor.Ollama && calls.Count > 0 && reply.FinishReason is null ? "stop" : Finish(reply);
        if (Flavor == OpenAIServerFlavor.LlamaCpp)
        {
            // llama-server puts usage and timings on the chunk that ends the choice.
            var last = JsonNode.Parse(Chunk(new JsonObject(), finish))!.AsObject();
            if (!reply.OmitUsage)
            {
                last["usage"] = Usage(reply);
            }
            last["timings"] = Timings(reply);
            yield return last.ToJsonString();
            yield break;
        }
        yield return Chunk(new JsonObject(), finish);
        if (includeUsage && !reply.OmitUsage)
        {
            var usageChunk = Envelope("chat.completion.chunk");
            usageChunk["choices"] = new JsonArray();
            usageChunk["usage"] = Usage(reply);
            yield return usageChunk.ToJsonString();
        }
    }

    private string Chunk(JsonObject delta, string? finishReason, JsonObject? logprobs = null)
    {
        var root = Envelope("chat.completion.chunk");
        var choice = new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason };
        if (logprobs is not null)
        {
            choice["logprobs"] = logprobs;
        }
        root["choices"] = new JsonArray(choice);
        return root.ToJsonString();
    }

    private JsonObject Envelope(string kind) => new()
    {
        ["id"] = "chatcmpl-local-1",
        ["object"] = kind,
        ["created"] = 1780944545,
        ["model"] = Expectations.Model,
        ["system_fingerprint"] = Flavor == OpenAIServerFlavor.Ollama ? "fp_ollama" : null,
    };

    private static IEnumerable<string> Split(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static async Task WriteAsync(HttpContext context, RawReply reply)
    {
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        foreach (var (name, value) in reply.Headers)
        {
            context.Response.Headers[name] = value;
        }
        await context.Response.WriteAsync(reply.Body, Encoding.UTF8);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _http.DisposeAsync();
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crucible.Models.OpenAI;

/// <summary>
/// Rewrites chat-completion responses from OpenAI-compatible servers into the shape the official
/// OpenAI SDK parses, before the SDK sees them. Each rule below names the server behaviour it covers
/// (see docs/providers-openai.md, "Server differences").
/// </summary>
/// <remarks>
/// Rules, for a whole response (JSON) and for every streamed chunk (SSE <c>data:</c> line):
/// <list type="bullet">
/// <item><c>function.arguments</c> given as a JSON object (llama.cpp server with <c>--tool-args-object</c>, some Ollama
/// proxies) is serialised to the JSON string the API defines; the SDK would throw on an object.</item>
/// <item>A tool call without an id (vLLM streaming) or with an id another call of the same response already has
/// gets a generated, unique id (<c>call_</c> + 24 hex digits).</item>
/// <item>Streamed tool-call deltas without <c>index</c> (Ollama), or that reuse index 0 for a second call under a new
/// id (vLLM), get the index of the call they belong to, so fragments are assembled into the right call.</item>
/// <item><c>finish_reason</c> <c>"stop"</c> (or missing) while tool calls are present (Ollama streaming, some
/// Gemini-compatible proxies) becomes <c>"tool_calls"</c>; values the SDK does not know (<c>"eos"</c>,
/// <c>"end_turn"</c>, <c>"max_tokens"</c>, <c>"abort"</c>…) become <c>"stop"</c> or <c>"length"</c>; the SDK throws on them.</item>
/// <item><c>reasoning</c> (newer vLLM, Ollama) is copied to <c>reasoning_content</c> (vLLM, llama.cpp, DeepSeek), which the
/// client reads as reasoning text.</item>
/// <item>llama.cpp's <c>timings.cache_n</c> becomes <c>usage.prompt_tokens_details.cached_tokens</c> when the server does not
/// report cached tokens itself.</item>
/// </list>
/// A stream normaliser is stateful (it tracks the calls of one response), so use one instance per response.
/// </remarks>
public sealed class OpenAIWireNormalizer
{
    private readonly List<StreamedCall> _calls = [];
    private readonly Dictionary<int, int> _slotByWireIndex = [];
    private bool _sawToolCalls;

    /// <summary>Normalises a whole (non-streamed) chat completion. Text that is not a JSON object is returned unchanged.</summary>
    public static string NormalizeCompletion(string json) => NormalizeChoices(json, NormalizeCompletionChoice);

    /// <summary>Normalises one streamed chunk (the JSON after <c>data: </c>), using what earlier chunks of this response showed.</summary>
    public string NormalizeChunk(string json) => NormalizeChoices(json, NormalizeChunkChoice);

    /// <summary>
    /// What completions and chunks share: <paramref name="normalizeChoice"/> applied to every choice, after a choice without an
    /// index is given its position, and the usage normalised. Text that is not a JSON object is returned unchanged.
    /// </summary>
    private static string NormalizeChoices(string json, Action<JsonObject> normalizeChoice)
    {
        if (TryParseObject(json) is not { } root)
        {
            return json;
        }
        if (root["choices"] is JsonArray choices)
        {
            var position = 0;
            foreach (var choice in choices.OfType<JsonObject>())
            {
                choice["index"] ??= position;
                position++;
                normalizeChoice(choice);
            }
        }
        NormalizeUsage(root);
        return root.ToJsonString();
    }

    private static void NormalizeCompletionChoice(JsonObject choice)
    {
        if (choice["message"] is not JsonObject message)
        {
            return;
        }
        CopyReasoning(message);
        var hasCalls = false;
        if (message["tool_calls"] is JsonArray calls)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var call in calls.OfType<JsonObject>())
            {
                hasCalls = true;
                var id = call["id"]?.GetValue<string>();
                if (string.IsNullOrEmpty(id) || !ids.Add(id))
                {
                    id = NewCallId();
                    ids.Add(id);
                    call["id"] = id;
                }
                call["type"] ??= "function";
                if (call["function"] is JsonObject function)
                {
                    NormalizeArguments(function, streamed: false);
                }
            }
        }
        choice["finish_reason"] = NormalizeFinishReason(choice["finish_reason"], hasCalls);
    }

    private void NormalizeChunkChoice(JsonObject choice)
    {
        if (choice["delta"] is JsonObject delta)
        {
            CopyReasoning(delta);
            if (delta["tool_calls"] is JsonArray calls)
            {
                foreach (var call in calls.OfType<JsonObject>())
                {
                    NormalizeStreamedCall(call);
                }
            }
        }
        if (choice["finish_reason"] is { } finish)
        {
            choice["finish_reason"] = NormalizeFinishReason(finish, _sawToolCalls);
        }
    }

    private void NormalizeStreamedCall(JsonObject call)
    {
        _sawToolCalls = true;
        var function = call["function"] as JsonObject;
        var id = call["id"] is JsonValue idValue && idValue.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        var name = function?["name"] is JsonValue nameValue && nameValue.TryGetValue<string>(out var n) && n.Length > 0 ? n : null;
        int? wireIndex = call["index"] is JsonValue indexValue && indexValue.TryGetValue<int>(out var i) ? i : null;

        int slot;
        var knownById = id is null ? -1 : _calls.FindIndex(c => c.Id == id);
        if (knownById >= 0)
        {
            // The same id again (SGLang repeats it on every fragment): a continuation.
            slot = knownById;
        }
        else if (id is not null || (name is not null && (wireIndex is null || !_slotByWireIndex.ContainsKey(wireIndex.Value))))
        {
            // A new id, or a name at an index not seen yet (or with no index at all): a new call.
            slot = _calls.Count;
            _calls.Add(new StreamedCall(id ?? NewCallId()));
            if (wireIndex is { } w)
            {
                _slotByWireIndex[w] = slot;
            }
        }
        else if (wireIndex is { } w && _slotByWireIndex.TryGetValue(w, out var mapped))
        {
            slot = mapped;
        }
        else if (_calls.Count > 0)
        {
            // A fragment with neither id nor index continues the last call.
            slot = _calls.Count - 1;
        }
        else
        {
            slot = 0;
            _calls.Add(new StreamedCall(NewCallId()));
        }

        var entry = _calls[slot];
        call["index"] = slot;
        if (!entry.Announced)
        {
            // The first fragment of a call carries its id and type, as OpenAI sends it.
            call["id"] = entry.Id;
            call["type"] = "function";
            entry.Announced = true;
        }
        else
        {
            call.Remove("id");
            call.Remove("type");
            if (function is not null && name is not null && name == entry.Name)
            {
                // Some servers repeat the name on every fragment; the SDK consumer would see it as a new name.
                function.Remove("name");
            }
        }
        if (name is not null)
        {
            entry.Name ??= name;
        }
        if (function is not null)
        {
            NormalizeArguments(function, streamed: true);
        }
    }

    private static void NormalizeArguments(JsonObject function, bool streamed)
    {
        switch (function["arguments"])
        {
            case JsonObject or JsonArray:
                function["arguments"] = function["arguments"]!.ToJsonString();
                break;
            case null when !streamed:
                function["arguments"] = "{}";
                break;
            case null:
                function["arguments"] = "";
                break;
        }
    }

    private static string NormalizeFinishReason(JsonNode? reason, bool hasToolCalls)
    {
        // A missing reason on a whole response (some servers send null) is read as a normal stop.
        var text = reason is JsonValue v && v.TryGetValue<string>(out var s) ? s : "stop";
        var normalized = text switch
        {
            "stop" or "length" or "tool_calls" or "content_filter" or "function_call" => text,
            "max_tokens" or "max_length" or "model_length" => "length",
            _ => "stop",
        };
        if (normalized == "stop" && hasToolCalls)
        {
            normalized = "tool_calls";
        }
        return normalized;
    }

    private static void CopyReasoning(JsonObject message)
    {
        if (message["reasoning_content"] is null && message["reasoning"] is JsonValue reasoning && reasoning.TryGetValue<string>(out var text))
        {
            message["reasoning_content"] = text;
        }
    }

    private static void NormalizeUsage(JsonObject root)
    {
        if (root["usage"] is not JsonObject usage)
        {
            return;
        }
        if (root["timings"] is JsonObject timings && timings["cache_n"] is JsonValue cacheN && cacheN.TryGetValue<long>(out var cached))
        {
            var details = usage["prompt_tokens_details"] as JsonObject;
            if (details is null)
            {
                details = [];
                usage["prompt_tokens_details"] = details;
            }
            details["cached_tokens"] ??= cached;
        }
    }

    private static JsonObject? TryParseObject(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A new tool-call id in OpenAI's style.</summary>
    public static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];

    private sealed class StreamedCall(string id)
    {
        public string Id { get; } = id;
        public string? Name { get; set; }
        public bool Announced { get; set; }
    }
}

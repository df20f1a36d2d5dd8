using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Crucible.Models.OpenAI;

/// <summary>
/// The tool-call fallback for servers without native tool calling (<c>tool_calls: text</c>): tools are
/// described in the system prompt, calls are parsed from the model's text, and results go back as user text.
/// </summary>
/// <remarks>
/// Format (Hermes / Qwen style, which many open models are trained on):
/// <code>
/// &lt;tool_call&gt;
/// {"name": "read_file", "arguments": {"path": "src/a.cs"}}
/// &lt;/tool_call&gt;
/// </code>
/// The parser also accepts a fenced <c>```json</c> block holding <c>{"name", "arguments"}</c> (or <c>"parameters"</c>) when the
/// name is one of the offered tools, a JSON array of calls inside one block, arguments given as a JSON string, and a
/// final <c>&lt;tool_call&gt;</c> block whose closing tag is missing (the model stopped at its end-of-turn token).
/// A <c>&lt;tool_call&gt;</c> block that cannot be read becomes a text the caller can show, starting with
/// <see cref="MalformedPrefix"/>. Results are sent as <c>&lt;tool_response name="…" id="…"&gt;…&lt;/tool_response&gt;</c> in a user message.
/// </remarks>
public static partial class TextToolCalls
{
    /// <summary>The opening tag of a call.</summary>
    public const string CallOpen = "<tool_call>";

    /// <summary>The closing tag of a call.</summary>
    public const string CallClose = "</tool_call>";

    private const string Fence = "```";

    /// <summary>Compact JSON that keeps non-ASCII text readable (the model reads it).</summary>
    internal static readonly JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>Start of the text that replaces a call the parser could not read.</summary>
    public const string MalformedPrefix = "[Malformed tool call";

    [GeneratedRegex(@"<tool_call>(?<call>.*?)(?:</tool_call>|\z)|```(?<lang>[A-Za-z_]*)[ \t]*\r?\n(?<fence>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CallPattern();

    /// <summary>The system-prompt section that describes <paramref name="tools"/> and the call format.</summary>
    public static string DescribeTools(IEnumerable<AIFunctionDeclaration> tools)
    {
        var text = new StringBuilder();
        text.AppendLine("# Tools");
        text.AppendLine();
        text.AppendLine("You can call the tools listed below. To call a tool, write a block exactly like this, with the arguments as a JSON object matching the tool's parameters:");
        text.AppendLine();
        text.AppendLine(CallOpen);
        text.AppendLine("{\"name\": \"TOOL_NAME\", \"arguments\": {\"PARAMETER\": \"VALUE\"}}");
        text.AppendLine(CallClose);
        text.AppendLine();
        text.AppendLine("Write one block per call; you may write several. After your calls, stop and wait: each result comes back in a <tool_response> block. Never write a <tool_response> yourself.");
        text.AppendLine();
        text.AppendLine("Available tools (one JSON object per line):");
        foreach (var tool in tools)
        {
            var line = new JsonObject
            {
                ["name"] = tool.Name,
                ["description"] = tool.Description,
                ["parameters"] = JsonNode.Parse(tool.JsonSchema.GetRawText()),
            };
            text.AppendLine(line.ToJsonString(CompactJson));
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>Renders a call the way the model is asked to write it (used for earlier assistant turns).</summary>
    public static string RenderCall(FunctionCallContent call)
    {
        var json = new JsonObject
        {
            ["name"] = call.Name,
            ["arguments"] = call.Arguments is null ? new JsonObject() : JsonSerializer.SerializeToNode(call.Arguments, AIJsonUtilities.DefaultOptions),
        };
        return $"{CallOpen}\n{json.ToJsonString(CompactJson)}\n{CallClose}";
    }

    /// <summary>Renders a tool result as the user text the model reads.</summary>
    public static string RenderResult(FunctionResultContent result, string? toolName)
    {
        var name = toolName is null ? "" : $" name=\"{toolName}\"";
        return $"<tool_response{name} id=\"{result.CallId}\">\n{ResultText(result)}\n</tool_response>";
    }

    /// <summary>The text of a tool result: strings as they are, anything else as JSON, exceptions as an error line.</summary>
    public static string ResultText(FunctionResultContent result) => result switch
    {
        { Exception: { } e } => $"Error: {e.Message}",
        { Result: null } => "",
        { Result: string s } => s,
        { Result: JsonElement { ValueKind: JsonValueKind.String } e } => e.GetString() ?? "",
        _ => JsonSerializer.Serialize(result.Result, CompactJson),
    };

    /// <summary>
    /// Splits model text into text and calls. <paramref name="toolNames"/> are the offered tools: a fenced JSON block
    /// counts as a call only when it names one of them (so ordinary JSON in an answer stays text).
    /// </summary>
    public static IReadOnlyList<AIContent> Parse(string text, IReadOnlySet<string> toolNames)
    {
        var contents = new List<AIContent>();
        var pendingText = new StringBuilder();
        var position = 0;
        foreach (Match match in CallPattern().Matches(text))
        {
            pendingText.Append(text, position, match.Index - position);
            position = match.Index + match.Length;
            if (match.Groups["call"].Success)
            {
                var calls = ReadCalls(match.Groups["call"].Value, out var problem);
                if (calls is null)
                {
                    pendingText.Append($"{MalformedPrefix}: {problem}. The text was: {match.Value.Trim()}]");
                    continue;
                }
                Flush();
                contents.AddRange(calls);
                continue;
            }
            var lang = match.Groups["lang"].Value;
            var fenced = lang is "" or "json" or "tool_call" or "tool" ? ReadCalls(match.Groups["fence"].Value, out _) : null;
            if (fenced is { Count: > 0 } && fenced.All(c => toolNames.Contains(c.Name)))
            {
                Flush();
                contents.AddRange(fenced);
            }
            else
            {
                pendingText.Append(match.Value);
            }
        }
        pendingText.Append(text, position, text.Length - position);
        Flush();
        return contents;

        void Flush()
        {
            var chunk = pendingText.ToString().Trim();
            pendingText.Clear();
            if (chunk.Length > 0)
            {
                contents.Add(new TextContent(chunk));
            }
        }
    }

    /// <summary>
    /// How many leading characters of streamed <paramref name="text"/> can be shown now: everything before the first
    /// call marker, minus a tail that could still grow into one.
    /// </summary>
    public static int SafePrefixLength(string text)
    {
        var first = MinIndex(text.IndexOf(CallOpen, StringComparison.Ordinal), text.IndexOf(Fence, StringComparison.Ordinal));
        if (first >= 0)
        {
            return first;
        }
        for (var keep = Math.Min(text.Length, CallOpen.Length - 1); keep > 0; keep--)
        {
            var tail = text.AsSpan(text.Length - keep);
            if (CallOpen.AsSpan().StartsWith(tail) || Fence.AsSpan().StartsWith(tail))
            {
                return text.Length - keep;
            }
        }
        return text.Length;

        static int MinIndex(int a, int b) => a < 0 ? b : b < 0 ? a : Math.Min(a, b);
    }

    private static List<FunctionCallContent>? ReadCalls(string json, out string problem)
    {
        problem = "";
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json.Trim());
        }
        catch (JsonException e)
        {
            problem = $"its JSON is invalid ({e.Message})";
            return null;
        }
        var items = node switch
        {
            JsonObject o => [o],
            JsonArray a when a.All(x => x is JsonObject) => a.Cast<JsonObject>().ToList(),
            _ => null,
        };
        if (items is null or { Count: 0 })
        {
            problem = "it must be a JSON object with \"name\" and \"arguments\"";
            return null;
        }
        var calls = new List<FunctionCallContent>();
        foreach (var item in items)
        {
            if (item["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name) || name.Length == 0)
            {
                problem = "it has no \"name\"";
                return null;
            }
            var arguments = item["arguments"] ?? item["parameters"];
            if (arguments is JsonValue argText && argText.TryGetValue<string>(out var raw))
            {
                // Some models write the arguments as a JSON string, as the native API does.
                try
                {
                    arguments = JsonNode.Parse(raw);
                }
                catch (JsonException)
                {
                    problem = $"the arguments of '{name}' are not a JSON object";
                    return null;
                }
            }
            if (arguments is not (null or JsonObject))
            {
                problem = $"the arguments of '{name}' are not a JSON object";
                return null;
            }
            var parsed = arguments is null
                ? new Dictionary<string, object?>()
                : JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments.ToJsonString(), AIJsonUtilities.DefaultOptions) ?? [];
            calls.Add(new FunctionCallContent(OpenAIWireNormalizer.NewCallId(), name, parsed));
        }
        return calls;
    }
}

using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Crucible.Agent.Context;

/// <summary>
/// Estimates tokens without a tokenizer: one token per <see cref="CharsPerToken"/> characters of text,
/// tool-call arguments and tool results, plus <see cref="MessageOverhead"/> tokens per message and
/// <see cref="ContentOverhead"/> per tool call or result (role markers, ids, JSON framing). It errs high
/// for code, which is what a compaction trigger wants. When the provider reports the prompt's real
/// input tokens, <see cref="ContextManager"/> uses those and estimates only what was added since.
/// </summary>
public static class TokenEstimator
{
    /// <summary>Characters per token (English and code average about 3.5–4 for current tokenizers).</summary>
    public const int CharsPerToken = 4;

    /// <summary>Tokens added per message for the role and framing.</summary>
    public const int MessageOverhead = 4;

    /// <summary>Tokens added per tool call or tool result for the id, name and JSON framing.</summary>
    public const int ContentOverhead = 8;

    /// <summary>Estimated tokens of one message.</summary>
    public static long Estimate(ChatMessage message)
    {
        long chars = 0;
        long overhead = MessageOverhead;
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    chars += t.Text?.Length ?? 0;
                    break;
                case TextReasoningContent r:
                    chars += r.Text?.Length ?? 0;
                    break;
                case FunctionCallContent c:
                    overhead += ContentOverhead;
                    chars += c.Name.Length + (c.Arguments is null ? 0 : JsonSerializer.Serialize(c.Arguments, AIJsonUtilities.DefaultOptions).Length);
                    break;
                case FunctionResultContent r:
                    overhead += ContentOverhead;
                    chars += r.Result switch
                    {
                        null => 0,
                        string s => s.Length,
                        var other => JsonSerializer.Serialize(other, AIJsonUtilities.DefaultOptions).Length,
                    };
                    break;
                default:
                    overhead += ContentOverhead;
                    break;
            }
        }
        return overhead + (chars + CharsPerToken - 1) / CharsPerToken;
    }

    /// <summary>Estimated tokens of several messages.</summary>
    public static long Estimate(IEnumerable<ChatMessage> messages) => messages.Sum(Estimate);

    /// <summary>Estimated tokens of tool declarations (name, description and schema).</summary>
    public static long Estimate(IEnumerable<AITool> tools) =>
        tools.Sum(t => ContentOverhead + (t.Name.Length + t.Description.Length + (t is AIFunctionDeclaration f ? f.JsonSchema.GetRawText().Length : 0)) / CharsPerToken);
}

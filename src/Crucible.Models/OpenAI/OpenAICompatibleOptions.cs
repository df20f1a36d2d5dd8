using Crucible.Core;

namespace Crucible.Models.OpenAI;

/// <summary>How tool calls travel between Crucible and the server.</summary>
public enum ToolCallMode
{
    /// <summary>The API's own <c>tools</c> / <c>tool_calls</c> fields (the default).</summary>
    Native,
    /// <summary>Tools are described in the system prompt and calls are parsed from the model's text (see <see cref="TextToolCalls"/>).</summary>
    Text,
}

/// <summary>
/// Provider options read from <see cref="ProviderConnection.Options"/> (the endpoint's <c>options</c> in settings).
/// </summary>
/// <param name="ToolCalls"><c>tool_calls</c>: <c>native</c> (default) or <c>text</c> for servers without native tool calling.</param>
/// <param name="MaxTokensField"><c>max_tokens_field</c>: the request field that carries the output limit. Default
/// <c>max_completion_tokens</c> for the <c>openai</c> provider (OpenAI's current name, required by reasoning models)
/// and <c>max_tokens</c> for <c>openai-compatible</c> servers (the name vLLM, Ollama, llama.cpp and LM Studio all accept).</param>
public sealed record OpenAICompatibleOptions(ToolCallMode ToolCalls, string MaxTokensField)
{
    /// <summary>Option key for <see cref="ToolCalls"/>.</summary>
    public const string ToolCallsKey = "tool_calls";

    /// <summary>Option key for <see cref="MaxTokensField"/>.</summary>
    public const string MaxTokensFieldKey = "max_tokens_field";

    /// <summary>Reads the options of <paramref name="connection"/>; unknown values are bad input naming the fix.</summary>
    public static OpenAICompatibleOptions From(ProviderConnection connection)
    {
        var options = connection.Options;
        var toolCalls = ToolCallMode.Native;
        if (options.TryGetValue(ToolCallsKey, out var mode))
        {
            toolCalls = mode.Trim().ToLowerInvariant() switch
            {
                "native" => ToolCallMode.Native,
                "text" => ToolCallMode.Text,
                _ => throw new BadInputException(
                    $"Unknown value '{mode}' for option '{ToolCallsKey}' of {connection}.",
                    $"Set '{ToolCallsKey}' to 'native' (the server supports tool calling) or 'text' (tools described in the prompt)."),
            };
        }
        var maxTokensField = connection.Provider == "openai" ? "max_completion_tokens" : "max_tokens";
        if (options.TryGetValue(MaxTokensFieldKey, out var field))
        {
            maxTokensField = field.Trim() switch
            {
                "max_tokens" or "max_completion_tokens" => field.Trim(),
                _ => throw new BadInputException(
                    $"Unknown value '{field}' for option '{MaxTokensFieldKey}' of {connection}.",
                    $"Set '{MaxTokensFieldKey}' to 'max_tokens' or 'max_completion_tokens'."),
            };
        }
        return new OpenAICompatibleOptions(toolCalls, maxTokensField);
    }
}

using Crucible.Core;
using Crucible.Models.OpenAI;

namespace Crucible.Models.Tests.OpenAI;

public sealed class OpenAICompatibleOptionsTests
{
    private static ProviderConnection Connection(string provider, params (string Key, string Value)[] options) => new()
    {
        Provider = provider, Model = "m", HttpClient = new HttpClient(),
        Options = options.ToDictionary(o => o.Key, o => o.Value),
    };

    [Theory]
    [InlineData("openai", "max_completion_tokens")]
    [InlineData("openai-compatible", "max_tokens")]
    public void Defaults_are_native_tool_calls_and_the_max_tokens_field_the_provider_accepts(string provider, string field) =>
        Assert.Equal(new OpenAICompatibleOptions(ToolCallMode.Native, field), OpenAICompatibleOptions.From(Connection(provider)));

    [Fact]
    public void Settings_values_are_read_case_and_space_insensitively_where_they_are_words() =>
        Assert.Equal(new OpenAICompatibleOptions(ToolCallMode.Text, "max_completion_tokens"),
            OpenAICompatibleOptions.From(Connection("openai-compatible", ("tool_calls", " Text "), ("max_tokens_field", "max_completion_tokens"))));

    [Fact]
    public void Unknown_tool_call_mode_is_bad_input_naming_the_fix()
    {
        var error = Assert.Throws<BadInputException>(() => new OpenAICompatibleChatClient(Connection("openai-compatible", ("tool_calls", "xml"))));

        Assert.Contains("'xml'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'native'", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_max_tokens_field_is_bad_input_naming_the_fix()
    {
        var error = Assert.Throws<BadInputException>(() => OpenAICompatibleOptions.From(Connection("openai", ("max_tokens_field", "n_predict"))));

        Assert.Contains("'n_predict'", error.Message, StringComparison.Ordinal);
        Assert.Equal("Set 'max_tokens_field' to 'max_tokens' or 'max_completion_tokens'.", error.Fix);
    }
}

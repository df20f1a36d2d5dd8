using Crucible.Core;
using Crucible.Models.Anthropic;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicOptionsTests
{
    [Fact]
    public void Defaults_cache_with_a_five_minute_ttl_no_thinking_and_8192_max_tokens()
    {
        Assert.Equal(
            new AnthropicOptions { MaxTokens = 8192, PromptCaching = true, CacheTtl = AnthropicCacheTtl.FiveMinutes, ThinkingBudgetTokens = null, MinimumCacheableTokens = null },
            AnthropicOptions.FromSettings(new Dictionary<string, string>()));
    }

    [Fact]
    public void Settings_set_max_tokens_thinking_budget_cache_ttl_and_minimum()
    {
        var options = AnthropicOptions.FromSettings(new Dictionary<string, string>
        {
            ["max_tokens"] = "16000",
            ["thinking_budget_tokens"] = "4096",
            ["prompt_cache"] = "1h",
            ["cache_min_tokens"] = "2048",
            ["tool_calls"] = "text", // another layer's key: ignored
        });

        Assert.Equal(new AnthropicOptions { MaxTokens = 16000, ThinkingBudgetTokens = 4096, CacheTtl = AnthropicCacheTtl.OneHour, MinimumCacheableTokens = 2048 }, options);
    }

    [Theory]
    [InlineData("prompt_cache", "sometimes", "off, 5m or 1h")]
    [InlineData("max_tokens", "-5", "positive integer")]
    [InlineData("thinking_budget_tokens", "lots", "positive integer")]
    public void A_bad_setting_is_bad_input_naming_the_key_and_the_fix(string key, string value, string fixMentions)
    {
        var error = Assert.Throws<BadInputException>(() => AnthropicOptions.FromSettings(new Dictionary<string, string> { [key] = value }));

        Assert.Contains(key, error.Message);
        Assert.Contains(value, error.Message);
        Assert.Contains(fixMentions, error.Fix);
    }

    [Fact]
    public void A_thinking_budget_below_the_api_minimum_is_bad_input()
    {
        var error = Assert.Throws<BadInputException>(() => new AnthropicOptions { ThinkingBudgetTokens = 500 }.Validate(8192));

        Assert.Contains("at least 1024", error.Message);
    }
}

using Crucible.Core;
using Crucible.Models.Settings;
using Crucible.Models.Specs;

namespace Crucible.Models.Tests.Specs;

public sealed class ModelSpecTests
{
    private static readonly CrucibleSettings WithLocal = new()
    {
        Endpoints = new Dictionary<string, EndpointSettings>
        {
            ["local"] = new() { BaseUrl = new Uri("http://localhost:8000/v1"), Model = "qwen3" },
            ["proxy"] = new() { Provider = "anthropic", BaseUrl = new Uri("https://proxy.example/") },
        },
    };

    [Fact]
    public void Built_in_prefixes_parse_into_provider_and_model()
    {
        Assert.Equal(new ModelSpec("anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"), ModelSpec.Parse("anthropic:claude-sonnet-4-5"));
        Assert.Equal(new ModelSpec("openai:gpt-5", "openai", "gpt-5"), ModelSpec.Parse(" openai:gpt-5 "));
    }

    [Fact]
    public void Openai_compatible_spec_carries_base_url_and_model_after_the_last_hash()
    {
        var spec = ModelSpec.Parse("openai-compatible:http://localhost:11434/v1#llama3.1:8b");
        Assert.Equal(new ModelSpec("openai-compatible:http://localhost:11434/v1#llama3.1:8b", "openai-compatible", "llama3.1:8b", new Uri("http://localhost:11434/v1")), spec);
    }

    [Fact]
    public void Named_endpoint_uses_its_default_model_or_the_one_given()
    {
        Assert.Equal(new ModelSpec("local", "openai-compatible", "qwen3", new Uri("http://localhost:8000/v1"), "local"), ModelSpec.Parse("local", WithLocal));
        Assert.Equal(new ModelSpec("local:qwen3-coder", "openai-compatible", "qwen3-coder", new Uri("http://localhost:8000/v1"), "local"), ModelSpec.Parse("local:qwen3-coder", WithLocal));
        Assert.Equal("anthropic", ModelSpec.Parse("proxy:claude-haiku-4-5", WithLocal).Provider);
    }

    [Fact]
    public void Unknown_prefix_lists_valid_prefixes_and_existing_endpoints()
    {
        var e = Assert.Throws<BadInputException>(() => ModelSpec.Parse("antropic:claude-sonnet-4-5", WithLocal));
        Assert.Contains("'antropic'", e.Message);
        Assert.Contains("anthropic:, openai:, openai-compatible:", e.Fix);
        Assert.Contains("local, proxy", e.Fix);
    }

    [Fact]
    public void Unknown_prefix_without_endpoints_says_none_are_defined()
    {
        var e = Assert.Throws<BadInputException>(() => ModelSpec.Parse("vllm:qwen"));
        Assert.Contains("no endpoints are defined", e.Fix);
    }

    [Theory]
    [InlineData("", "empty model spec")]
    [InlineData("anthropic:", "names no model")]
    [InlineData("openai:gpt 5", "names no model")]
    [InlineData("openai-compatible:http://localhost:8000/v1", "no '#<model>'")]
    [InlineData("openai-compatible:localhost:8000#qwen", "invalid base URL")]
    [InlineData("openai-compatible:ftp://host/#qwen", "invalid base URL")]
    [InlineData("openai-compatible:http://host/v1#", "names no model after '#'")]
    public void Malformed_specs_are_bad_input_naming_the_problem(string spec, string problem)
    {
        var e = Assert.Throws<BadInputException>(() => ModelSpec.Parse(spec));
        Assert.Contains(problem, e.Message);
        Assert.False(string.IsNullOrEmpty(e.Fix));
    }

    [Fact]
    public void A_bare_claude_model_name_suggests_the_anthropic_prefix()
    {
        var e = Assert.Throws<BadInputException>(() => ModelSpec.Parse("claude-sonnet-4-5"));
        Assert.StartsWith("did you mean 'anthropic:claude-sonnet-4-5'?", e.Fix);
    }

    [Fact]
    public void Endpoint_without_default_model_needs_one_in_the_spec()
    {
        var e = Assert.Throws<BadInputException>(() => ModelSpec.Parse("proxy", WithLocal));
        Assert.Contains("endpoints.proxy.model", e.Fix);
    }
}

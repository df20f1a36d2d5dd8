using System.Security.Cryptography;
using System.Text;
using Crucible.Models.Caching;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Caching;

public sealed class RequestHasherTests
{
    private static ChatOptions Options() => new()
    {
        Temperature = 0.2f,
        ResponseFormat = ChatResponseFormat.ForJsonSchema(AIJsonUtilities.CreateJsonSchema(typeof(int)), "answer"),
        Tools = [AIFunctionFactory.Create((string path) => path.Length, "read_file", "reads a file")],
    };

    [Fact]
    public void Key_is_the_sha256_of_the_canonical_request_including_tool_schema_and_response_format()
    {
        var messages = new[] { new ChatMessage(ChatRole.User, new string('x', 300_000)) };
        var canonical = RequestHasher.Canonical("anthropic", "claude-sonnet-4-5", messages, Options());

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), RequestHasher.Key("anthropic", "claude-sonnet-4-5", messages, Options()));
        Assert.Contains("\"read_file\"", canonical);
        Assert.Contains("\"path\"", canonical); // the tool's parameter schema
        Assert.Contains("\"answer\"", canonical); // the response schema's name
    }

    [Fact]
    public void Equal_requests_built_separately_have_equal_keys()
    {
        ChatMessage[] Build() => [new(ChatRole.System, "s"), new(ChatRole.User, "u"), new(ChatRole.Assistant, [new FunctionCallContent("c1", "read_file", new Dictionary<string, object?> { ["path"] = "a.cs" })]), new(ChatRole.Tool, [new FunctionResultContent("c1", "12")])];
        Assert.Equal(RequestHasher.Key("openai", "gpt-5", Build(), Options()), RequestHasher.Key("openai", "gpt-5", Build(), Options()));
        Assert.NotEqual(RequestHasher.Key("openai", "gpt-5", Build(), Options()), RequestHasher.Key("openai", "gpt-5", Build(), null));
    }
}

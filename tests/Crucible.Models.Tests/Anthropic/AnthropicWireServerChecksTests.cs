using System.Text;
using System.Text.Json.Nodes;
using Crucible.Testing.Anthropic;

namespace Crucible.Models.Tests.Anthropic;

/// <summary>The local server must refuse what the real API refuses, or provider tests would pass against a lenient fake.</summary>
public sealed class AnthropicWireServerChecksTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Status, string Body)> PostAsync(AnthropicWireServer server, string json, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "v1/messages")) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static readonly (string, string) Version = ("anthropic-version", "2023-06-01");
    private static readonly (string, string) Bearer = ("authorization", "Bearer " + AnthropicTestConnections.Key);
    private const string Minimal = """{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task A_key_in_x_api_key_is_refused_when_the_bearer_header_is_expected()
    {
        await using var server = await AnthropicWireServer.StartAsync();

        var (status, body) = await PostAsync(server, Minimal, Version, ("x-api-key", AnthropicTestConnections.Key));

        Assert.Equal(401, status);
        Assert.Contains("authentication_error", body);
        Assert.Contains("(the key came in x-api-key)", Assert.Single(server.Violations));
    }

    [Fact]
    public async Task The_x_api_key_mode_accepts_older_clients()
    {
        await using var server = await AnthropicWireServer.StartAsync(keyHeader: AnthropicKeyHeader.XApiKey);
        server.Enqueue(AnthropicReply.Text("hello"));

        var (status, body) = await PostAsync(server, Minimal, Version, ("x-api-key", AnthropicTestConnections.Key));

        Assert.Equal(200, status);
        Assert.Equal("hello", (string?)JsonNode.Parse(body)!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task A_missing_or_unknown_api_version_is_refused()
    {
        await using var server = await AnthropicWireServer.StartAsync();

        var (missing, _) = await PostAsync(server, Minimal, Bearer);
        var (unknown, _) = await PostAsync(server, Minimal, Bearer, ("anthropic-version", "1999-01-01"));

        Assert.Equal((400, 400), (missing, unknown));
        Assert.Equal(2, server.Violations.Count);
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"bad name","input_schema":{"type":"object"}}]}""", "String should match pattern")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"ok","input_schema":{"type":"string"}}]}""", "input_schema.type")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":""}]}]}""", "text content blocks must be non-empty")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_x","content":"r"}]}]}""", "unexpected `tool_use_id`")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}}]}],"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"1h"}}],"tools":[{"name":"t","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral","ttl":"5m"}}]}""", "must not come after")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "max_tokens: Field required")]
    public async Task Requests_the_api_would_reject_get_a_400_with_its_message(string json, string message)
    {
        await using var server = await AnthropicWireServer.StartAsync();

        var (status, body) = await PostAsync(server, json, Version, Bearer);

        Assert.Equal(400, status);
        Assert.Contains(message, (string?)JsonNode.Parse(body)!["error"]!["message"]);
        Assert.Single(server.Violations);
    }
}

using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Support;

/// <summary>
/// Test double: the smallest OpenAI chat-completions client, sending through the connection's
/// <see cref="HttpClient"/> (so the retry layer is exercised) with the key as a bearer token. It
/// stands in for the real provider in tests of the layers around it; it is not a provider.
/// </summary>
public sealed class MinimalChatCompletionsClient(ProviderConnection connection) : IChatClient
{
    public ProviderConnection Connection { get; } = connection;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["model"] = Connection.Model,
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role.Value, ["content"] = m.Text })]),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Connection.BaseUrl!, "chat/completions")) { Content = JsonContent.Create(body) };
        if (Connection.ApiKey is { } key)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        using var response = await Connection.HttpClient.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var attempts = response.Headers.TryGetValues(Crucible.Models.Http.RetryingHandler.AttemptsHeader, out var a) ? int.Parse(a.First()) : 1;
        if (!response.IsSuccessStatusCode)
        {
            var message = JsonNode.Parse(text)?["error"]?["message"]?.GetValue<string>() ?? text;
            throw new ModelCallException(ModelErrorKind.ServerError, $"HTTP {(int)response.StatusCode}: {message}") { StatusCode = (int)response.StatusCode, Attempts = attempts };
        }
        var json = JsonNode.Parse(text)!;
        var usage = json["usage"];
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, json["choices"]![0]!["message"]!["content"]!.GetValue<string>()))
        {
            ModelId = json["model"]?.GetValue<string>(),
            Usage = usage is null ? null : new UsageDetails
            {
                InputTokenCount = usage["prompt_tokens"]!.GetValue<long>(),
                OutputTokenCount = usage["completion_tokens"]!.GetValue<long>(),
            },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>Canned OpenAI chat-completions answers for a <see cref="LocalHttpServer"/>.</summary>
public static class ChatCompletionsWire
{
    public static string Completion(string text, string model = "gpt-5", int promptTokens = 12, int completionTokens = 3) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        created = 1,
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
    });

    public static string Error(string message, string type = "invalid_request_error") => JsonSerializer.Serialize(new { error = new { message, type } });

    public static async Task Write(HttpContext context, int status, string body, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        await context.Response.WriteAsync(body);
    }
}

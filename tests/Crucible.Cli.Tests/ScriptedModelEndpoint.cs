using System.Globalization;
using System.Text.Json;
using Crucible.Testing.OpenAI;

namespace Crucible.Cli.Tests;

/// <summary>
/// A test double for a model that the real <c>crucible</c> process can reach: an <see cref="OpenAIWireServer"/>
/// playing a fixed script of chat-completion replies (tool calls the real agent executes), addressed through
/// the real OpenAI-compatible provider as <c>openai-compatible:&lt;base-url&gt;#scripted</c>. Never a model.
/// </summary>
public sealed class ScriptedModelEndpoint : IAsyncDisposable
{
    /// <summary>The model name the server serves.</summary>
    public const string Model = "scripted";

    /// <summary>Test price of the scripted model, USD per million input tokens.</summary>
    public const decimal InputPricePerMillion = 3m;

    /// <summary>Test price of the scripted model, USD per million output tokens.</summary>
    public const decimal OutputPricePerMillion = 15m;

    private ScriptedModelEndpoint(OpenAIWireServer server) => Server = server;

    /// <summary>The wire server (requests received, bodies, protocol violations).</summary>
    public OpenAIWireServer Server { get; }

    /// <summary>The model spec the CLI is given.</summary>
    public string Spec => $"openai-compatible:{Server.BaseUrl.ToString().TrimEnd('/')}#{Model}";

    /// <summary>Starts a keyless server that plays <paramref name="script"/>, one reply per request, in order.</summary>
    public static async Task<ScriptedModelEndpoint> StartAsync(params OpenAIReply[] script)
    {
        var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { Model = Model });
        foreach (var reply in script)
        {
            server.Enqueue(reply);
        }
        return new ScriptedModelEndpoint(server);
    }

    /// <summary>A scripted reply: optional text and tool calls, with the given token usage.</summary>
    public static CompletionReply Reply(string? text, int promptTokens, int completionTokens, params ScriptedToolCall[] calls) =>
        new() { Text = text, ToolCalls = calls, PromptTokens = promptTokens, CompletionTokens = completionTokens };

    /// <summary>A tool call with arguments serialised from <paramref name="arguments"/>.</summary>
    public static ScriptedToolCall Call(string tool, object arguments) => new(tool, JsonSerializer.Serialize(arguments));

    /// <summary>The dollars the test prices give for these token counts.</summary>
    public static decimal Cost(int inputTokens, int outputTokens) =>
        (inputTokens * InputPricePerMillion + outputTokens * OutputPricePerMillion) / 1_000_000m;

    /// <summary>The cost as the CLI prints it (<c>$0.0180</c>).</summary>
    public static string CostText(decimal dollars) => "$" + dollars.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes <c>.crucible/settings.json</c> in <paramref name="projectDirectory"/> naming a price file with the scripted
    /// model's test prices, so the run's cost is known (an unpriced model's cost is unknown).
    /// </summary>
    public static void WritePrices(string projectDirectory)
    {
        var state = Directory.CreateDirectory(Path.Combine(projectDirectory, ".crucible")).FullName;
        File.WriteAllText(Path.Combine(state, "prices.json"), JsonSerializer.Serialize(new
        {
            updated = "2026-11-30",
            models = new Dictionary<string, object>
            {
                [$"openai-compatible:{Model}"] = new { input = InputPricePerMillion, output = OutputPricePerMillion },
            },
        }));
        File.WriteAllText(Path.Combine(state, "settings.json"), """{ "prices": "prices.json" }""");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

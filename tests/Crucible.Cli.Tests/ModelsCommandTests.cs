using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Cli.Commands;
using Crucible.Core;
using Crucible.Models;
using Crucible.Testing;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Crucible.Cli.Tests;

public sealed class ModelsCommandTests : IDisposable
{
    private const string AnthropicKey = "sk-ant-api03-TESTKEY-0123456789";
    private const string OpenAIKey = "sk-proj-TESTKEY-abcdefghij";

    private readonly TempDirectory _home = new();
    private readonly TempDirectory _project = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose()
    {
        _home.Dispose();
        _project.Dispose();
    }

    private CliContext Context(Dictionary<string, string>? env = null, Func<ProviderConnection, IChatClient>? provider = null) =>
        new(new CliSetup
        {
            WorkingDirectory = _project.Path,
            Home = _home.Path,
            Environment = name => env?.GetValueOrDefault(name),
            Out = Console(_out),
            Err = Console(_err),
            ProviderFactory = provider,
        });

    private static IAnsiConsole Console(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 400;
        return console;
    }

    private string Output => _out.ToString() + _err.ToString();

    [Fact]
    public void Models_and_check_are_registered_on_the_root_command()
    {
        using var context = Context();
        var models = Assert.Single(CliApp.Build(context).Subcommands, c => c.Name == "models");
        Assert.Contains(models.Subcommands, c => c.Name == "check");
    }

    [Fact]
    public void List_shows_settings_models_env_detected_defaults_and_endpoints_without_keys()
    {
        _home.Write(".crucible/settings.json", """
            { "models": ["openai:gpt-5-mini"],
              "endpoints": { "local": { "base_url": "http://localhost:8000/v1", "model": "qwen3" } } }
            """);

        var code = ModelsCommand.List(Context(new() { ["ANTHROPIC_API_KEY"] = AnthropicKey, ["OPENAI_API_KEY"] = OpenAIKey }), json: false);

        Assert.Equal(ExitCodes.Ok, code);
        var lines = _out.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("openai:gpt-5-mini") && l.Contains("(SDK default)") && l.Contains("present (OPENAI_API_KEY)") && l.Contains("$0.25 / $2") && l.Contains("settings"));
        Assert.Contains(lines, l => l.Contains("anthropic:claude-sonnet-4-5") && l.Contains("present (ANTHROPIC_API_KEY)") && l.Contains("$3 / $15"));
        Assert.Contains(lines, l => l.Contains("local") && l.Contains("http://localhost:8000/v1") && l.Contains("not needed") && l.Contains("unknown (cost not tracked)") && l.Contains("endpoint 'local'"));
        Assert.DoesNotContain(lines, l => l.Contains("openai:gpt-5 ")); // the env default is not added when settings already name an openai model
        Assert.DoesNotContain(AnthropicKey, Output);
        Assert.DoesNotContain(OpenAIKey, Output);
    }

    [Fact]
    public void List_as_json_reports_missing_keys_with_the_variable_to_set()
    {
        _project.Write(".crucible/settings.json", """{ "models": ["anthropic:claude-haiku-4-5", "bogus:model"] }""");

        ModelsCommand.List(Context(), json: true);

        var models = JsonNode.Parse(_out.ToString())!["models"]!.AsArray();
        Assert.Equal("anthropic:claude-haiku-4-5", models[0]!["spec"]!.GetValue<string>());
        Assert.StartsWith("missing: set ANTHROPIC_API_KEY", models[0]!["key"]!.GetValue<string>());
        Assert.StartsWith("invalid: unknown provider or endpoint 'bogus'", models[1]!["error"]!.GetValue<string>());
    }

    [Fact]
    public void List_with_nothing_configured_says_how_to_configure()
    {
        Assert.Equal(ExitCodes.Ok, ModelsCommand.List(Context(), json: false));
        Assert.Contains("no models configured", _out.ToString());
        Assert.Contains("set ANTHROPIC_API_KEY or OPENAI_API_KEY", _err.ToString());
    }

    [Fact]
    public void Malformed_settings_are_bad_input_naming_the_file()
    {
        var file = _project.Write(".crucible/settings.json", "{ \"models\": [ }");
        var e = Assert.Throws<BadInputException>(() => ModelsCommand.List(Context(), json: false));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public async Task Check_reports_a_missing_key_naming_the_variable_and_exits_1()
    {
        var code = await ModelsCommand.CheckAsync(Context(), ["anthropic:claude-sonnet-4-5"], TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("FAILED", _out.ToString());
        Assert.Contains("fix: set ANTHROPIC_API_KEY", _out.ToString());
    }

    [Fact]
    public async Task Check_of_a_malformed_spec_is_bad_input_before_any_call()
    {
        var e = await Assert.ThrowsAsync<BadInputException>(() => ModelsCommand.CheckAsync(Context(), ["openai-compatible:no-url"], TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Contains("openai-compatible:<base-url>#<model>", e.Fix);
    }

    [Fact]
    public async Task Check_of_an_unreachable_base_url_names_the_url_and_the_fix()
    {
        var port = FreePort();
        var code = await ModelsCommand.CheckAsync(Context(), [$"openai-compatible:http://127.0.0.1:{port}/v1#qwen3"], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", _out.ToString());
        Assert.Contains("check the base URL", _out.ToString());
    }

    [Fact]
    public async Task Check_succeeds_with_the_real_openai_compatible_provider()
    {
        await using var server = await LocalHttpServer.StartAsync((_, ctx) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync("""{"id":"c1","object":"chat.completion","created":1,"model":"qwen3","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}""");
        });

        var code = await ModelsCommand.CheckAsync(Context(), [$"openai-compatible:{server.BaseUrl}v1#qwen3"], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("replied 'ok'", _out.ToString());
        Assert.EndsWith("/v1/chat/completions", server.Received.Single().Path);
    }

    [Fact]
    public async Task Check_reports_latency_for_a_model_that_answers_and_the_api_error_for_one_that_does_not()
    {
        await using var server = await LocalHttpServer.StartAsync(async (request, ctx) =>
        {
            var model = JsonNode.Parse(request.Body)!["model"]!.GetValue<string>();
            ctx.Response.ContentType = "application/json";
            if (model == "missing-model")
            {
                ctx.Response.StatusCode = 404;
                await ctx.Response.WriteAsync("""{"error":{"message":"The model `missing-model` does not exist","type":"invalid_request_error"}}""");
                return;
            }
            await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { model, choices = new[] { new { index = 0, message = new { role = "assistant", content = "ok" }, finish_reason = "stop" } }, usage = new { prompt_tokens = 12, completion_tokens = 1 } }));
        });
        _home.Write(".crucible/settings.json", $$"""{ "endpoints": { "lab": { "base_url": "{{server.BaseUrl}}v1/" } } }""");

        var code = await ModelsCommand.CheckAsync(Context(), ["lab:qwen3", "lab:missing-model"], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Failure, code);
        var lines = _out.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("lab:qwen3") && l.Contains(" ok ") && l.Contains(" ms") && l.Contains("replied 'ok'"));
        Assert.Contains(lines, l => l.Contains("lab:missing-model") && l.Contains("FAILED") && l.Contains("HTTP 404") && l.Contains("The model `missing-model` does not exist"));
        Assert.Contains("1 of 2 model(s) failed", _out.ToString());
        var sent = server.Received.First(r => r.Body.Contains("qwen3"));
        Assert.Contains(ModelsCommand.CheckPrompt, sent.Body);
    }

    [Fact]
    public async Task Check_without_specs_checks_the_configured_models_and_exits_0_when_all_answer()
    {
        await using var server = await LocalHttpServer.StartAsync((_, ctx) =>
        {
            ctx.Response.ContentType = "application/json";
            return ctx.Response.WriteAsync("""{"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""");
        });
        _project.Write(".crucible/settings.json", $$"""{ "endpoints": { "a": { "base_url": "{{server.BaseUrl}}", "model": "m1" }, "b": { "base_url": "{{server.BaseUrl}}", "model": "m2" } } }""");

        var code = await ModelsCommand.CheckAsync(Context(), [], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(2, server.Received.Count);
        Assert.Contains("2 model(s) answered", _out.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

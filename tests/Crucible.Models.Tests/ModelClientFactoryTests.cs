using System.Collections.Concurrent;
using Crucible.Core;
using Crucible.Models.Anthropic;
using Crucible.Models.Caching;
using Crucible.Models.Http;
using Crucible.Models.OpenAI;
using Crucible.Models.Settings;
using Crucible.Models.Tests.Support;
using Crucible.Models.Usage;
using Crucible.Testing;
using Crucible.Testing.Http;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests;

public sealed class ModelClientFactoryTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    private static ModelClientFactory Factory(CrucibleSettings? settings = null, Func<string, string?>? env = null, string? cache = null, CapturingLogger? logger = null, RetryPolicy? policy = null) => new(new ModelClientFactoryOptions
    {
        Settings = settings ?? CrucibleSettings.Empty,
        Environment = env ?? Env(),
        CachePath = cache,
        Logger = logger,
        RetryPolicy = policy,
        RetryDelay = (_, _) => Task.CompletedTask,
        ProviderFactory = c => new MinimalChatCompletionsClient(c),
    });

    [Fact]
    public void Missing_anthropic_key_is_bad_input_naming_the_variable()
    {
        using var factory = Factory();
        var e = Assert.Throws<BadInputException>(() => factory.Create("anthropic:claude-sonnet-4-5"));
        Assert.Contains("no API key for anthropic:claude-sonnet-4-5", e.Message);
        Assert.StartsWith("set ANTHROPIC_API_KEY", e.Fix);
        Assert.Contains("OPENAI_API_KEY", Assert.Throws<BadInputException>(() => factory.Create("openai:gpt-5")).Fix);
    }

    [Fact]
    public void Environment_wins_over_settings_for_key_and_base_url()
    {
        var settings = new CrucibleSettings { Anthropic = new ProviderSettings { ApiKey = "settings-key-123456", BaseUrl = new Uri("https://settings.example/") } };
        using var withEnv = Factory(settings, Env(("ANTHROPIC_API_KEY", "env-key-1234567890"), ("ANTHROPIC_BASE_URL", "https://env.example/")));
        var c = withEnv.Resolve(withEnv.Parse("anthropic:claude-sonnet-4-5"));
        Assert.Equal(("env-key-1234567890", new Uri("https://env.example/"), "ANTHROPIC_API_KEY"), (c.ApiKey, c.BaseUrl, c.ApiKeyVariable));

        using var settingsOnly = Factory(settings);
        c = settingsOnly.Resolve(settingsOnly.Parse("anthropic:claude-sonnet-4-5"));
        Assert.Equal(("settings-key-123456", new Uri("https://settings.example/")), (c.ApiKey, c.BaseUrl));
    }

    [Fact]
    public void Api_key_env_in_settings_is_read_when_the_standard_variable_is_unset()
    {
        var settings = new CrucibleSettings { OpenAI = new ProviderSettings { ApiKeyEnv = "TEAM_OPENAI_KEY", ApiKey = "file-key-123456789" } };
        using var factory = Factory(settings, Env(("TEAM_OPENAI_KEY", "team-key-123456789")));
        var c = factory.Resolve(factory.Parse("openai:gpt-5"));
        Assert.Equal(("team-key-123456789", "TEAM_OPENAI_KEY", (Uri?)null), (c.ApiKey, c.ApiKeyVariable, c.BaseUrl));
    }

    [Fact]
    public void Openai_compatible_needs_no_key_and_never_gets_the_openai_key()
    {
        using var factory = Factory(env: Env(("OPENAI_API_KEY", "sk-real-openai-key-123"), ("OPENAI_BASE_URL", "https://elsewhere.example/")));
        var c = factory.Resolve(factory.Parse("openai-compatible:http://localhost:8000/v1#qwen3"));
        Assert.Equal((null, new Uri("http://localhost:8000/v1"), "qwen3"), (c.ApiKey, c.BaseUrl, c.Model));
    }

    [Fact]
    public void Named_endpoint_uses_its_key_variable_options_and_fails_clearly_when_the_variable_is_unset()
    {
        var settings = new CrucibleSettings
        {
            Endpoints = new Dictionary<string, EndpointSettings>
            {
                ["vllm"] = new() { BaseUrl = new Uri("http://gpu:8000/v1"), ApiKeyEnv = "VLLM_KEY", Model = "qwen3", Options = new Dictionary<string, string> { ["tool_calls"] = "text" } },
            },
        };
        using var factory = Factory(settings, Env(("VLLM_KEY", "vllm-key-1234567")));
        var c = factory.Resolve(factory.Parse("vllm"));
        Assert.Equal(("vllm-key-1234567", "VLLM_KEY", new Uri("http://gpu:8000/v1"), "text"), (c.ApiKey, c.ApiKeyVariable, c.BaseUrl, c.Options["tool_calls"]));

        using var without = Factory(settings);
        var e = Assert.Throws<BadInputException>(() => without.Create("vllm"));
        Assert.StartsWith("set VLLM_KEY", e.Fix);
    }

    [Fact]
    public void Malformed_base_url_variable_is_bad_input()
    {
        using var factory = Factory(env: Env(("OPENAI_API_KEY", "k-123456789"), ("OPENAI_BASE_URL", "not a url")));
        Assert.Contains("OPENAI_BASE_URL", Assert.Throws<BadInputException>(() => factory.Create("openai:gpt-5")).Message);
    }

    [Fact]
    public void Default_providers_are_the_anthropic_and_openai_clients_over_the_retrying_http_client()
    {
        using var factory = new ModelClientFactory(new ModelClientFactoryOptions { Environment = Env(("ANTHROPIC_API_KEY", "a-key-123456789"), ("OPENAI_API_KEY", "o-key-123456789")) });
        var anthropic = factory.Create("anthropic:claude-sonnet-4-5");
        Assert.IsType<UsageRecordingChatClient>(anthropic);
        Assert.Same(factory.HttpClient, anthropic.GetService<AnthropicChatClient>()!.Connection.HttpClient);
        Assert.NotNull(factory.Create("openai:gpt-5").GetService<OpenAICompatibleChatClient>());
        Assert.NotNull(factory.Create("openai-compatible:http://localhost:1/v1#m").GetService<OpenAICompatibleChatClient>());
        Assert.Null(anthropic.GetService<CachingChatClient>());
    }

    [Fact]
    public void For_project_loads_settings_prices_and_the_default_cache_path()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        home.Write(".crucible/prices.json", """{ "models": { "qwen3": { "input": 0.5, "output": 1 } } }""");
        project.Write(".crucible/settings.json", """{ "endpoints": { "local": { "base_url": "http://localhost:8000/v1", "model": "qwen3" } } }""");

        using var factory = ModelClientFactory.ForProject(project.Path, cache: true, homeDirectory: home.Path);

        Assert.Equal("local", factory.Parse("local").Endpoint);
        Assert.Equal(0.5m, factory.Options.Prices.Find("qwen3")!.Input);
        Assert.Equal(Path.Combine(project.Path, ".crucible", "response-cache.db"), factory.Options.CachePath);
        using var plain = ModelClientFactory.ForProject(project.Path, homeDirectory: home.Path);
        Assert.Null(plain.Options.CachePath);
    }

    [Fact]
    public async Task Calls_go_through_retries_and_are_recorded_with_cost()
    {
        var statuses = new ConcurrentQueue<int>([429, 503]);
        await using var server = await LocalHttpServer.StartAsync((_, ctx) =>
            statuses.TryDequeue(out var s)
                ? ChatCompletionsWire.Write(ctx, s, ChatCompletionsWire.Error("busy"))
                : ChatCompletionsWire.Write(ctx, 200, ChatCompletionsWire.Completion("pong", "gpt-5", promptTokens: 1_000_000, completionTokens: 100_000)));
        var settings = new CrucibleSettings { OpenAI = new ProviderSettings { BaseUrl = server.BaseUrl } };
        using var factory = Factory(settings, Env(("OPENAI_API_KEY", "sk-test-key-abcdef123")));

        var response = await factory.Create("openai:gpt-5").GetResponseAsync("ping", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("pong", response.Text);
        Assert.Equal(3, server.Received.Count);
        Assert.All(server.Received, r => Assert.Equal("Bearer sk-test-key-abcdef123", r.Headers["authorization"]));
        // 1M x $1.25 + 100k x $10 = 1.25 + 1.00
        Assert.Equal(2.25m, Assert.Single(factory.Ledger.Records).CostUsd);
    }

    [Fact]
    public async Task With_cache_a_rerun_replays_with_zero_http_calls_and_zero_cost()
    {
        using var dir = new TempDirectory();
        await using var server = await LocalHttpServer.StartAsync((_, ctx) => ChatCompletionsWire.Write(ctx, 200, ChatCompletionsWire.Completion("cached answer", promptTokens: 1_000_000, completionTokens: 0)));
        var spec = $"openai-compatible:{server.BaseUrl}v1/#gpt-5";

        using (var firstRun = Factory(cache: dir["cache.db"]))
        {
            Assert.Equal("cached answer", (await firstRun.Create(spec).GetResponseAsync("q", cancellationToken: TestContext.Current.CancellationToken)).Text);
        }
        Assert.Single(server.Received);

        using var rerun = Factory(cache: dir["cache.db"]);
        var client = rerun.Create(spec);
        Assert.NotNull(client.GetService<CachingChatClient>());
        Assert.Equal("cached answer", (await client.GetResponseAsync("q", cancellationToken: TestContext.Current.CancellationToken)).Text);
        var streamed = "";
        await foreach (var u in client.GetStreamingResponseAsync("q", cancellationToken: TestContext.Current.CancellationToken))
        {
            streamed += u.Text;
        }

        Assert.Equal("cached answer", streamed);
        Assert.Single(server.Received); // no further HTTP call
        Assert.All(rerun.Ledger.Records, r => Assert.Equal((true, 0m), (r.Cached, r.CostUsd)));
        Assert.Equal(0m, rerun.Ledger.Totals.CostUsd);
    }

    [Fact]
    public async Task No_key_appears_in_any_log_line_or_exception_even_when_calls_fail()
    {
        const string key = "sk-proj-SECRETKEY0123456789abcdef";
        const string localKey = "local-token-98765432";
        var logger = new CapturingLogger();
        var script = new ConcurrentQueue<(int, string)>([
            (429, ChatCompletionsWire.Error("slow down")),
            (500, ChatCompletionsWire.Error($"internal error for key {key}")),
            (401, ChatCompletionsWire.Error($"Incorrect API key provided: {key}", "invalid_api_key")),
            (401, ChatCompletionsWire.Error($"bad token {localKey}", "invalid_api_key")),
        ]);
        await using var server = await LocalHttpServer.StartAsync((_, ctx) =>
            script.TryDequeue(out var s) ? ChatCompletionsWire.Write(ctx, s.Item1, s.Item2) : ChatCompletionsWire.Write(ctx, 200, ChatCompletionsWire.Completion("ok")));
        var settings = new CrucibleSettings
        {
            OpenAI = new ProviderSettings { BaseUrl = new Uri(server.BaseUrl, $"v1/?api-key={key}") },
            Endpoints = new Dictionary<string, EndpointSettings> { ["local"] = new() { BaseUrl = new Uri(server.BaseUrl, "v1/"), ApiKey = localKey, Model = "m" } },
        };
        using var factory = Factory(settings, Env(("OPENAI_API_KEY", key)), logger: logger, policy: RetryPolicy.Default with { MaxAttempts = 3 });
        var messages = new List<string>();

        messages.Add((await Assert.ThrowsAsync<ModelCallException>(() => factory.Create("openai:gpt-5").GetResponseAsync("a", cancellationToken: TestContext.Current.CancellationToken))).ToString());
        messages.Add((await Assert.ThrowsAsync<ModelCallException>(() => factory.Create("local").GetResponseAsync("b", cancellationToken: TestContext.Current.CancellationToken))).ToString());
        var unreachable = new CrucibleSettings { OpenAI = new ProviderSettings { BaseUrl = new Uri($"http://127.0.0.1:9/v1/?key={key}") } };
        using var down = Factory(unreachable, Env(("OPENAI_API_KEY", key)), logger: logger, policy: RetryPolicy.Default with { MaxAttempts = 2 });
        messages.Add((await Assert.ThrowsAsync<ModelCallException>(() => down.Create("openai:gpt-5").GetResponseAsync("c", cancellationToken: TestContext.Current.CancellationToken))).ToString());
        messages.AddRange(factory.Ledger.Records.Concat(down.Ledger.Records).Select(r => r.ToString()));

        Assert.NotEmpty(logger.Lines);
        Assert.Contains(logger.Lines, l => l.Contains("retry", StringComparison.Ordinal));
        foreach (var text in logger.Lines.Concat(messages))
        {
            Assert.DoesNotContain(key, text);
            Assert.DoesNotContain(key[..16], text);
            Assert.DoesNotContain(localKey, text);
        }
    }
}

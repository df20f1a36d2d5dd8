using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Crucible.Core;
using Crucible.Models;
using Crucible.Models.Http;
using Crucible.Models.Pricing;
using Crucible.Models.Settings;
using Crucible.Models.Specs;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible models</c>: list the configured models; <c>crucible models check [SPEC...]</c>: make one tiny
/// call to each and report its latency or the exact error (exit 1 if any check fails).
/// </summary>
internal static class ModelsCommand
{
    /// <summary>The prompt of a check: short, so the call costs next to nothing.</summary>
    internal const string CheckPrompt = "Reply with the single word: ok";

    /// <summary>Output cap of a check call.</summary>
    internal const int CheckMaxOutputTokens = 16;

    /// <summary>Default per-model timeout of a check.</summary>
    internal static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Model listed for a provider whose key is present when settings name none.</summary>
    internal static readonly IReadOnlyDictionary<string, string> DefaultModels = new Dictionary<string, string>
    {
        [ModelProviders.Anthropic] = "claude-sonnet-4-5",
        [ModelProviders.OpenAI] = "gpt-5",
    };

    /// <summary>One configured model and where it came from.</summary>
    internal sealed record Configured(string Spec, string Source);

    public static Command Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("models", "List the configured models: provider, base URL and whether a key is present (keys are never shown).") { json };
        context.SetAction(command, (parse, _) => Task.FromResult(List(context, parse.GetValue(json))));

        var specs = new Argument<string[]>("SPEC") { Description = "Model specs to check (default: every configured model), e.g. anthropic:claude-sonnet-4-5", Arity = ArgumentArity.ZeroOrMore };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each model", DefaultValueFactory = _ => (int)DefaultCheckTimeout.TotalSeconds };
        var check = new Command("check", "Make one tiny call to each model and report its latency or the exact error; exits 1 if any check fails.") { specs, timeout };
        context.SetAction(check, (parse, ct) => CheckAsync(context, parse.GetValue(specs) ?? [], TimeSpan.FromSeconds(parse.GetValue(timeout)), ct));
        command.Subcommands.Add(check);
        return command;
    }

    /// <summary>The configured models: <c>models</c> from settings, then each provider whose key is present, then each endpoint with a default model.</summary>
    internal static IReadOnlyList<Configured> ConfiguredModels(CrucibleSettings settings, Func<string, string?> env)
    {
        var list = new List<Configured>();
        void Add(string spec, string source)
        {
            if (!list.Any(c => c.Spec == spec))
            {
                list.Add(new Configured(spec, source));
            }
        }
        foreach (var spec in settings.Models)
        {
            Add(spec, "settings");
        }
        foreach (var (provider, section, variable) in new[] { (ModelProviders.Anthropic, settings.Anthropic, "ANTHROPIC_API_KEY"), (ModelProviders.OpenAI, settings.OpenAI, "OPENAI_API_KEY") })
        {
            var hasKey = !string.IsNullOrWhiteSpace(env(variable)) || section.ApiKey is not null || (section.ApiKeyEnv is { } v && !string.IsNullOrWhiteSpace(env(v)));
            if (hasKey && !list.Any(c => c.Spec.StartsWith(provider + ":", StringComparison.Ordinal)))
            {
                Add($"{provider}:{section.DefaultModel ?? DefaultModels[provider]}", string.IsNullOrWhiteSpace(env(variable)) ? "key in settings" : variable);
            }
        }
        foreach (var (name, endpoint) in settings.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (endpoint.Model is not null && !list.Any(c => c.Spec == name || c.Spec.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                Add(name, $"endpoint '{name}'");
            }
        }
        return list;
    }

    internal static int List(CliContext ctx, bool json)
    {
        var settings = SettingsLoader.Load(ctx.Setup.Home, ctx.WorkingDirectory);
        using var factory = new ModelClientFactory(new ModelClientFactoryOptions { Settings = settings, Environment = ctx.Setup.Environment, Prices = PriceTable.Load(settings, ctx.Setup.Home) });
        var rows = ConfiguredModels(settings, ctx.Setup.Environment).Select(c => Describe(factory, c)).ToList();
        if (json)
        {
            ctx.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { settings = settings.Sources, models = rows }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return ExitCodes.Ok;
        }
        if (rows.Count == 0)
        {
            ctx.Out.MarkupLine("no models configured");
            ctx.Err.MarkupLine($"[yellow]fix:[/] set ANTHROPIC_API_KEY or OPENAI_API_KEY, or add \"models\" or \"endpoints\" to {Markup.Escape(SettingsLoader.UserFile("~"))} (see docs/models.md)");
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumn("model").AddColumn("provider").AddColumn("base URL").AddColumn("key").AddColumn("price in/out per MTok").AddColumn("from");
        foreach (var r in rows)
        {
            table.AddRow(Markup.Escape(r.Spec), Markup.Escape(r.Provider ?? ""), Markup.Escape(r.BaseUrl ?? ""), r.Error is null ? Markup.Escape(r.Key) : $"[red]{Markup.Escape(r.Error)}[/]", Markup.Escape(r.Price ?? ""), Markup.Escape(r.Source));
        }
        ctx.Out.Write(table);
        ctx.Out.MarkupLine($"[grey]settings: {Markup.Escape(settings.Sources.Count == 0 ? "none found" : string.Join(", ", settings.Sources))}[/]");
        return ExitCodes.Ok;
    }

    /// <summary>A listing row; it never holds a key.</summary>
    internal sealed record Row(string Spec, string? Provider, string? BaseUrl, string Key, string Source, string? Error, string? Price = null);

    private static Row Describe(ModelClientFactory factory, Configured c)
    {
        ModelSpec spec;
        try
        {
            spec = factory.Parse(c.Spec);
        }
        catch (BadInputException e)
        {
            return new Row(c.Spec, null, null, "", c.Source, $"invalid: {e.Message}");
        }
        try
        {
            var connection = factory.Resolve(spec);
            var key = connection.ApiKey is null ? "not needed" : $"present ({connection.ApiKeyVariable ?? "settings"})";
            return new Row(c.Spec, spec.Provider, factory.Redactor.Redact(connection.BaseUrl?.ToString() ?? "(SDK default)"), key, c.Source, null, Price(factory, spec));
        }
        catch (BadInputException e)
        {
            return new Row(c.Spec, spec.Provider, spec.BaseUrl?.ToString(), $"missing: {e.Fix}", c.Source, null, Price(factory, spec));
        }
    }

    private static string Price(ModelClientFactory factory, ModelSpec spec) =>
        factory.Options.Prices.Find(spec.Model, spec.Provider) is { } p
            ? string.Create(CultureInfo.InvariantCulture, $"${p.Input:0.###} / ${p.Output:0.###}")
            : "unknown (cost not tracked)";

    /// <summary>One check's outcome.</summary>
    internal sealed record CheckResult(string Spec, bool Ok, TimeSpan? Latency, string Detail, string? Fix);

    internal static async Task<int> CheckAsync(CliContext ctx, IReadOnlyList<string> requested, TimeSpan timeout, CancellationToken ct)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new BadInputException($"--timeout must be positive (got {timeout.TotalSeconds} s)", "pass a number of seconds, e.g. --timeout 30");
        }
        var settings = SettingsLoader.Load(ctx.Setup.Home, ctx.WorkingDirectory);
        // A check is one try: retrying would hide the error the user asked to see.
        using var factory = new ModelClientFactory(new ModelClientFactoryOptions
        {
            Settings = settings,
            Environment = ctx.Setup.Environment,
            RetryPolicy = RetryPolicy.NoRetries with { PerTryTimeout = timeout },
            ProviderFactory = ctx.Setup.ProviderFactory,
        });
        var specs = requested.Count > 0 ? requested : ConfiguredModels(settings, ctx.Setup.Environment).Select(c => c.Spec).ToList();
        if (specs.Count == 0)
        {
            throw new BadInputException("no models to check: none given and none configured", "pass a spec, e.g. 'crucible models check anthropic:claude-sonnet-4-5', or configure models (see 'crucible models')");
        }
        // Malformed specs named on the command line are bad input before any call is made.
        var parsed = specs.Select(s => requested.Count > 0 ? factory.Parse(s) : null).ToList();

        var results = new List<CheckResult>();
        for (var i = 0; i < specs.Count; i++)
        {
            ctx.Err.MarkupLine($"[grey]checking {Markup.Escape(specs[i])}...[/]");
            results.Add(await CheckOneAsync(factory, specs[i], parsed[i], timeout, ct));
        }

        var table = new Table().AddColumn("model").AddColumn("result").AddColumn("latency").AddColumn("detail");
        foreach (var r in results)
        {
            var detail = r.Fix is null ? r.Detail : $"{r.Detail} (fix: {r.Fix})";
            table.AddRow(Markup.Escape(r.Spec), r.Ok ? "[green]ok[/]" : "[red]FAILED[/]", r.Latency is { } l ? $"{l.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms" : "", Markup.Escape(detail));
        }
        ctx.Out.Write(table);
        var failed = results.Count(r => !r.Ok);
        ctx.Out.MarkupLine(failed == 0 ? $"{results.Count} model(s) answered" : $"[red]{failed} of {results.Count} model(s) failed[/]");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static async Task<CheckResult> CheckOneAsync(ModelClientFactory factory, string text, ModelSpec? spec, TimeSpan timeout, CancellationToken ct)
    {
        IChatClient client;
        ProviderConnection connection;
        try
        {
            spec ??= factory.Parse(text);
            connection = factory.Resolve(spec);
            client = factory.Create(spec);
        }
        catch (BadInputException e)
        {
            return new CheckResult(text, false, null, e.Message, e.Fix);
        }
        using (client)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(timeout);
            var clock = Stopwatch.StartNew();
            try
            {
                var response = await client.GetResponseAsync(CheckPrompt, new ChatOptions { MaxOutputTokens = CheckMaxOutputTokens }, deadline.Token);
                var reply = response.Text.Trim();
                return new CheckResult(text, true, clock.Elapsed, $"replied '{(reply.Length > 40 ? reply[..40] + "…" : reply)}'", null);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new CheckResult(text, false, null, $"no answer from {Where(connection)} within {timeout.TotalSeconds:0.#} s", "check the server is up, or raise --timeout");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var (detail, fix) = Explain(e, connection);
                return new CheckResult(text, false, null, factory.Redactor.Redact(detail), fix is null ? null : factory.Redactor.Redact(fix));
            }
        }
    }

    /// <summary>The message and fix for a failed check, from the most specific exception in the chain.</summary>
    internal static (string Detail, string? Fix) Explain(Exception e, ProviderConnection connection)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case ModelCallException m:
                    var status = m.StatusCode is { } s ? $" (HTTP {s}{(m.ApiErrorType is { } t ? $" {t}" : "")})" : "";
                    return ($"{m.Kind}{status}: {m.Message}", m.Fix ?? FixFor(m.Kind, connection));
                case HttpRequestException h:
                    return ($"cannot reach {Where(connection)}: {Innermost(h).Message}", "check the base URL and that the server is running and reachable");
            }
        }
        return ($"{e.GetType().Name}: {e.Message}", null);
    }

    private static string? FixFor(ModelErrorKind kind, ProviderConnection c) => kind switch
    {
        ModelErrorKind.Authentication => c.ApiKeyVariable is { } v ? $"check the key in {v}" : "check the key in settings",
        ModelErrorKind.NotFound => $"check the model name '{c.Model}' (and the base URL)",
        ModelErrorKind.Network => "check the base URL and that the server is running and reachable",
        _ => null,
    };

    private static string Where(ProviderConnection c) => c.BaseUrl?.GetLeftPart(UriPartial.Authority) ?? $"the {c.Provider} API";

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}

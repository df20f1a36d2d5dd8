using System.Text.Json;
using Crucible.Core;
using Crucible.Models.Settings;
using Crucible.Testing;

namespace Crucible.Models.Tests.Settings;

public sealed class SettingsLoaderTests
{
    [Fact]
    public void Missing_files_give_empty_settings()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        var settings = SettingsLoader.Load(home.Path, project.Path);
        Assert.Empty(settings.Models);
        Assert.Empty(settings.Endpoints);
        Assert.Empty(settings.Sources);
    }

    [Fact]
    public void Project_settings_override_user_settings_key_by_key()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        home.Write(".crucible/settings.json", """
            {
              // comments are allowed
              "models": ["anthropic:claude-sonnet-4-5", "openai:gpt-5"],
              "anthropic": { "api_key": "user-key-0123456789", "base_url": "https://user.example/" },
              "endpoints": { "local": { "base_url": "http://localhost:8000/v1", "model": "qwen3", "options": { "tool_calls": "text" } } },
              "retry": { "max_attempts": 7 },
            }
            """);
        project.Write(".crucible/settings.json", """
            {
              "models": ["local"],
              "anthropic": { "base_url": "https://project.example/" },
              "endpoints": { "local": { "model": "qwen3-coder" } }
            }
            """);

        var s = SettingsLoader.Load(home.Path, project.Path);

        Assert.Equal(["local"], s.Models); // lists are replaced, not concatenated
        Assert.Equal(new ProviderSettings { ApiKey = "user-key-0123456789", BaseUrl = new Uri("https://project.example/") } with { Options = s.Anthropic.Options }, s.Anthropic);
        var local = s.Endpoints["local"];
        Assert.Equal((new Uri("http://localhost:8000/v1"), "qwen3-coder", "text"), (local.BaseUrl, local.Model, local.Options["tool_calls"]));
        Assert.Equal(7, s.Retry.MaxAttempts);
        Assert.Equal([SettingsLoader.UserFile(home.Path), SettingsLoader.ProjectFile(project.Path)], s.Sources);
    }

    [Fact]
    public void Malformed_json_names_the_file_and_line()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        var file = project.Write(".crucible/settings.json", "{\n  \"models\": [\"openai:gpt-5\"]\n  \"anthropic\": {}\n}\n");
        var e = Assert.Throws<BadInputException>(() => SettingsLoader.Load(home.Path, project.Path));
        Assert.Contains(file, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains(file, e.Fix);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_file_and_the_json_path()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        var file = home.Write(".crucible/settings.json", """{ "models": "openai:gpt-5" }""");
        var e = Assert.Throws<BadInputException>(() => SettingsLoader.Load(home.Path, project.Path));
        Assert.Contains(file, e.Message);
        Assert.Contains("$.models", e.Message);
    }

    [Fact]
    public void Unknown_sections_are_kept_and_readable_by_other_areas()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        project.Write(".crucible/settings.json", """{ "permissions": { "allow": ["bash"], "mode": "ask" }, "network": false }""");
        var s = SettingsLoader.Load(home.Path, project.Path);
        var permissions = s.Section<PermissionsSection>("permissions")!;
        Assert.Equal(["bash"], permissions.Allow);
        Assert.Equal("ask", permissions.Mode);
        Assert.Equal(JsonValueKind.False, s.Sections["network"].ValueKind);
        Assert.Null(s.Section<PermissionsSection>("tests"));
    }

    [Fact]
    public void Endpoint_named_like_a_builtin_prefix_is_rejected()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        project.Write(".crucible/settings.json", """{ "endpoints": { "openai": { "base_url": "http://localhost:1/" } } }""");
        var e = Assert.Throws<BadInputException>(() => SettingsLoader.Load(home.Path, project.Path));
        Assert.Contains("built-in provider prefix", e.Message);
    }

    [Fact]
    public void Endpoint_without_base_url_or_with_relative_url_is_rejected()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        project.Write(".crucible/settings.json", """{ "endpoints": { "local": { "model": "x" } } }""");
        Assert.Contains("has no base_url", Assert.Throws<BadInputException>(() => SettingsLoader.Load(home.Path, project.Path)).Message);
        project.Write(".crucible/settings.json", """{ "endpoints": { "local": { "base_url": "localhost/v1" } } }""");
        Assert.Contains("not an absolute http(s) URL", Assert.Throws<BadInputException>(() => SettingsLoader.Load(home.Path, project.Path)).Message);
    }

    [Fact]
    public void Relative_price_path_is_resolved_next_to_the_settings_file_and_tilde_to_home()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        project.Write(".crucible/settings.json", """{ "prices": "my-prices.json" }""");
        Assert.Equal(Path.Combine(project.Path, ".crucible", "my-prices.json"), SettingsLoader.Load(home.Path, project.Path).PricesPath);
        project.Write(".crucible/settings.json", """{ "prices": "~/p.json" }""");
        Assert.Equal(Path.Combine(home.Path, "p.json"), SettingsLoader.Load(home.Path, project.Path).PricesPath);
    }

    [Fact]
    public void ToString_never_prints_keys()
    {
        using var home = new TempDirectory();
        using var project = new TempDirectory();
        home.Write(".crucible/settings.json", """{ "anthropic": { "api_key": "sk-ant-secret-value-123" }, "endpoints": { "e": { "base_url": "http://h/", "api_key": "endpoint-secret-456" } } }""");
        var s = SettingsLoader.Load(home.Path, project.Path);
        var text = string.Join("\n", s.ToString(), s.Anthropic.ToString(), s.Endpoints["e"].ToString());
        Assert.DoesNotContain("sk-ant-secret-value-123", text);
        Assert.DoesNotContain("endpoint-secret-456", text);
    }

    public sealed record PermissionsSection
    {
        public IReadOnlyList<string> Allow { get; init; } = [];
        public string? Mode { get; init; }
    }
}

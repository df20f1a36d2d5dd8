using System.Text.Json;
using Crucible.Agent.Permissions;
using Crucible.Core;

namespace Crucible.Agent.Tests.Permissions;

public sealed class PermissionSettingsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void Settings_document_sets_mode_rules_and_test_edits()
    {
        var settings = PermissionSettings.FromSettings(Json("""
            { "permissions": { "mode": "auto-edit", "allow": ["bash(git status*)"], "deny": ["read(**/*.env)"], "allowTestEdits": true }, "model": "x" }
            """));

        Assert.Equal(
            (PermissionMode.AutoEdit, "bash(git status*)", "read(**/*.env)", true),
            (settings.Mode, Assert.Single(settings.Allow), Assert.Single(settings.Deny), settings.AllowTestEdits));
    }

    [Fact]
    public void Missing_section_keeps_the_defaults()
    {
        Assert.Same(PermissionSettings.Default, PermissionSettings.FromSettings(Json("{}")));
    }

    [Theory]
    [InlineData("""{ "permissions": { "mode": "yolo" } }""", "Permission mode 'yolo' is not known.")]
    [InlineData("""{ "permissions": { "allow": "bash" } }""", "settings key permissions.allow must be a list of strings")]
    [InlineData("""{ "permissions": { "deny": ["bash(rm *"] } }""", "Permission rule 'bash(rm *' is not valid.")]
    [InlineData("""{ "permissions": { "allowTestEdits": "yes" } }""", "settings key permissions.allowTestEdits must be true or false")]
    [InlineData("""{ "permissions": [] }""", "settings key permissions must be an object")]
    public void Bad_settings_name_the_problem_and_the_fix(string json, string message)
    {
        var e = Assert.Throws<BadInputException>(() => PermissionSettings.FromSettings(Json(json)));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(e.Fix));
    }

    [Theory]
    [InlineData("ask", PermissionMode.Ask)]
    [InlineData("Auto-Edit", PermissionMode.AutoEdit)]
    [InlineData("auto", PermissionMode.Auto)]
    public void Mode_names_round_trip(string name, PermissionMode mode)
    {
        Assert.Equal(mode, PermissionModes.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), mode.ToName());
    }
}

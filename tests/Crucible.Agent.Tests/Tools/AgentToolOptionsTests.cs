using System.Text.Json;
using Crucible.Agent.Tools;
using Crucible.Core;

namespace Crucible.Agent.Tests.Tools;

public sealed class AgentToolOptionsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void Tool_settings_read_network_and_test_command()
    {
        var options = AgentToolOptions.FromSettings(Json("""
            { "sandbox": { "network": false, "networkCommands": ["npm install*"] }, "testCommand": "make test" }
            """));

        Assert.Equal(AgentToolOptions.Default with { NetworkCommands = options.NetworkCommands, TestCommand = "make test" }, options);
        Assert.Equal(["npm install*"], options.NetworkCommands);
        Assert.Throws<BadInputException>(() => AgentToolOptions.FromSettings(Json("""{ "sandbox": { "network": "on" } }""")));
    }

    [Fact]
    public void Settings_without_tool_keys_keep_the_defaults()
    {
        Assert.Same(AgentToolOptions.Default, AgentToolOptions.FromSettings(Json("""{ "permissions": {} }""")));
    }

    [Fact]
    public void Context_factory_builds_the_command_policy_for_the_workspace()
    {
        using var ws = new Crucible.Testing.TempDirectory();

        var context = AgentToolset.CreateContext(ws.Path, ToolHarness.Sandbox, AgentToolOptions.Default);

        Assert.Equal((ws.Path, ws.Path, false), (context.WorkspaceRoot, context.CommandPolicy.WorkspacePath, context.CommandPolicy.AllowNetwork));
        Assert.Equal("1", context.CommandPolicy.Environment["DOTNET_NOLOGO"]);
    }
}

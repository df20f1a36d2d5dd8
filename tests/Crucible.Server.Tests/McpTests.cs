using System.Text.Json;
using Crucible.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crucible.Server.Tests;

/// <summary>The MCP tools over streamable HTTP at /mcp, called with the official MCP C# client against a real server.</summary>
public sealed class McpTests : IAsyncLifetime
{
    private ServerTestHost _host = null!;
    private McpClient _client = null!;
    private readonly TempDirectory _repo = new("mcp-verify-repo");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await ServerTestHost.StartAsync();
        _client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_host.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }), cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _host.DisposeAsync();
        _repo.Dispose();
    }

    private async Task<JsonElement> CallAsync(string tool, Dictionary<string, object?> arguments)
    {
        var result = await _client.CallToolAsync(tool, arguments, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        return result.StructuredContent!.Value;
    }

    [Fact]
    public async Task The_four_tools_are_listed_with_descriptions_and_output_schemas()
    {
        var tools = await _client.ListToolsAsync(cancellationToken: Ct);

        Assert.Equal(["list_tasks", "review", "verify", "verify_task"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, t => Assert.True(t.Description.Length > 60, t.Name));
        Assert.All(tools, t => Assert.NotNull(t.ProtocolTool.OutputSchema));
    }

    [Fact]
    public async Task List_tasks_and_verify_task_grade_a_solution_and_the_verdict_is_a_resource()
    {
        var tasks = await CallAsync("list_tasks", []);
        var pass = await CallAsync("verify_task", new() { ["task"] = "pysuite/add", ["files"] = new Dictionary<string, string> { ["add.py"] = "def add(a, b):\n    return a + b\n" } });
        var fail = await CallAsync("verify_task", new() { ["task"] = "pysuite/add", ["files"] = new Dictionary<string, string>() });
        var resource = await _client.ReadResourceAsync(pass.GetProperty("verdict_uri").GetString()!, cancellationToken: Ct);
        var verdict = JsonDocument.Parse(((TextResourceContents)resource.Contents.Single()).Text).RootElement;

        Assert.Contains("pysuite/add", tasks.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Contains("examples/slugify", tasks.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal((true, "Passed", "Passed: 2 of 2 tests passed"), (pass.GetProperty("verified").GetBoolean(), pass.GetProperty("status").GetString(), pass.GetProperty("summary").GetString()));
        Assert.Equal((false, "Failed"), (fail.GetProperty("verified").GetBoolean(), fail.GetProperty("status").GetString()));
        Assert.Equal(("add", "Passed", 2), (verdict.GetProperty("taskId").GetString(), verdict.GetProperty("status").GetString(), verdict.GetProperty("counts").GetProperty("passed").GetInt32()));
    }

    [Fact]
    public async Task Bad_arguments_over_http_are_tool_errors_naming_the_problem_and_the_fix_and_nothing_is_written()
    {
        var traversal = await _client.CallToolAsync("verify_task", new Dictionary<string, object?> { ["task"] = "pysuite/add", ["files"] = new Dictionary<string, string> { ["../../escape.py"] = "x = 1\n" } }, cancellationToken: Ct);
        var missing = await _client.CallToolAsync("verify", new Dictionary<string, object?>(), cancellationToken: Ct);

        Assert.Equal((true, "verify_task: file name '../../escape.py' has an empty, '.' or '..' segment. Fix: send workspace-relative paths with '/' separators, e.g. 'src/Solution.cs', without '..', a leading '/', or backslashes."),
            (traversal.IsError, Assert.IsType<TextContentBlock>(Assert.Single(traversal.Content)).Text));
        Assert.Equal((true, $"verify: The arguments dictionary is missing a value for the required parameter 'path'. Fix: {Mcp.McpToolErrors.ArgumentsFix}."),
            (missing.IsError, Assert.IsType<TextContentBlock>(Assert.Single(missing.Content)).Text));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_host.JobRoot));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_host.JobRoot)!, "escape.py")));
    }

    [Fact]
    public async Task Verify_proves_a_repository_fix_given_as_a_diff_without_touching_the_repository()
    {
        TestGit.Run(_repo.Path, "init", "-q");
        _repo.Write("calc.py", "def add(a, b):\n    return a - b\n");
        _repo.Write("tests/test_calc.py", "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n");
        _repo.Write("pytest.ini", "[pytest]\npythonpath = .\n");
        TestGit.Run(_repo.Path, "add", "-A");
        TestGit.Run(_repo.Path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base with a bug");
        const string Diff = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n";

        var fixedByDiff = await CallAsync("verify", new() { ["path"] = _repo.Path, ["diff"] = Diff });
        var review = await CallAsync("review", []);

        Assert.Equal((true, "Verified"), (fixedByDiff.GetProperty("verified").GetBoolean(), fixedByDiff.GetProperty("status").GetString()));
        Assert.Equal("def add(a, b):\n    return a - b\n", File.ReadAllText(_repo["calc.py"]));
        Assert.Equal("", TestGit.Output(_repo.Path, "status", "--porcelain"));
        Assert.True(review.GetProperty("principles").GetArrayLength() > 3);
        Assert.All(review.GetProperty("principles").EnumerateArray(), p => Assert.False(string.IsNullOrEmpty(p.GetProperty("question").GetString())));
    }
}

using Crucible.Core;

namespace Crucible.Server.Tests;

/// <summary>Bad requests get a 4xx with a clear error, and nothing is written outside the job folders.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Token = "s3cret-token-for-the-tests-0123456789";
    private ServerTestHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _host = await ServerTestHost.StartAsync(o => o with { Token = Token, Policy = o.Policy with { MaxRequestBytes = 64 * 1024, MaxFileBytes = 16 * 1024 } });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<(int, string)> PostRawAsync(string path, string json, string? token = Token)
    {
        using var client = _host.Client(token);
        using var response = await ServerTestHost.PostRawAsync(client, path, json);
        var body = await ServerTestHost.ReadAsync(response);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("fix").GetString()));
        return ((int)response.StatusCode, ServerTestHost.ErrorCode(body));
    }

    [Fact]
    public async Task Malformed_json_and_an_unknown_task_get_400_and_404_with_a_named_error()
    {
        Assert.Equal((400, "malformed_json"), await PostRawAsync("/v1/verify", "{\"task\": {\"suite\": "));
        Assert.Equal((400, "malformed_json"), await PostRawAsync("/run_code", "[1, 2"));
        Assert.Equal((404, "unknown_task"), await PostRawAsync("/v1/verify", """{"task": {"suite": "pysuite", "id": "no-such-task"}}"""));
        Assert.Equal((404, "unknown_task"), await PostRawAsync("/v1/verify", """{"task": {"suite": "no-such-suite", "id": "add"}}"""));
        Assert.Equal((404, "unknown_task"), await PostRawAsync("/get_reward", """{"query": ["x"], "prompts": [""], "labels": ["pysuite/nope"]}"""));
        Assert.Equal((400, "unsupported_language"), await PostRawAsync("/run_code", """{"code": "x", "language": "cobol"}"""));
    }

    [Fact]
    public async Task An_oversized_body_or_file_gets_413_before_anything_is_written()
    {
        var big = new string('x', 100 * 1024);
        Assert.Equal((413, "payload_too_large"), await PostRawAsync("/v1/verify", "{\"task\": {\"suite\": \"pysuite\", \"id\": \"add\"}, \"files\": {\"add.py\": \"" + big + "\"}}"));
        var file = new string('y', 20 * 1024);
        Assert.Equal((413, "payload_too_large"), await PostRawAsync("/v1/verify", "{\"task\": {\"suite\": \"pysuite\", \"id\": \"add\"}, \"files\": {\"add.py\": \"" + file + "\"}}"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_host.JobRoot));
    }

    [Theory]
    [InlineData("../escape.py")]
    [InlineData("a/../../escape.py")]
    [InlineData("/tmp/escape.py")]
    [InlineData("a\\..\\escape.py")]
    [InlineData("./escape.py")]
    public async Task Traversal_and_absolute_file_names_are_refused_and_nothing_lands_outside_the_job_folder(string name)
    {
        var outside = Path.GetDirectoryName(_host.JobRoot)!;
        var before = Directory.EnumerateFileSystemEntries(outside).Count(e => e.EndsWith("escape.py", StringComparison.Ordinal));
        var json = System.Text.Json.JsonSerializer.Serialize(new { task = new { suite = "pysuite", id = "add" }, files = new Dictionary<string, string> { [name] = "x" } });
        Assert.Equal((400, "bad_file_name"), await PostRawAsync("/v1/verify", json));
        var inline = System.Text.Json.JsonSerializer.Serialize(new { inline_task = new { files = new Dictionary<string, string> { ["task.yaml"] = "x", [name] = "x" } } });
        Assert.Equal((400, "bad_file_name"), await PostRawAsync("/v1/verify", inline));
        var run = System.Text.Json.JsonSerializer.Serialize(new { code = "print(1)", language = "python", files = new Dictionary<string, string> { [name] = "eA==" } });
        Assert.Equal((400, "bad_file_name"), await PostRawAsync("/run_code", run));

        Assert.False(File.Exists("/tmp/escape.py"));
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(outside).Count(e => e.EndsWith("escape.py", StringComparison.Ordinal)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_host.JobRoot));
    }

    [Fact]
    public async Task A_diff_that_leaves_the_workspace_or_makes_a_link_is_refused()
    {
        const string Escape = "diff --git a/../escape.py b/../escape.py\nnew file mode 100644\n--- /dev/null\n+++ b/../escape.py\n@@ -0,0 +1 @@\n+x\n";
        const string Link = "diff --git a/link.py b/link.py\nnew file mode 120000\n--- /dev/null\n+++ b/link.py\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n";
        var (escapeStatus, escapeCode) = await PostRawAsync("/v1/verify", System.Text.Json.JsonSerializer.Serialize(new { task = new { suite = "pysuite", id = "add" }, diff = Escape }));
        var (linkStatus, linkCode) = await PostRawAsync("/v1/verify", System.Text.Json.JsonSerializer.Serialize(new { task = new { suite = "pysuite", id = "add" }, diff = Link }));

        Assert.Equal((400, 400, "bad_file_name"), (escapeStatus, linkStatus, linkCode));
        Assert.Contains(escapeCode, new[] { "bad_diff", "bad_file_name" });
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_host.JobRoot)!, "escape.py")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_host.JobRoot));
    }

    [Fact]
    public async Task A_missing_or_wrong_token_gets_401_while_the_probes_stay_open()
    {
        Assert.Equal((401, "unauthorized"), await PostRawAsync("/v1/verify", "{}", token: null));
        Assert.Equal((401, "unauthorized"), await PostRawAsync("/run_code", "{}", token: "wrong-token-of-the-same-length-0123456"));
        using var anonymous = _host.Client();
        using var health = await anonymous.GetAsync("/healthz", Ct);
        using var metrics = await anonymous.GetAsync("/metrics", Ct);
        using var authorized = _host.Client(Token);
        using var tasks = await authorized.GetAsync("/v1/tasks", Ct);

        Assert.Equal((200, 401, 200), ((int)health.StatusCode, (int)metrics.StatusCode, (int)tasks.StatusCode));
        Assert.Equal("Bearer", metrics.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public void A_non_loopback_listener_without_a_token_is_refused_at_start()
    {
        var sandbox = new Crucible.Sandbox.UnsandboxedRunner();
        var options = new ServerOptions { Verifier = new Verification.Verifier(new Verification.VerifierOptions { Sandbox = sandbox }), Sandbox = sandbox, JobRoot = _host.JobRoot, Listen = "0.0.0.0:0" };

        var e = Assert.Throws<BadInputException>(() => ServerApp.Build(options));
        Assert.Contains("--token-file", e.Fix, StringComparison.Ordinal);
        Assert.Throws<BadInputException>(() => ServerApp.ParseListen("localhost"));
    }
}

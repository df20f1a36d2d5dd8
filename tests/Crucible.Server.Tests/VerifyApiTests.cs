using System.Net.Http.Json;
using System.Text.Json;

namespace Crucible.Server.Tests;

/// <summary>/v1/verify, batch jobs and OpenRLHF's /get_reward against a real server, sandbox and verifier.</summary>
public sealed class VerifyApiTests : IAsyncLifetime
{
    private ServerTestHost _host = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await ServerTestHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static string Reference(string suite, string task, string file) =>
        File.ReadAllText(Path.Combine(suite, task, "reference", file));

    [Fact]
    public async Task A_csharp_reference_solution_passes_and_the_untouched_stub_fails_with_the_verdict_eval_stores()
    {
        using var client = _host.Client();
        var (passStatus, pass) = await ServerTestHost.PostAsync(client, "/v1/verify", new
        {
            task = new { suite = "examples", id = "slugify" },
            files = new Dictionary<string, string> { ["Slug.cs"] = Reference(Testing.TestPaths.Examples, "slugify", "Slug.cs") },
        });
        var (stubStatus, stub) = await ServerTestHost.PostAsync(client, "/v1/verify", new { task = new { suite = "examples", id = "slugify" }, files = new Dictionary<string, string>() });

        Assert.Equal((200, "crucible.verify-result", 1, "examples/slugify", 1.0, "Passed", "slugify"),
            (passStatus, pass.GetProperty("schema").GetString(), pass.GetProperty("version").GetInt32(), pass.GetProperty("task").GetString(),
             pass.GetProperty("reward").GetDouble(), pass.GetProperty("verdict").GetProperty("status").GetString(), pass.GetProperty("verdict").GetProperty("taskId").GetString()));
        // The verdict is the eval store's record: it reads back as a Verdict with the store's JSON options.
        var verdict = pass.GetProperty("verdict").Deserialize<Core.Verification.Verdict>(Flywheel.Storage.ResultStore.Json)!;
        Assert.Equal((true, "bubblewrap"), (verdict.CountsAsPass, verdict.Sandbox));
        Assert.Equal((200, 0.0, "Failed"), (stubStatus, stub.GetProperty("reward").GetDouble(), stub.GetProperty("verdict").GetProperty("status").GetString()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_host.JobRoot));
    }

    [Fact]
    public async Task A_diff_against_the_starting_files_and_an_inline_task_are_graded_like_files()
    {
        using var client = _host.Client();
        const string Diff = """
            diff --git a/add.py b/add.py
            --- a/add.py
            +++ b/add.py
            @@ -1,2 +1,2 @@
             def add(a, b):
            -    raise NotImplementedError
            +    return a + b

            """;
        var (diffStatus, diffResult) = await ServerTestHost.PostAsync(client, "/v1/verify", new { task = new { suite = "pysuite", id = "add" }, diff = Diff.Replace("\r", "") });
        var inline = new Dictionary<string, string>
        {
            ["task.yaml"] = "id: double\nlanguage: python\ninstructions: instructions.md\neditable:\n  - double.py\ntests:\n  - test_double.py\n",
            ["instructions.md"] = "Double a number.",
            ["workspace/double.py"] = "def double(x):\n    return 0\n",
            ["tests/test_double.py"] = "from double import double\n\ndef test_double():\n    assert double(4) == 8\n",
        };
        var (inlineStatus, inlineResult) = await ServerTestHost.PostAsync(client, "/v1/verify", new
        {
            inline_task = new { files = inline },
            response = "Here it is:\n```python\ndef double(x):\n    return 2 * x\n```\n",
        });

        Assert.Equal((200, 1.0, "Passed"), (diffStatus, diffResult.GetProperty("reward").GetDouble(), diffResult.GetProperty("verdict").GetProperty("status").GetString()));
        Assert.Equal((200, "inline/double", 1.0), (inlineStatus, inlineResult.GetProperty("task").GetString(), inlineResult.GetProperty("reward").GetDouble()));
    }

    [Fact]
    public async Task OpenRLHF_get_reward_scores_each_response_by_verifying_the_task_its_label_names()
    {
        using var client = _host.Client();
        const string Prompt = "Implement add.\n";
        var (status, body) = await ServerTestHost.PostAsync(client, "/get_reward", new
        {
            query = new[] { Prompt + "```python\ndef add(a, b):\n    return a + b\n```", Prompt + "```python\ndef add(a, b):\n    return a + b if a > 0 else 0\n```" },
            prompts = new[] { Prompt, Prompt },
            labels = new[] { "pysuite/add", "pysuite/add" },
        });

        Assert.Equal(200, status);
        Assert.Equal([1.0, 0.0], body.GetProperty("rewards").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([1.0, 0.0], body.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([2.0, 1.0], body.GetProperty("extra_logs").GetProperty("tests_passed").EnumerateArray().Select(e => e.GetDouble()));
    }

    [Fact]
    public async Task A_batch_returns_job_ids_whose_results_a_long_poll_waits_for()
    {
        using var client = _host.Client();
        var (status, batch) = await ServerTestHost.PostAsync(client, "/v1/verify/batch", new
        {
            items = new object[]
            {
                new { task = new { suite = "pysuite", id = "add" }, files = new Dictionary<string, string> { ["add.py"] = "def add(a, b):\n    return a + b\n" } },
                new { task = new { suite = "pysuite", id = "add" } },
            },
        });
        var ids = batch.GetProperty("job_ids").EnumerateArray().Select(e => e.GetString()!).ToList();
        var views = new List<(string?, double)>();
        foreach (var id in ids)
        {
            var view = await client.GetFromJsonAsync<JsonElement>($"/v1/jobs/{id}?wait=60", Ct);
            views.Add((view.GetProperty("state").GetString(), view.GetProperty("result").GetProperty("reward").GetDouble()));
        }
        using var unknown = await client.GetAsync("/v1/jobs/job_nope", Ct);

        Assert.Equal(202, status);
        Assert.Equal([("done", 1.0), ("done", 0.0)], views);
        Assert.Equal((404, "unknown_job"), ((int)unknown.StatusCode, ServerTestHost.ErrorCode(await ServerTestHost.ReadAsync(unknown))));
    }

    [Fact]
    public async Task Metrics_count_verifications_by_status_and_the_openapi_document_lists_the_endpoints()
    {
        using var client = _host.Client();
        await ServerTestHost.PostAsync(client, "/v1/verify", new { task = new { suite = "pysuite", id = "add" } });
        var metrics = await client.GetStringAsync("/metrics", Ct);
        var openapi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        Assert.Contains("crucible_verifications_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("status=\"Failed\"", metrics, StringComparison.Ordinal);
        Assert.Contains("crucible_queue_depth", metrics, StringComparison.Ordinal);
        Assert.Contains("crucible_slots_busy", metrics, StringComparison.Ordinal);
        Assert.Contains("crucible_verification_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        var paths = openapi.GetProperty("paths").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/get_reward", "/healthz", "/readyz", "/run_code", "/v1/jobs/{id}", "/v1/tasks", "/v1/verify", "/v1/verify/batch"], paths);
    }
}

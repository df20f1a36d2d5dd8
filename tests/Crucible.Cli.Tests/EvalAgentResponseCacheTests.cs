using System.Text.Json;
using Crucible.Testing;
using static Crucible.Cli.Tests.ScriptedModelEndpoint;

namespace Crucible.Cli.Tests;

/// <summary>
/// <c>crucible eval SUITE --solver agent --model SPEC --cache</c> as a separate process, its model a local
/// OpenAI-compatible server playing a script through the real provider: the agent's tool calls write the real
/// solution, the hidden tests grade it, and an identical rerun replays every model request from the response cache.
/// </summary>
public sealed class EvalAgentResponseCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-eval-cache");

    public EvalAgentResponseCacheTests() => WritePrices(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private Task<CliResult> EvalAsync(string spec) =>
        CliProcess.RunAsync(_dir.Path, "eval", TestPaths.Examples, "--filter", "slugify", "--solver", "agent", "--model", spec, "--cache", "--json");

    [Fact]
    public async Task A_second_identical_eval_replays_every_model_request_from_the_cache_with_no_http_call_and_the_same_verdict()
    {
        var solution = File.ReadAllText(Path.Combine(TestPaths.Examples, "slugify", "reference", "Slug.cs"));
        await using var model = await StartAsync(
            Reply("Writing the slug function.", 2000, 400, Call("write", new { path = "Slug.cs", content = solution })),
            Reply("Implemented Slug.From.", 2500, 20));

        var first = await EvalAsync(model.Spec);

        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Stdout}\n{first.Stderr}");
        Assert.Empty(model.Server.Violations);
        Assert.Equal(2, model.Server.Received.Count);
        using var firstSummary = JsonDocument.Parse(first.Stdout);
        var s1 = firstSummary.RootElement;
        Assert.Equal((1, 1, Cost(4500, 420)), (s1.GetProperty("attempts").GetInt32(), s1.GetProperty("passed").GetInt32(), s1.GetProperty("costUsd").GetDecimal()));
        Assert.Equal("Passed", s1.GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(solution, File.ReadAllText(CandidateFile(s1)));

        var second = await EvalAsync(model.Spec);

        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.Stdout}\n{second.Stderr}");
        Assert.Equal(2, model.Server.Received.Count); // zero HTTP requests: every request was a cache hit
        Assert.Empty(model.Server.Violations);
        using var secondSummary = JsonDocument.Parse(second.Stdout);
        var s2 = secondSummary.RootElement;
        Assert.NotEqual(s1.GetProperty("run").GetProperty("id").GetString(), s2.GetProperty("run").GetProperty("id").GetString());
        Assert.Equal((1, 1, 0m), (s2.GetProperty("attempts").GetInt32(), s2.GetProperty("passed").GetInt32(), s2.GetProperty("costUsd").GetDecimal()));
        Assert.Equal("Passed", s2.GetProperty("results")[0].GetProperty("status").GetString());
        Assert.Equal(solution, File.ReadAllText(CandidateFile(s2)));
    }

    private static string CandidateFile(JsonElement summary)
    {
        var folder = summary.GetProperty("run").GetProperty("folder").GetString()!;
        return Assert.Single(Directory.GetFiles(Path.Combine(folder, "tasks"), "Slug.cs", SearchOption.AllDirectories), p => p.Contains("candidate", StringComparison.Ordinal));
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crucible.Testing;
using static Crucible.Cli.Tests.ScriptedModelEndpoint;

namespace Crucible.Cli.Tests;

/// <summary>
/// <c>crucible run -p TASK --output-format stream-json</c> as a separate process, its model a local OpenAI-compatible
/// server playing a script through the real provider; the agent's tools act on real files, the harness runs the
/// repository's test command in the sandbox.
/// </summary>
public sealed class HeadlessRunOverOpenAIWireTests : IDisposable
{
    private readonly TempDirectory _repo = new("cli-headless-wire");

    public HeadlessRunOverOpenAIWireTests()
    {
        _repo.Write("greeting.txt", "hello\n");
        // No first commit: the session's start is captured all the same (a commit without a parent under refs/crucible/sessions/).
        GreetingRepository.Create(_repo, "hello", commit: false);
        WritePrices(_repo.Path);
    }

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Stream_json_shows_each_event_and_a_denied_write_is_reported_to_the_model_and_leaves_the_file()
    {
        await using var model = await StartAsync(
            Reply("Reading the greeting.", 1000, 100, Call("read", new { path = "greeting.txt" })),
            Reply("Changing it.", 1200, 100, Call("write", new { path = "greeting.txt", content = "goodbye\n" })),
            Reply("The write was refused, so the greeting stays as it is.", 1400, 50));

        var r = await CliProcess.RunAsync(_repo.Path, "run", "-p", "make the greeting say goodbye", "--model", model.Spec,
            "--output-format", "stream-json", "--test-command", GreetingRepository.TestCommand);

        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Empty(model.Server.Violations);
        var events = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(
            ["session_start", "usage", "assistant_text", "tool_call", "tool_result", "usage", "assistant_text", "tool_call", "tool_result", "usage", "assistant_text", "review", "verdict", "result"],
            events.Select(e => (string?)e["type"]));
        Assert.Equal((model.Spec, "make the greeting say goodbye", false), ((string?)events[0]["model"], (string?)events[0]["task"], (bool?)events[0]["resumed"]));
        Assert.Equal(["Reading the greeting.", "Changing it.", "The write was refused, so the greeting stays as it is."],
            events.Where(e => (string?)e["type"] == "assistant_text").Select(e => (string?)e["text"]));

        var (readCall, readResult) = (events[3], events[4]);
        Assert.Equal(("read", true, "greeting.txt"), ((string?)readCall["tool"], (bool?)readCall["allowed"], (string?)readCall["arguments"]!["path"]));
        Assert.Equal(("read", false, "1\thello"), ((string?)readResult["tool"], (bool?)readResult["isError"], ((string?)readResult["content"])!.Split('\n')[0].TrimStart()));

        // Headless mode never prompts: the mutating call is denied, and the model reads why in the tool result.
        var (writeCall, writeResult) = (events[7], events[8]);
        Assert.Equal(("write", false), ((string?)writeCall["tool"], (bool?)writeCall["allowed"]));
        Assert.Equal(((string?)writeCall["callId"], true), ((string?)writeResult["callId"], (bool?)writeResult["isError"]));
        Assert.StartsWith("permission denied:", (string?)writeResult["content"], StringComparison.Ordinal);
        var toolMessage = model.Server.Bodies[2]["messages"]!.AsArray().Last()!;
        Assert.Equal(("tool", (string?)writeCall["callId"]), ((string?)toolMessage["role"], (string?)toolMessage["tool_call_id"]));
        Assert.Equal((string?)writeResult["content"], (string?)toolMessage["content"]);
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(_repo.Path, "greeting.txt")));

        // Usage per call, priced by the project's price file; the totals run on.
        var usages = events.Where(e => (string?)e["type"] == "usage").ToList();
        Assert.Equal([Cost(1000, 100), Cost(1200, 100), Cost(1400, 50)], usages.Select(u => (decimal?)u["costUsd"]));
        Assert.Equal((Cost(3600, 250), 3), ((decimal?)usages[^1]["totals"]!["costUsd"], (int?)usages[^1]["totals"]!["calls"]));

        // The harness ran the test command in the sandbox and decided; the result carries verdict and usage.
        // The constitution review of the change (none here) comes first, then the verification against the session's start.
        Assert.Empty(events[11]["integrity"]!.AsArray());
        var verdict = events[12]["verdict"]!;
        Assert.Equal(("passed", "bubblewrap"), ((string?)verdict["status"], (string?)verdict["sandbox"]));
        Assert.Equal("""{"expected":1,"executed":1,"passed":1,"failed":0,"skipped":0,"notRun":0}""", verdict["counts"]!.ToJsonString());
        var result = events[13];
        Assert.Equal(("completed", "passed", true, 3), ((string?)result["status"], (string?)result["verdictStatus"], (bool?)result["passed"], (int?)result["steps"]));
        Assert.Equal(Cost(3600, 250), (decimal?)result["usage"]!["costUsd"]);
        Assert.Equal("The write was refused, so the greeting stays as it is.", (string?)result["finalText"]);
        Assert.Equal(3, model.Server.Received.Count);
    }
}

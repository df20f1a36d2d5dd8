using System.Text.Json;
using Crucible.Agent;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Cli.Commands;
using Crucible.Core;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Crucible.Cli.Tests;

/// <summary>
/// <c>crucible run</c> headless, with the scripted model and the agent's test tools plugged into the test's own
/// <see cref="CliContext"/>, real files and the real repository verifier running pytest (without the sandbox to keep the tests fast).
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly TempDirectory _repo = new("cli-run");
    private readonly TempDirectory _home = new("cli-run-home");
    private readonly List<string> _specs = [];

    public RunCommandTests()
    {
        // A repository whose one test passes only when greeting.txt says hello (it fails at the start: there is none).
        GreetingRepository.Create(_repo, "hello");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RecordingGate? Gate { get; set; }

    public void Dispose()
    {
        _repo.Dispose();
        _home.Dispose();
    }

    /// <summary>The context of one invocation in the test repository: the scripted model, the test tools, a recording gate.</summary>
    private CliContext Context(ScriptedChatClient client, TextReader? input = null) => new(TestContexts.Setup(_repo.Path, _out, _err, _home.Path) with
    {
        Input = input ?? TextReader.Null,
        ChatClients = spec =>
        {
            _specs.Add(spec);
            return client;
        },
        // Scripted specs have no provider to price them.
        Pricing = _ => null,
        AgentTools = _ => [new TestReadTool(), new TestWriteTool()],
        PermissionGate = setup => Gate = new RecordingGate(setup),
    });

    private async Task<int> RunAsync(RunCommand.RunRequest request, ScriptedChatClient client, TextReader? input = null)
    {
        using var context = Context(client, input);
        return await RunCommand.RunAsync(request, context, Ct);
    }

    private static RunCommand.RunRequest Headless(string task, string format, bool cont = false) =>
        new(task, null, "scripted:test", format, null, false, cont, null, null, null, null, NoSandbox: true, TestCommand: GreetingRepository.TestCommand);

    private static Dictionary<string, object?> Args(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => (object?)p.Value);

    /// <summary>A redirected standard input on which nothing arrives: each read waits until the test ends.</summary>
    private sealed class SilentInput : TextReader
    {
        public override string? ReadLine()
        {
            Thread.Sleep(Timeout.Infinite);
            return null;
        }
    }

    [Theory]
    [InlineData(System.Runtime.InteropServices.PosixSignal.SIGINT, ExitCodes.Interrupted)]
    [InlineData(System.Runtime.InteropServices.PosixSignal.SIGTERM, ExitCodes.Terminated)]
    public async Task A_signal_at_the_prompt_of_a_redirected_interactive_session_ends_it_with_the_resume_command(System.Runtime.InteropServices.PosixSignal signal, int exitCode)
    {
        using var interrupts = new CliInterrupts();
        using var context = new CliContext(Context(new ScriptedChatClient(), new SilentInput()).Setup with { Interrupts = interrupts });
        var run = CliApp.RunAsync(["run", "--model", "scripted:test", "--no-sandbox"], context);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!_err.ToString().Contains("> ", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), _err.ToString());
            await Task.Delay(50, Ct);
        }

        interrupts.Raise(signal);
        var code = await run.WaitAsync(TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(exitCode, code);
        var sessionId = System.Text.RegularExpressions.Regex.Match(_err.ToString(), @"crucible session (\S+) ").Groups[1].Value;
        Assert.NotEmpty(sessionId);
        Assert.Contains($"Resume with: crucible run --resume {sessionId}", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headless_stream_json_prints_each_event_as_a_json_line_and_exits_0_when_the_verdict_passes()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "greeting.txt"), ("content", "hello")), "Writing the greeting.")
            .ThenText("Done.");

        var code = await RunAsync(Headless("write hello to greeting.txt", "stream-json"), client);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["scripted:test"], _specs);
        var lines = _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            ["session_start", "usage", "assistant_text", "tool_call", "tool_result", "usage", "assistant_text", "review", "verdict", "result"],
            lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal("write", lines[3].GetProperty("tool").GetString());
        Assert.Equal("wrote greeting.txt", lines[4].GetProperty("content").GetString());
        var verdict = lines[8].GetProperty("verdict");
        Assert.Equal("passed", verdict.GetProperty("status").GetString());
        // Real counts: the repository's one test, failing at the session's start, passes after the change.
        Assert.Equal("""{"expected":1,"executed":1,"passed":1,"failed":0,"skipped":0,"notRun":0}""", verdict.GetProperty("counts").GetRawText());
        Assert.Equal("[]", verdict.GetProperty("reasons").GetRawText());
        Assert.Equal("completed", lines[9].GetProperty("status").GetString());
        Assert.True(lines[9].GetProperty("passed").GetBoolean());
        Assert.False(Gate!.Setup.Interactive);
    }

    [Fact]
    public async Task Headless_json_prints_one_result_and_exits_1_when_the_harness_tests_fail_whatever_the_model_says()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "greeting.txt"), ("content", "goodbye")))
            .ThenText("All done, tests pass!");

        var code = await RunAsync(Headless("write hello", "json"), client);

        Assert.Equal(ExitCodes.Failure, code);
        var doc = JsonDocument.Parse(_out.ToString()).RootElement;
        Assert.Equal(("result", "completed", "failed", false), (
            doc.GetProperty("type").GetString(), doc.GetProperty("status").GetString(),
            doc.GetProperty("verdict").GetProperty("status").GetString(), doc.GetProperty("verdict").GetProperty("passed").GetBoolean()));
        Assert.Equal("All done, tests pass!", doc.GetProperty("finalText").GetString());
        var verdict = doc.GetProperty("verdict");
        Assert.Equal("""{"expected":1,"executed":1,"passed":0,"failed":1,"skipped":0,"notRun":0}""", verdict.GetProperty("counts").GetRawText());
        Assert.Equal($"1 test(s) failing at the base still fail: {GreetingRepository.TestId} (name expected failures with --known-failure ID)", verdict.GetProperty("reasons")[0].GetString());
        Assert.True(File.Exists(doc.GetProperty("transcript").GetString()));
    }

    [Fact]
    public async Task Continue_resumes_the_latest_session_of_the_folder_with_its_conversation()
    {
        var first = new ScriptedChatClient().ThenCall("write", Args(("path", "greeting.txt"), ("content", "hello"))).ThenText("first done");
        Assert.Equal(ExitCodes.Ok, await RunAsync(Headless("first", "text"), first));
        Assert.Equal("first done\n", _out.ToString().Replace("\r", "", StringComparison.Ordinal));
        string firstId;
        using (var store = SessionStore.ForWorkspace(_repo.Path))
        {
            firstId = store.Index.Latest(_repo.Path)!.Id;
        }

        var second = new ScriptedChatClient().Then(r =>
        {
            Assert.Equal(["system", "user", "assistant", "tool", "assistant", "user"], r.Messages.Select(m => m.Role.Value));
            Assert.Equal(("first", "second"), (r.Messages[1].Text, r.Messages[^1].Text));
            return ScriptedChatClient.Text("second done");
        });
        var code = await RunAsync(Headless("second", "json", cont: true), second);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(firstId, JsonDocument.Parse(_out.ToString().Split('\n', 2)[1]).RootElement.GetProperty("sessionId").GetString());
    }

    [Fact]
    public async Task Interactive_mode_streams_answers_and_takes_one_request_per_line_in_the_same_session()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "greeting.txt"), ("content", "hello")), "Writing. ")
            .ThenText("First done.")
            .Then(r =>
            {
                Assert.Equal(("first request", "second request"), (r.Messages[1].Text, r.Messages[^1].Text));
                return ScriptedChatClient.Text("Second done.");
            });
        var request = Headless("unused", "text") with { Print = null, Prompt = "first request" };

        var code = await RunAsync(request, client, new StringReader("second request\n\n"));

        Assert.Equal(ExitCodes.Ok, code); // end of input ends the session
        Assert.Equal("Writing. \nFirst done.\nSecond done.\n", _out.ToString().Replace("\r", "", StringComparison.Ordinal));
        var err = _err.ToString();
        Assert.Contains("● write: greeting.txt", err, StringComparison.Ordinal);
        // Only the first request changed a file, so only it was verified, with the real count.
        Assert.Single(err.Split('\n'), l => l.StartsWith("verdict:", StringComparison.Ordinal));
        Assert.Contains("verdict: Passed 1/1 tests\n", err.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(Gate!.Setup.Interactive);
        using var store = SessionStore.ForWorkspace(_repo.Path);
        Assert.Single(store.Index.List(_repo.Path));
    }

    [Fact]
    public async Task A_model_spec_of_an_unknown_provider_is_refused_before_any_session_starts()
    {
        using var context = new CliContext(TestContexts.Setup(_repo.Path, _out, _err, _home.Path));

        var e = await Assert.ThrowsAsync<BadInputException>(() => RunCommand.RunAsync(Headless("x", "text") with { Model = "bogus:model" }, context, Ct));

        Assert.Contains("bogus", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_repo.Path, ".crucible")));
    }

    [Fact]
    public async Task A_model_with_no_known_price_shows_its_cost_as_unknown_never_as_zero_dollars()
    {
        var text = await RunAsync(Headless("write hello", "text"), new ScriptedChatClient().ThenCall("write", Args(("path", "greeting.txt"), ("content", "hello"))).ThenText("done"));
        Assert.Equal(ExitCodes.Ok, text);
        Assert.Matches(@"completed · 2 step\(s\) · [0-9,]+ tokens · cost unknown\n", _err.ToString().ReplaceLineEndings("\n"));
        Assert.DoesNotContain("$0", _err.ToString(), StringComparison.Ordinal);

        _out.GetStringBuilder().Clear();
        var json = await RunAsync(Headless("again", "json", cont: true), new ScriptedChatClient().ThenText("still done"));

        Assert.Equal(ExitCodes.Ok, json);
        var usage = JsonDocument.Parse(_out.ToString()).RootElement.GetProperty("usage");
        Assert.Equal((false, false, 1), (usage.TryGetProperty("costUsd", out _), usage.GetProperty("costKnown").GetBoolean(), usage.GetProperty("calls").GetInt32()));
    }

    [Fact]
    public async Task A_priced_model_shows_its_cost_in_dollars()
    {
        var client = new ScriptedChatClient().ThenCall("write", Args(("path", "greeting.txt"), ("content", "hello"))).ThenText("done");
        using var context = new CliContext(Context(client).Setup with { Pricing = _ => _ => 0.25m });

        Assert.Equal(ExitCodes.Ok, await RunCommand.RunAsync(Headless("write hello", "text"), context, Ct));

        Assert.Matches(@"completed · 2 step\(s\) · [0-9,]+ tokens · \$0\.5000\n", _err.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--output-format", "xml", "unknown output format 'xml'")]
    [InlineData("--permission-mode", "yolo", "unknown permission mode 'yolo'")]
    public async Task Bad_option_values_are_bad_input(string option, string value, string message)
    {
        using var context = Context(new ScriptedChatClient());
        var parse = CliApp.Build(context).Parse(["run", "-p", "x", "--model", "m", option, value]);
        var e = await Assert.ThrowsAsync<BadInputException>(() => parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }, Ct));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task Continue_in_a_folder_without_sessions_is_bad_input()
    {
        var e = await Assert.ThrowsAsync<BadInputException>(() => RunAsync(Headless("x", "text", cont: true), new ScriptedChatClient()));

        Assert.Equal($"no session to continue in {_repo.Path}", e.Message);
    }

    [Fact]
    public void Text_output_shows_the_constitution_review_and_a_flagged_verdict_on_stderr()
    {
        var sink = new RunCommand.TextEventSink(_out, TestConsoles.Plain(_err), streaming: false);
        Crucible.Core.Verification.IntegrityFlag[] flags = [new("integrity.early-exit", "Environment.Exit ends the test run", "Leap.cs", 3, "Environment.Exit(0);")];

        sink.OnEvent(new Crucible.Agent.Loop.ReviewRecorded(2, 1, "task leap workspace vs its starting files", flags, 0, [], FedBack: true));
        sink.OnEvent(new Crucible.Agent.Loop.ReviewRecorded(4, 2, "task leap workspace vs its starting files", [], 1, [], FedBack: false));
        sink.OnEvent(new Crucible.Agent.Loop.VerdictRecorded(new Crucible.Core.Verification.Verdict { TaskId = "leap", Status = Crucible.Core.Verification.VerdictStatus.Passed, Sandbox = "none", Integrity = flags }));

        var err = _err.ToString().ReplaceLineEndings("\n");
        Assert.Contains("review: 1 integrity finding(s), sent back to the model\n  integrity.early-exit Leap.cs:3 Environment.Exit ends the test run\n", err, StringComparison.Ordinal);
        Assert.Contains("review: no integrity findings (1 quality finding(s))\n", err, StringComparison.Ordinal);
        Assert.Contains("flag: 1 integrity finding(s): the pass does not count", err, StringComparison.Ordinal);
        Assert.Equal("", _out.ToString());
    }

    private sealed class RecordingGate(AgentGateSetup setup) : IPermissionGate
    {
        public AgentGateSetup Setup => setup;

        public ValueTask<PermissionDecision> DecideAsync(PermissionRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(PermissionDecision.Allow("test"));
    }
}

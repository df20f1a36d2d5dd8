using Crucible.Agent.Loop;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Models;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.Loop;

public sealed class AgentLoopTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Model_tool_call_writes_the_file_and_the_result_goes_back_to_the_model()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "src/a.txt"), ("content", "hello")))
            .Then(r =>
            {
                var result = Assert.Single(r.LastToolResults);
                Assert.Equal("wrote src/a.txt", result.Result);
                return ScriptedChatClient.Text("done");
            });
        using var h = new LoopHarness(client);

        var result = await h.RunAsync("write hello", Ct);

        Assert.Equal(AgentRunStatus.Completed, result.Status);
        Assert.Equal(2, result.Steps);
        Assert.Equal("done", result.FinalText);
        Assert.Equal("hello", File.ReadAllText(h.Workspace["src/a.txt"]));
        Assert.Equal(["system", "user", "assistant", "tool", "assistant"], h.Conversation.Messages.Select(m => m.Role.Value));
        var finished = Assert.Single(h.Log.Of<ToolCallFinished>());
        Assert.Equal(("write", false, "wrote src/a.txt"), (finished.Tool, finished.IsError, finished.Content));
        Assert.Equal(["src/a.txt"], finished.ChangedPaths);
    }

    [Fact]
    public async Task Every_tool_is_declared_to_the_model_with_its_schema_and_the_system_prompt_comes_first()
    {
        var client = new ScriptedChatClient().ThenText("nothing to do");
        using var h = new LoopHarness(client);

        await h.RunAsync("hi", Ct);

        var request = Assert.Single(client.Requests);
        var declared = request.Options!.Tools!.OfType<AIFunctionDeclaration>().ToList();
        Assert.Equal(["write", "read"], declared.Select(d => d.Name));
        Assert.Equal(h.Tools[0].InputSchema.GetRawText(), declared[0].JsonSchema.GetRawText());
        Assert.Equal(ChatRole.System, request.Messages[0].Role);
        Assert.Equal("hi", request.Messages[^1].Text);
    }

    [Fact]
    public async Task Denied_call_is_not_run_and_the_model_is_told_why()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "x.txt"), ("content", "x")))
            .Then(r =>
            {
                Assert.Equal("permission denied: write is not allowed in this test", Assert.Single(r.LastToolResults).Result);
                return ScriptedChatClient.Text("ok, I will not write");
            });
        using var h = new LoopHarness(client, gate: new TestGate("write"));

        var result = await h.RunAsync("write x", Ct);

        Assert.Equal(AgentRunStatus.Completed, result.Status);
        Assert.False(File.Exists(h.Workspace["x.txt"]));
        var request = Assert.Single(h.Gate.Requests);
        Assert.Equal(("write", true, "write: x.txt", false), (request.Tool, request.IsMutating, request.Summary, request.TouchesProtectedTest));
        var call = Assert.Single(h.Log.Of<ToolCallStarted>());
        Assert.False(call.Allowed);
    }

    [Fact]
    public async Task Gate_is_asked_with_the_path_the_tool_resolves_through_links_not_the_argument_as_written()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "./t/FooTests.cs"), ("content", "")))
            .ThenText("done");
        using var h = new LoopHarness(client, gate: new TestGate("write"));
        h.Workspace.Write("tests/FooTests.cs", "original");
        File.CreateSymbolicLink(h.Workspace["t"], "tests");

        await h.RunAsync("go", Ct);

        var request = Assert.Single(h.Gate.Requests);
        Assert.Equal(("write", "write: ./t/FooTests.cs"), (request.Tool, request.Summary));
        Assert.Equal(["tests/FooTests.cs"], request.Paths);
        Assert.Equal("original", File.ReadAllText(h.Workspace["tests/FooTests.cs"]));
    }

    [Fact]
    public async Task Tool_errors_unknown_tools_and_bad_arguments_go_back_to_the_model_as_errors()
    {
        var client = new ScriptedChatClient()
            .ThenCall("fail", Args())
            .ThenCall("nope", Args())
            .Then(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "fail") { Exception = new System.Text.Json.JsonException("bad json") }])))
            .ThenText("giving up");
        using var h = new LoopHarness(client, tools: [new TestFailingTool("it broke")]);

        var result = await h.RunAsync("go", Ct);

        Assert.Equal(AgentRunStatus.Completed, result.Status);
        var results = h.Log.Of<ToolCallFinished>().ToList();
        Assert.All(results, r => Assert.True(r.IsError));
        Assert.Equal("it broke", results[0].Content);
        Assert.Equal("unknown tool 'nope'; available tools: fail", results[1].Content);
        Assert.StartsWith("the arguments could not be parsed as JSON (bad json)", results[2].Content, StringComparison.Ordinal);
        Assert.Equal(1, ((TestFailingTool)h.Tools[0]).Calls);
    }

    [Fact]
    public async Task Done_means_verified_the_verdict_comes_from_the_harness_not_the_model()
    {
        var verdict = new Verdict { TaskId = "t", Status = VerdictStatus.Failed, Reasons = ["1 test failed"], Sandbox = "none" };
        var client = new ScriptedChatClient().ThenText("All tests pass, the task is complete and verified!");
        using var h = new LoopHarness(client, options: new AgentOptions { VerifyWhenDone = _ => Task.FromResult<Verdict?>(verdict) });

        var result = await h.RunAsync("fix it", Ct);

        Assert.Equal(AgentRunStatus.Completed, result.Status);
        Assert.Same(verdict, result.Verdict);
        Assert.Same(verdict, Assert.Single(h.Log.Of<VerdictRecorded>()).Verdict);
        var end = Assert.Single(h.Log.Of<RunEnded>());
        Assert.Equal((VerdictStatus.Failed, (bool?)false), (end.VerdictStatus!.Value, end.Passed));
    }

    [Fact]
    public async Task Max_steps_ends_the_run_with_its_status()
    {
        var client = new ScriptedChatClient();
        for (var i = 0; i < 3; i++)
        {
            client.ThenCall("read", Args(("path", $"f{i}")));
        }
        using var h = new LoopHarness(client, options: new AgentOptions { Limits = new AgentLimits { MaxSteps = 3 } });

        var result = await h.RunAsync("loop", Ct);

        Assert.Equal((AgentRunStatus.MaxSteps, 3), (result.Status, result.Steps));
        Assert.Equal("max-steps", result.Status.ToWire());
        Assert.Equal(0, client.Remaining);
    }

    [Fact]
    public async Task Token_limit_ends_the_run_with_max_tokens()
    {
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 600, OutputTokenCount = 100 } };
        client.ThenCall("read", Args(("path", "a"))).ThenCall("read", Args(("path", "b")));
        using var h = new LoopHarness(client, options: new AgentOptions { Limits = new AgentLimits { MaxTokens = 1_000 } });

        var result = await h.RunAsync("go", Ct);

        Assert.Equal(AgentRunStatus.MaxTokens, result.Status);
        Assert.Equal(new UsageTotals(new TokenUsage(1200, 200), 0m, 2), result.Usage);
        // Each call asks for no more output than the tokens left.
        Assert.Equal(300, client.Requests[1].Options!.MaxOutputTokens);
    }

    [Fact]
    public async Task Dollar_limit_ends_the_run_with_budget()
    {
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 10 } };
        client.ThenCall("read", Args(("path", "a"))).ThenCall("read", Args(("path", "b"))).ThenCall("read", Args(("path", "c")));
        using var h = new LoopHarness(client, options: new AgentOptions { Limits = new AgentLimits { MaxCostUsd = 0.05m }, Pricing = _ => 0.03m });

        var result = await h.RunAsync("go", Ct);

        Assert.Equal((AgentRunStatus.Budget, 2, 0.06m), (result.Status, result.Steps, result.Usage.CostUsd));
        Assert.Equal([0.03m, 0.03m], h.Log.Of<UsageRecorded>().Select(u => u.CostUsd!.Value));
    }

    [Fact]
    public async Task Wall_time_limit_ends_the_run_with_timeout_and_the_open_call_gets_a_result()
    {
        var client = new ScriptedChatClient().ThenCall("wait", Args());
        using var h = new LoopHarness(client, tools: [new TestBlockingTool()], options: new AgentOptions { Limits = new AgentLimits { WallTime = TimeSpan.FromMilliseconds(300) } });

        var result = await h.RunAsync("go", Ct);

        Assert.Equal(AgentRunStatus.Timeout, result.Status);
        var last = h.Conversation.Messages[^1];
        Assert.Equal(ChatRole.Tool, last.Role);
        Assert.Equal("the run's time limit was reached before this call ran", Assert.IsType<FunctionResultContent>(Assert.Single(last.Contents)).Result);
    }

    [Fact]
    public async Task Cancellation_ends_the_run_as_interrupted_and_the_session_can_take_the_next_request()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var client = new ScriptedChatClient().ThenCall("wait", Args()).ThenText("second request answered");
        using var h = new LoopHarness(client, tools: [new TestBlockingTool(cts)]);

        var first = await h.RunAsync("go", cts.Token);
        var second = await h.RunAsync("next", Ct);

        Assert.Equal(AgentRunStatus.Interrupted, first.Status);
        Assert.Equal((AgentRunStatus.Completed, "second request answered"), (second.Status, second.FinalText));
        // The interrupted call was closed with a result, so the history stayed valid for the provider.
        var sent = client.Requests[1].Messages;
        Assert.Equal(["system", "user", "assistant", "tool", "user"], sent.Select(m => m.Role.Value));
    }

    [Fact]
    public async Task Fatal_model_error_ends_the_run_with_error()
    {
        var client = new ScriptedChatClient().Then(_ => throw new ModelCallException(ModelErrorKind.Authentication, "401 from the API") { Fix = "set ANTHROPIC_API_KEY" });
        using var h = new LoopHarness(client);

        var result = await h.RunAsync("go", Ct);

        Assert.Equal(AgentRunStatus.Error, result.Status);
        Assert.Equal("model call failed (Authentication): 401 from the API — fix: set ANTHROPIC_API_KEY", result.Message);
    }

    [Fact]
    public async Task Tool_that_throws_is_a_harness_failure_the_model_sees_a_generic_text_and_the_run_ends_with_error()
    {
        var client = new ScriptedChatClient().ThenCall("explode", Args());
        using var h = new LoopHarness(client, tools: [new TestThrowingTool()]);

        var result = await h.RunAsync("go", Ct);

        Assert.Equal((AgentRunStatus.Error, "tool 'explode' failed unexpectedly; the details are in the transcript (harness_error)"), (result.Status, result.Message));
        var last = h.Conversation.Messages[^1];
        Assert.Equal(ChatRole.Tool, last.Role);
        Assert.Equal(Crucible.Agent.Tools.ToolRegistry.UnexpectedFailureMessage, Assert.IsType<FunctionResultContent>(Assert.Single(last.Contents)).Result);
        var error = Assert.Single(h.Log.Of<HarnessError>());
        Assert.Equal((1, "explode", "System.IO.IOException", "disk is gone", (string?)null), (error.Step, error.Tool, error.ExceptionType, error.Message, error.InnerException));
        Assert.Contains(nameof(TestThrowingTool), error.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeating_the_same_call_and_observation_gets_a_nudge_then_ends_stuck()
    {
        var client = new ScriptedChatClient();
        for (var i = 0; i < 6; i++)
        {
            client.ThenCall("read", Args(("path", "missing.txt")));
        }
        using var h = new LoopHarness(client);

        var result = await h.RunAsync("go", Ct);

        Assert.Equal((AgentRunStatus.Stuck, 6), (result.Status, result.Steps));
        var nudge = Assert.Single(h.Log.Of<Nudged>());
        Assert.Equal(3, nudge.Step);
        // The nudge reached the model as a user message right after the third identical step.
        Assert.Equal(StuckPolicy.Default.NudgeMessage, client.Requests[3].Messages[^1].Text);
    }

    [Fact]
    public async Task Alternating_between_two_steps_is_detected_as_stuck()
    {
        var client = new ScriptedChatClient();
        for (var i = 0; i < 8; i++)
        {
            client.ThenCall("read", Args(("path", i % 2 == 0 ? "a.txt" : "b.txt")));
        }
        using var h = new LoopHarness(client);

        var result = await h.RunAsync("go", Ct);

        Assert.Equal((AgentRunStatus.Stuck, 8), (result.Status, result.Steps));
        Assert.Equal(4, Assert.Single(h.Log.Of<Nudged>()).Step);
    }

    [Fact]
    public async Task Repeated_call_with_a_changing_observation_is_progress_not_stuck()
    {
        var client = new ScriptedChatClient();
        for (var i = 0; i < 4; i++)
        {
            client.ThenCall("read", Args(("path", "counter.txt")));
        }
        client.ThenText("done");
        var counter = 0;
        using var h = new LoopHarness(client);
        // Each read sees a different file content: written between steps by the "environment".
        h.Conversation.AddSink(new ActionSink(e =>
        {
            if (e is StepCompleted)
            {
                File.WriteAllText(h.Workspace["counter.txt"], (++counter).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }));

        var result = await h.RunAsync("go", Ct);

        Assert.Equal(AgentRunStatus.Completed, result.Status);
        Assert.Empty(h.Log.Of<Nudged>());
    }

    [Fact]
    public void Stuck_detector_flags_repeats_and_alternations_only()
    {
        var d = new StuckDetector(StuckPolicy.Default);
        Assert.Null(d.Observe("a"));
        Assert.Null(d.Observe("a"));
        Assert.NotNull(d.Observe("a"));
        Assert.Null(d.Observe("a")); // history cleared after a detection
        Assert.Null(d.Observe("b"));
        Assert.Null(d.Observe("c"));
        Assert.Null(d.Observe("b"));
        Assert.NotNull(d.Observe("c"));
    }

    private sealed class ActionSink(Action<AgentEvent> action) : IAgentEventSink
    {
        public void OnEvent(AgentEvent e) => action(e);
    }
}

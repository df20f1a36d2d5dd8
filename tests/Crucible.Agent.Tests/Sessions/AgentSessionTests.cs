using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;
using static Crucible.Agent.Tests.Sessions.SessionHarness;

namespace Crucible.Agent.Tests.Sessions;

public sealed class AgentSessionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Transcript_is_valid_jsonl_with_every_step_and_is_indexed()
    {
        using var repo = new TempDirectory("agent-session");
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "a.txt"), ("content", "1")), text: "writing")
            .ThenText("done");
        using var store = SessionStore.ForWorkspace(repo.Path);
        using var session = AgentSession.Start(Setup(repo.Path, client), store, "write a");

        await session.RunAsync("write a", Ct);

        var lines = File.ReadAllLines(session.TranscriptPath);
        var types = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal(
            ["session_start", "message", "message", "message", "usage", "assistant_text", "tool_call", "tool_result", "message", "step", "message", "usage", "assistant_text", "step", "result"],
            types);
        var info = store.Index.Find(session.Id)!;
        Assert.Equal((repo.Path, "write a", "completed", 2, session.TranscriptPath), (info.Cwd, info.Task, info.Status, info.LastStep, info.TranscriptPath));
        Assert.Equal(session.Id, store.Index.Latest(repo.Path)!.Id);
        Assert.Equal(Path.Combine(repo.Path, ".crucible", "sessions", session.Id + ".jsonl"), session.TranscriptPath);
    }

    [Fact]
    public async Task Resume_restores_the_exact_conversation_and_continues_it()
    {
        using var repo = new TempDirectory("agent-session");
        var first = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "a.txt"), ("content", "one")), text: "I'll write it")
            .ThenText("wrote a.txt");
        using var store = SessionStore.ForWorkspace(repo.Path);
        string id;
        IReadOnlyList<ChatMessage> before;
        using (var session = AgentSession.Start(Setup(repo.Path, first), store, "write"))
        {
            await session.RunAsync("write a.txt", Ct);
            id = session.Id;
            before = [.. session.Conversation.Messages];
        }

        var second = new ScriptedChatClient().Then(r =>
        {
            // The resumed model sees the whole earlier conversation, tool call and result included, then the new request.
            Assert.Equal(Json(before), Json(r.Messages.Take(before.Count)));
            Assert.Equal("now read it", r.Messages[^1].Text);
            return ScriptedChatClient.Call("read", Args(("path", "a.txt")));
        }).Then(r =>
        {
            Assert.Equal("one", Assert.Single(r.LastToolResults).Result?.ToString());
            return ScriptedChatClient.Text("it says one");
        });
        using var resumed = AgentSession.Resume(Setup(repo.Path, second), store, store.Index.Latest(repo.Path)!);
        Assert.Equal(id, resumed.Id);
        Assert.Equal(Json(before), Json(resumed.Conversation.Messages));

        var result = await resumed.RunAsync("now read it", Ct);

        Assert.Equal(("it says one", 2), (result.FinalText, result.Steps));
        Assert.Equal(4, resumed.Conversation.LastStep);
        var events = TranscriptReader.Read(resumed.TranscriptPath);
        Assert.Equal([false, true], events.OfType<SessionStarted>().Select(s => s.Resumed));
        Assert.Equal([1, 2, 3, 4], events.OfType<StepCompleted>().Select(s => s.Step));
    }

    [Fact]
    public async Task Torn_last_line_is_ignored_on_resume_and_cut_before_appending()
    {
        using var repo = new TempDirectory("agent-session");
        using var store = SessionStore.ForWorkspace(repo.Path);
        SessionInfo info;
        IReadOnlyList<ChatMessage> before;
        using (var session = AgentSession.Start(Setup(repo.Path, new ScriptedChatClient().ThenText("hello")), store, "hi"))
        {
            await session.RunAsync("hi", Ct);
            before = [.. session.Conversation.Messages];
            info = store.Index.Find(session.Id)!;
        }
        File.AppendAllText(info.TranscriptPath, "{\"type\":\"message\",\"message\":{\"role\":\"assis");

        using (var resumed = AgentSession.Resume(Setup(repo.Path, new ScriptedChatClient().ThenText("again")), store, info))
        {
            Assert.Equal(Json(before), Json(resumed.Conversation.Messages));
            await resumed.RunAsync("again", Ct);
        }

        // Every line parses: the torn one was cut before new lines were appended.
        Assert.All(File.ReadAllLines(info.TranscriptPath), l => JsonDocument.Parse(l));
        Assert.Equal("again", TranscriptReader.Conversation(TranscriptReader.Read(info.TranscriptPath))[^1].Text);
    }

    [Fact]
    public void Corrupt_line_in_the_middle_is_reported_with_its_line_number()
    {
        using var dir = new TempDirectory("agent-session");
        var path = dir.Write("t.jsonl", "{\"type\":\"step\",\"step\":1}\nnot json\n{\"type\":\"step\",\"step\":2}\n");

        var e = Assert.Throws<InvalidDataException>(() => TranscriptReader.Read(path));

        Assert.StartsWith($"{path}:2: not a valid transcript event", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sub_agent_events_round_trip_in_the_transcript_and_stay_out_of_the_restored_conversation()
    {
        using var dir = new TempDirectory("agent-session");
        var path = dir["t.jsonl"];
        using (var w = new TranscriptWriter(path))
        {
            w.OnEvent(new MessageAdded(new ChatMessage(ChatRole.User, "parent request")));
            w.OnEvent(new SubAgentEvent("look around", new MessageAdded(new ChatMessage(ChatRole.User, "sub-agent prompt"))));
            w.OnEvent(new SubAgentEvent("look around", new StepCompleted(7)));
        }

        var events = TranscriptReader.Read(path);

        var sub = Assert.IsType<SubAgentEvent>(events[1]);
        Assert.Equal(("look around", "sub-agent prompt"), (sub.Description, Assert.IsType<MessageAdded>(sub.Event).Message.Text));
        Assert.Equal(["parent request"], TranscriptReader.Conversation(events).Select(m => m.Text));
        Assert.Equal(0, TranscriptReader.LastStep(events));
    }

    [Fact]
    public async Task Resume_closes_tool_calls_left_without_a_result()
    {
        using var repo = new TempDirectory("agent-session");
        using var store = SessionStore.ForWorkspace(repo.Path);
        var info = store.Create(repo.Path, "t", null);
        // A transcript as a killed process leaves it: the assistant's call recorded, its result not.
        using (var w = new TranscriptWriter(info.TranscriptPath))
        {
            w.OnEvent(new SessionStarted(info.Id, repo.Path, "t", null, false));
            w.OnEvent(new MessageAdded(new ChatMessage(ChatRole.System, "sys")));
            w.OnEvent(new MessageAdded(new ChatMessage(ChatRole.User, "go")));
            w.OnEvent(new MessageAdded(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "read", Args(("path", "a")))])));
            w.OnEvent(new UsageRecorded(1, Core.Usage.TokenUsage.Zero, null, Core.Usage.UsageTotals.Zero));
        }

        using var resumed = AgentSession.Resume(Setup(repo.Path, new ScriptedChatClient()), store, info);

        var last = resumed.Conversation.Messages[^1];
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(last.Contents));
        Assert.Equal(("call_1", ChatRole.Tool), (result.CallId, last.Role));
        Assert.Equal(1, resumed.Conversation.LastStep);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Instruction_files_and_notes_are_in_the_system_prompt_in_order()
    {
        using var repo = new TempDirectory("agent-session");
        using var home = new TempDirectory("agent-home");
        home.Write("AGENTS.md", "home agents rule");
        home.Write(".crucible/CRUCIBLE.md", "home crucible rule");
        repo.Write("CLAUDE.md", "repo claude rule");
        repo.Write("AGENTS.md", "repo agents rule");
        repo.Write(".crucible/NOTES.md", "- the build needs --no-restore");
        var client = new ScriptedChatClient().ThenText("ok");
        using var store = SessionStore.ForWorkspace(repo.Path);
        using var session = AgentSession.Start(Setup(repo.Path, client, home: home.Path), store, "hi");

        await session.RunAsync("hi", Ct);

        var system = client.Requests[0].Messages[0];
        Assert.Equal(ChatRole.System, system.Role);
        var text = system.Text;
        var order = new[] { "home agents rule", "home crucible rule", "repo agents rule", "repo claude rule", "- the build needs --no-restore" }.Select(s => text.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
    }
}

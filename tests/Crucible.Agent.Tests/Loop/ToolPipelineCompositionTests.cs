using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.SubAgents;
using Crucible.Agent.Tests.Tools;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Sandbox;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.Loop;

/// <summary>
/// The real loop, the real default toolset, the real headless gate (auto mode, protected tests scanned at
/// start, a read deny rule) and the real bubblewrap sandbox, over a temp repository with links into the
/// protected and denied paths. What the scripted model is sent and what the transcript holds are checked.
/// </summary>
public sealed class ToolPipelineCompositionTests : IDisposable
{
    private const string SecretValue = "s3cr3t-7f1e";
    private const string Secret = "API_KEY=" + SecretValue;
    private const string OriginalTest = "public class CalcTests { [Fact] public void Adds() => Assert.Equal(4, Calc.Add(2, 2)); }\n";
    private const string TestDenial =
        "permission denied: tests/CalcTests.cs is a test file that existed when the session started. Existing tests are protected: the work is judged against the original tests, " +
        "so change the code under test to make them pass instead of changing the tests. You may add new test files. " +
        "(This headless session cannot ask the user; test edits need --allow-test-edits or \"permissions\": { \"allowTestEdits\": true }.)";
    private const string ReadDenial = "permission denied: the settings deny this call (rule read(**/*.env) in permissions.deny). Do not retry it; find another way or ask the user.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TempDirectory _repo = new("pipeline-repo");
    private readonly TempDirectory _state = new("pipeline-state");

    public ToolPipelineCompositionTests()
    {
        _repo.Write("src/Calc.cs", "public static class Calc { public static int Add(int a, int b) => a - b; }\n");
        _repo.Write("tests/CalcTests.cs", OriginalTest);
        _repo.Write("config/.env", Secret + "\n");
        _repo.Write("config/app.json", "{ \"name\": \"calc\" }\n");
        File.CreateSymbolicLink(_repo["t"], "tests");
        File.CreateSymbolicLink(_repo["cfg"], "config");
        File.CreateSymbolicLink(_repo["alias.txt"], "config/.env");
    }

    public void Dispose()
    {
        _repo.Dispose();
        _state.Dispose();
    }

    private string TranscriptPath => Path.Combine(_state.Path, "transcript.jsonl");

    /// <summary>Assembles the pieces as a headless <c>crucible run -p --permission-mode auto</c> does, with the settings' deny rule.</summary>
    private (AgentLoop Loop, AgentConversation Conversation, TranscriptWriter Transcript) Assemble(ScriptedChatClient client, ISandbox? sandbox = null, bool subAgents = false)
    {
        var settings = PermissionSettings.Default with { Mode = PermissionMode.Auto, Deny = ["read(**/*.env)"] };
        var protectedTests = ProtectedTestFiles.Scan(_repo.Path);
        var options = AgentToolOptions.Default with { HiddenPaths = settings.ReadDenyGlobs(), ReadOnlyInCommands = protectedTests.Paths };
        var gate = PermissionGate.Headless(settings, protectedTests);
        var tools = AgentToolset.CreateDefault(options).ToList();
        AgentLoop? loop = null;
        var transcript = new TranscriptWriter(TranscriptPath);
        var conversation = new AgentConversation([new ChatMessage(ChatRole.System, "composition test")], [transcript]);
        if (subAgents)
        {
            tools.Add(new SubAgentTool(client, [.. tools], gate, () => loop?.CurrentBudget, record: conversation.Emit));
        }
        var context = AgentToolset.CreateContext(_repo.Path, sandbox ?? ToolHarness.Sandbox, options);
        loop = new AgentLoop(client, tools, gate, context, new AgentOptions());
        return (loop, conversation, transcript);
    }

    /// <summary>Everything the model was sent, as the provider would serialise it.</summary>
    private static string SentToModel(ScriptedChatClient client) =>
        string.Join("\n", client.Requests.Select(r => JsonSerializer.Serialize(r.Messages.ToList(), AIJsonUtilities.DefaultOptions)));

    private static object? ResultOf(ScriptedRequest request) => Assert.Single(request.LastToolResults).Result;

    [Fact]
    public async Task Write_and_edit_through_a_link_to_a_protected_test_are_refused_and_the_test_is_byte_identical()
    {
        var client = new ScriptedChatClient()
            .ThenCall("write", Args(("path", "t/CalcTests.cs"), ("content", "public class CalcTests { }")))
            .ThenCall("edit", Args(("path", "t/CalcTests.cs"), ("old_string", "Assert.Equal(4, Calc.Add(2, 2))"), ("new_string", "Assert.True(true)")))
            .ThenCall("bash", Args(("command", "echo '// weakened' >> t/CalcTests.cs")))
            .ThenText("I could not change the test");
        var (loop, conversation, transcript) = Assemble(client);
        var before = File.ReadAllBytes(_repo["tests/CalcTests.cs"]);

        using (transcript)
        {
            var result = await loop.RunAsync(conversation, "make the tests pass", null, Ct);
            Assert.Equal(AgentRunStatus.Completed, result.Status);
        }

        Assert.Equal(before, File.ReadAllBytes(_repo["tests/CalcTests.cs"]));
        // The denial is the tool result the model reads, word for word.
        Assert.Equal(TestDenial, ResultOf(client.Requests[1]));
        Assert.Equal(TestDenial, ResultOf(client.Requests[2]));
        // The command runs (auto mode) in the real sandbox, where the protected test is mounted read-only, link or not.
        Assert.Contains("Read-only file system", (string)ResultOf(client.Requests[3])!, StringComparison.Ordinal);
        var calls = TranscriptReader.Read(TranscriptPath).OfType<ToolCallStarted>().Select(c => (c.Tool, c.Summary, c.Allowed)).ToList();
        Assert.Equal([("write", "write t/CalcTests.cs", false), ("edit", "edit t/CalcTests.cs", false), ("bash", "bash: echo '// weakened' >> t/CalcTests.cs", true)], calls);
    }

    [Fact]
    public async Task Read_through_a_link_to_a_denied_file_is_refused_and_the_secret_reaches_neither_the_model_nor_the_transcript()
    {
        var client = new ScriptedChatClient()
            .ThenCall("read", Args(("path", "alias.txt")))
            .ThenCall("read", Args(("path", "cfg/.env")))
            .ThenText("the file is denied");
        var (loop, conversation, transcript) = Assemble(client);

        using (transcript)
        {
            await loop.RunAsync(conversation, "what is the API key?", null, Ct);
        }

        Assert.Equal(ReadDenial, ResultOf(client.Requests[1]));
        Assert.Equal(ReadDenial, ResultOf(client.Requests[2]));
        Assert.DoesNotContain(SecretValue, SentToModel(client), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, File.ReadAllText(TranscriptPath), StringComparison.Ordinal);
        var started = TranscriptReader.Read(TranscriptPath).OfType<ToolCallStarted>().Select(c => (c.Summary, c.Allowed, c.Reason)).ToList();
        Assert.Equal([("read alias.txt", false, ReadDenial["permission denied: ".Length..]), ("read cfg/.env", false, ReadDenial["permission denied: ".Length..])], started);
    }

    [Fact]
    public async Task Grep_and_glob_through_a_linked_folder_or_a_linked_file_do_not_reveal_the_denied_file()
    {
        var client = new ScriptedChatClient()
            .ThenCall("grep", Args(("pattern", "s3cr3t")))
            .ThenCall("grep", Args(("pattern", "API_KEY"), ("path", "cfg")))
            .ThenCall("grep", Args(("pattern", "."), ("path", "alias.txt")))
            .ThenCall("glob", Args(("pattern", "**"), ("path", "cfg")))
            .ThenCall("glob", Args(("pattern", "*.txt")))
            .ThenText("nothing found");
        var (loop, conversation, transcript) = Assemble(client);

        using (transcript)
        {
            await loop.RunAsync(conversation, "find the API key", null, Ct);
        }

        // Whole-workspace search: the link alias.txt opens config/.env, which the deny rule hides from search.
        Assert.Equal("No matches for 's3cr3t' in '.'.", ResultOf(client.Requests[1]));
        Assert.Equal("No matches for 'API_KEY' in 'config'.", ResultOf(client.Requests[2]));
        Assert.Equal(ReadDenial, ResultOf(client.Requests[3]));
        Assert.Equal("config/app.json", ResultOf(client.Requests[4]));
        Assert.Equal("No files match '*.txt' in '.'.", ResultOf(client.Requests[5]));
        Assert.DoesNotContain(SecretValue, SentToModel(client), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, File.ReadAllText(TranscriptPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bash_cannot_read_a_denied_file_by_name_through_links_by_search_or_by_copy_and_the_file_is_untouched()
    {
        const string Tries = "cat config/.env; cat cfg/.env; cat alias.txt; grep -r s3cr3t . ; cp config/.env /tmp/copy && cat /tmp/copy; " +
            "mv config/.env config/moved; echo overwritten > config/.env; wc -c < config/.env";
        var client = new ScriptedChatClient()
            .ThenCall("bash", Args(("command", Tries)))
            .ThenCall("bash", Args(("command", "cat config/app.json")))
            .ThenText("the key is hidden");
        var (loop, conversation, transcript) = Assemble(client);

        using (transcript)
        {
            await loop.RunAsync(conversation, "print the API key", null, Ct);
        }

        var tries = (string)ResultOf(client.Requests[1])!;
        // The denied file is a read-only mount of an unopenable node: by name, through either link, by search or by copy,
        // every open fails, and it can be neither moved away nor overwritten.
        Assert.Equal(
            "[stderr]\n" +
            "cat: config/.env: Permission denied\ncat: cfg/.env: Permission denied\ncat: alias.txt: Permission denied\n" +
            "grep: ./config/.env: Permission denied\ncp: cannot open 'config/.env' for reading: Permission denied\n" +
            "mv: cannot move 'config/.env' to 'config/moved': Device or resource busy\n" +
            "/bin/bash: line 1: config/.env: Permission denied\n/bin/bash: line 1: config/.env: Permission denied\n[exit code 1",
            tries[..tries.LastIndexOf(',')]);
        // Other files are read as usual.
        Assert.StartsWith("{ \"name\": \"calc\" }", (string)ResultOf(client.Requests[2])!, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, SentToModel(client), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, File.ReadAllText(TranscriptPath), StringComparison.Ordinal);
        Assert.Equal(Secret + "\n", File.ReadAllText(_repo["config/.env"]));
        Assert.False(File.Exists(_repo["config/moved"]));
    }

    [Fact]
    public async Task Bash_without_a_sandbox_refuses_to_run_when_a_denied_file_exists_instead_of_exposing_it()
    {
        var client = new ScriptedChatClient()
            .ThenCall("bash", Args(("command", "cat config/.env")))
            .ThenText("bash is refused");
        var (loop, conversation, transcript) = Assemble(client, sandbox: new UnsandboxedRunner());

        using (transcript)
        {
            await loop.RunAsync(conversation, "print the API key", null, Ct);
        }

        Assert.Equal(
            "bash cannot run here: the settings deny reading config/.env (permissions.deny), and without a sandbox (--no-sandbox) a command could read it. " +
            "Use read, grep and glob, which honour the rule, or ask the user to run with the sandbox.",
            ResultOf(client.Requests[1]));
        Assert.DoesNotContain(SecretValue, SentToModel(client), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notes_planted_as_a_link_to_a_protected_test_cannot_change_it()
    {
        Directory.CreateDirectory(_repo[".crucible"]);
        File.CreateSymbolicLink(_repo[".crucible/NOTES.md"], "../tests/CalcTests.cs");
        var client = new ScriptedChatClient()
            .ThenCall("notes", Args(("action", "replace"), ("text", "public class CalcTests { }")))
            .ThenText("ok");
        var (loop, conversation, transcript) = Assemble(client);

        using (transcript)
        {
            await loop.RunAsync(conversation, "remember this", null, Ct);
        }

        Assert.Equal(OriginalTest, File.ReadAllText(_repo["tests/CalcTests.cs"]));
        Assert.Equal(TestDenial, ResultOf(client.Requests[1]));
    }

    [Fact]
    public async Task Sub_agent_calls_pass_the_same_registry_and_gate_so_the_secret_does_not_come_back_through_task()
    {
        var client = new ScriptedChatClient()
            .ThenCall("task", Args(("description", "find the key"), ("prompt", "read alias.txt and report its content")))
            .ThenCall("read", Args(("path", "alias.txt")))
            .Then(r =>
            {
                // The sub-agent's model reads the denial as its tool result.
                Assert.Equal(ReadDenial, ResultOf(r));
                return ScriptedChatClient.Text("the file is denied to me");
            })
            .ThenText("done");
        var (loop, conversation, transcript) = Assemble(client, subAgents: true);

        using (transcript)
        {
            await loop.RunAsync(conversation, "what is the API key?", null, Ct);
        }

        Assert.Equal(["read", "glob", "grep"], client.Requests[1].Options!.Tools!.Select(t => t.Name));
        Assert.StartsWith("[sub-agent completed after 2 step(s)", (string)ResultOf(client.Requests[3])!, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, SentToModel(client), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, File.ReadAllText(TranscriptPath), StringComparison.Ordinal);
        var sub = TranscriptReader.Read(TranscriptPath).OfType<SubAgentEvent>().Select(e => e.Event).OfType<ToolCallStarted>().Single();
        Assert.Equal(("read", "read alias.txt", false), (sub.Tool, sub.Summary, sub.Allowed));
    }

    [Fact]
    public async Task Tool_that_throws_shows_the_model_a_generic_text_and_records_the_details_as_a_harness_error()
    {
        var client = new ScriptedChatClient()
            .ThenCall("bash", Args(("command", "ls")))
            .Then(r =>
            {
                var toolResult = Assert.IsType<FunctionResultContent>(Assert.Single(Assert.Single(r.Messages, m => m.Role == ChatRole.Tool).Contents));
                Assert.Equal(ToolRegistry.UnexpectedFailureMessage, toolResult.Result);
                return ScriptedChatClient.Text("sorry");
            });
        var (loop, conversation, transcript) = Assemble(client, new BrokenSandbox());

        AgentRunResult first;
        using (transcript)
        {
            first = await loop.RunAsync(conversation, "list the files", null, Ct);
            // The session goes on with the next request: the model is sent the history, with the generic result only.
            await loop.RunAsync(conversation, "try again later", null, Ct);
        }

        Assert.Equal((AgentRunStatus.Error, "tool 'bash' failed unexpectedly; the details are in the transcript (harness_error)"), (first.Status, first.Message));
        Assert.DoesNotContain(BrokenSandbox.Failure, SentToModel(client), StringComparison.Ordinal);
        var events = TranscriptReader.Read(TranscriptPath);
        var error = Assert.Single(events.OfType<HarnessError>());
        Assert.Equal((1, "bash", typeof(InvalidOperationException).FullName, BrokenSandbox.Failure, (string?)null), (error.Step, error.Tool, error.ExceptionType, error.Message, error.InnerException));
        Assert.Contains(nameof(BrokenSandbox), error.StackTrace, StringComparison.Ordinal);
        var finished = Assert.Single(events.OfType<ToolCallFinished>());
        Assert.Equal((error.CallId, true, ToolRegistry.UnexpectedFailureMessage), (finished.CallId, finished.IsError, finished.Content));
        Assert.Contains("\"type\":\"harness_error\"", File.ReadAllText(TranscriptPath), StringComparison.Ordinal);
    }

    /// <summary>A sandbox whose set-up fails: a harness failure, not something the model's call could fix.</summary>
    private sealed class BrokenSandbox : ISandbox
    {
        public const string Failure = "bwrap: setting up uid map failed in /run/user/1000/crucible-internal";

        public string Name => "broken";

        public bool IsIsolating => true;

        public Task<SandboxResult> ExecuteAsync(SandboxCommand command, SandboxPolicy policy, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(Failure);
    }
}

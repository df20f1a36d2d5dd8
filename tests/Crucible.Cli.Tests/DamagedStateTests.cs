using System.Text;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Loop;
using Crucible.Cli.Commands;
using Crucible.Core;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Cli.Tests;

/// <summary>
/// Crucible's state damaged or out of reach: a corrupt or empty result database, a corrupt sessions index, a bad
/// transcript line and a read-only working folder. Each gives <c>error:</c>/<c>fix:</c> lines (or a warning when it
/// repairs itself), never a stack trace, and nothing earlier is lost: the damaged file is kept, moved aside.
/// </summary>
public sealed class DamagedStateTests : IDisposable
{
    private static readonly byte[] Garbage = Encoding.ASCII.GetBytes("this was a database once\n" + new string('x', 5000));

    private readonly TempDirectory _dir = new("cli-damaged");
    private readonly TempDirectory _home = new("cli-damaged-home");
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly List<string> _specs = [];

    public DamagedStateTests()
    {
        _dir.Write("check.sh", "test \"$(cat greeting.txt 2>/dev/null)\" = hello || { echo 'greeting.txt is wrong'; exit 1; }\n");
    }

    public void Dispose()
    {
        _dir.Dispose();
        _home.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string StateFolder => Path.Combine(_dir.Path, ".crucible");

    private static string Examples => TestPaths.Examples;

    /// <summary>The files in <paramref name="folder"/> named like <paramref name="name"/>.corrupt-*.</summary>
    private static string[] MovedAside(string folder, string name) => Directory.GetFiles(folder, name + ".corrupt-*");

    private static void AssertNoStackTrace(CliResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_result_database_is_moved_aside_with_an_error_and_fix_and_exit_1_and_the_next_run_starts_a_new_one()
    {
        Directory.CreateDirectory(StateFolder);
        var db = Path.Combine(StateFolder, "crucible.db");
        File.WriteAllBytes(db, Garbage);

        var r = await CliProcess.RunAsync(_dir.Path, "eval", Examples, "--resume", "nope");

        Assert.Equal(ExitCodes.Failure, r.ExitCode);
        AssertNoStackTrace(r);
        var moved = Assert.Single(MovedAside(StateFolder, "crucible.db"));
        Assert.Equal(Garbage, File.ReadAllBytes(moved));
        Assert.False(File.Exists(db));
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"error: the result database at {db} is damaged (", lines[0], StringComparison.Ordinal);
        Assert.EndsWith($"it was moved to {moved}", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("fix: run the command again to start a new database", lines[1], StringComparison.Ordinal);

        var again = await CliProcess.RunAsync(_dir.Path, "eval", Examples, "--resume", "nope");

        Assert.Equal((ExitCodes.BadInput, true), (again.ExitCode, again.Stderr.StartsWith($"error: no run 'nope' in {db}", StringComparison.Ordinal)));
        Assert.Equal(Garbage, File.ReadAllBytes(moved));
    }

    [Fact]
    public async Task An_empty_result_database_is_damaged_not_silently_recreated_but_a_missing_one_is_created()
    {
        Directory.CreateDirectory(StateFolder);
        var db = Path.Combine(StateFolder, "crucible.db");
        File.WriteAllBytes(db, []);

        var r = await CliProcess.RunAsync(_dir.Path, "eval", Examples, "--resume", "nope");

        Assert.Equal(ExitCodes.Failure, r.ExitCode);
        AssertNoStackTrace(r);
        var moved = Assert.Single(MovedAside(StateFolder, "crucible.db"));
        Assert.Equal(0, new FileInfo(moved).Length);
        Assert.Contains("is damaged (the file is empty (0 bytes))", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("fix: ", r.Stderr, StringComparison.Ordinal);

        File.Delete(moved);
        var fresh = await CliProcess.RunAsync(_dir.Path, "eval", Examples, "--resume", "nope");

        Assert.Equal(ExitCodes.BadInput, fresh.ExitCode);
        Assert.True(new FileInfo(db).Length > 0);
        Assert.Empty(MovedAside(StateFolder, "crucible.db"));
    }

    [Fact]
    public async Task A_read_only_working_folder_names_the_folder_and_the_state_dir_fix_and_state_dir_or_the_environment_put_the_state_elsewhere()
    {
        using var elsewhere = new TempDirectory("cli-state-elsewhere");
        // Root ignores permission bits, so the folder is made read-only the way a read-only checkout is: a read-only mount.
        var readOnly = new CliLaunch(_dir.Path) { Wrapper = ["bwrap", "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--ro-bind", _dir.Path, _dir.Path, "--"] };

        var r = await CliProcess.RunAsync(readOnly, "eval", Examples, "--resume", "nope");

        Assert.Equal(ExitCodes.Failure, r.ExitCode);
        AssertNoStackTrace(r);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"error: cannot write Crucible's state folder {StateFolder}: ", lines[0], StringComparison.Ordinal);
        Assert.Equal($"fix: make {StateFolder} writable, or keep Crucible's state elsewhere: {StateException.RelocateHint}", lines[1]);

        var option = await CliProcess.RunAsync(readOnly, "eval", Examples, "--resume", "nope", "--state-dir", Path.Combine(elsewhere.Path, "a"));
        var variable = await CliProcess.RunAsync(
            readOnly with { Environment = new Dictionary<string, string?> { [CliContext.StateDirVariable] = Path.Combine(elsewhere.Path, "b") } },
            "eval", Examples, "--resume", "nope");

        Assert.Equal((ExitCodes.BadInput, ExitCodes.BadInput), (option.ExitCode, variable.ExitCode));
        Assert.StartsWith($"error: no run 'nope' in {Path.Combine(elsewhere.Path, "a", "crucible.db")}", option.Stderr, StringComparison.Ordinal);
        Assert.StartsWith($"error: no run 'nope' in {Path.Combine(elsewhere.Path, "b", "crucible.db")}", variable.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(StateFolder));
    }

    [Fact]
    public void The_state_folder_is_the_option_then_the_environment_then_the_settings_then_dot_crucible()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_home.Path, ".crucible")).FullName, "settings.json"), """{ "state_dir": "~/state-from-settings" }""");
        string Resolve(string? option, string? variable, bool settings)
        {
            using var context = new CliContext(TestContexts.Setup(_dir.Path, _out, _err, settings ? _home.Path : _dir.Path, n => n == CliContext.StateDirVariable ? variable : null));
            context.UseStateDirectory(option);
            return context.StateDirectory;
        }

        Assert.Equal(
            [Path.Combine(_dir.Path, "opt"), Path.Combine(_dir.Path, "env"), Path.Combine(_home.Path, "state-from-settings"), StateFolder],
            [Resolve("opt", "env", true), Resolve(null, "env", true), Resolve(null, null, true), Resolve(null, null, false)]);
    }

    private CliContext RunContext(ScriptedChatClient client) => new(TestContexts.Setup(_dir.Path, _out, _err, _home.Path) with
    {
        ChatClients = spec =>
        {
            _specs.Add(spec);
            return client;
        },
        Pricing = _ => null,
        AgentTools = _ => [new TestReadTool(), new TestWriteTool()],
    });

    private async Task<int> RunAsync(ScriptedChatClient client, string task, string? model = "scripted:test", bool cont = false, string? resume = null)
    {
        using var context = RunContext(client);
        return await RunCommand.RunAsync(
            new RunCommand.RunRequest(task, null, model, "text", null, false, cont, resume, null, null, null, NoSandbox: true, TestCommand: "sh check.sh"), context, Ct);
    }

    private static ScriptedChatClient Answers(string text) => new ScriptedChatClient().ThenText(text);

    [Fact]
    public async Task A_corrupt_sessions_index_is_moved_aside_and_rebuilt_from_the_transcripts_so_every_session_can_still_be_resumed()
    {
        Assert.Equal(ExitCodes.Failure, await RunAsync(Answers("one"), "first task"));
        Assert.Equal(ExitCodes.Failure, await RunAsync(Answers("two"), "second task", model: "scripted:other"));
        var sessions = Path.Combine(StateFolder, "sessions");
        List<SessionInfo> before;
        using (var store = new SessionStore(sessions))
        {
            before = [.. store.Index.List(_dir.Path)];
        }
        Assert.Equal(2, before.Count);
        File.WriteAllBytes(Path.Combine(sessions, "sessions.db"), Garbage);

        var code = await RunAsync(new ScriptedChatClient().Then(r =>
        {
            Assert.Equal(("first task", "one", "third"), (r.Messages[1].Text, r.Messages[2].Text, r.Messages[^1].Text));
            return ScriptedChatClient.Text("three");
        }), "third", model: null, resume: before[1].Id);

        Assert.Equal(ExitCodes.Failure, code);
        var moved = Assert.Single(MovedAside(sessions, "sessions.db"));
        Assert.Equal(Garbage, File.ReadAllBytes(moved));
        Assert.Contains($"warning: the sessions index {Path.Combine(sessions, "sessions.db")} was damaged (", _err.ToString(), StringComparison.Ordinal);
        Assert.Contains($"it was moved to {moved} and rebuilt from 2 transcript(s)", _err.ToString().Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // The resumed session kept its own model (none was given) and the rebuilt index holds both sessions as they were.
        Assert.Equal(["scripted:test", "scripted:other", "scripted:test"], _specs);
        using var reopened = new SessionStore(sessions);
        Assert.Equal(
            before.Select(s => (s.Id, s.Cwd, s.Task, s.Model, s.TranscriptPath)).Order(),
            reopened.Index.List(_dir.Path).Select(s => (s.Id, s.Cwd, s.Task, s.Model, s.TranscriptPath)).Order());
    }

    [Fact]
    public async Task A_missing_sessions_index_is_rebuilt_from_the_transcripts_and_continue_finds_the_latest_session()
    {
        Assert.Equal(ExitCodes.Failure, await RunAsync(Answers("one"), "first task"));
        var sessions = Path.Combine(StateFolder, "sessions");
        foreach (var f in Directory.GetFiles(sessions, "sessions.db*"))
        {
            File.Delete(f);
        }

        var code = await RunAsync(new ScriptedChatClient().Then(r =>
        {
            Assert.Equal("first task", r.Messages[1].Text);
            return ScriptedChatClient.Text("again");
        }), "again", model: null, cont: true);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(["scripted:test", "scripted:test"], _specs);
    }

    [Fact]
    public async Task A_bad_transcript_line_is_reported_with_its_number_and_the_session_resumes_from_the_lines_before_it()
    {
        Assert.Equal(ExitCodes.Failure, await RunAsync(Answers("one"), "first task"));
        var transcript = Assert.Single(Directory.GetFiles(Path.Combine(StateFolder, "sessions"), "*.jsonl"));
        var original = File.ReadAllLines(transcript);
        // Line 4 is damaged: the session start, the system prompt and the first request (lines 1-3) are kept.
        var damaged = original.Take(3).Append("{\"type\": not json").Concat(original.Skip(4)).ToArray();
        File.WriteAllLines(transcript, damaged);

        var code = await RunAsync(new ScriptedChatClient().Then(r =>
        {
            Assert.Equal(["system", "user", "user"], r.Messages.Select(m => m.Role.Value));
            Assert.Equal(("first task", "second"), (r.Messages[1].Text, r.Messages[2].Text));
            return ScriptedChatClient.Text("two");
        }), "second", cont: true);

        Assert.Equal(ExitCodes.Failure, code);
        var moved = Assert.Single(MovedAside(Path.Combine(StateFolder, "sessions"), Path.GetFileName(transcript)));
        Assert.Equal(damaged, File.ReadAllLines(moved));
        var err = _err.ToString().Replace("\n", "", StringComparison.Ordinal);
        Assert.Contains($"warning: transcript {transcript} line 4 is not a valid event (", err, StringComparison.Ordinal);
        Assert.Contains($"the session resumes from the 3 event(s) before it; the damaged file was moved to {moved}", err, StringComparison.Ordinal);
        var resumed = TranscriptReader.ReadValid(transcript);
        Assert.Null(resumed.BadLine);
        Assert.Equal(original.Take(3), File.ReadLines(transcript).Take(3));
    }

    [Fact]
    public async Task Run_without_a_model_takes_the_settings_default_model()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_home.Path, ".crucible")).FullName, "settings.json"), """{ "default_model": "scripted:from-settings" }""");

        Assert.Equal(ExitCodes.Failure, await RunAsync(Answers("one"), "first task", model: null));
        Assert.Equal(ExitCodes.Failure, await RunAsync(Answers("two"), "second task", model: "scripted:given"));

        Assert.Equal(["scripted:from-settings", "scripted:given"], _specs);
    }

    [Fact]
    public async Task Run_without_a_model_a_session_or_a_default_is_bad_input_naming_both_fixes()
    {
        var e = await Assert.ThrowsAsync<BadInputException>(() => RunAsync(Answers("one"), "task", model: null));

        Assert.Equal(("no model given", "pass --model SPEC (e.g. --model anthropic:claude-sonnet-4-5), or set \"default_model\" in ~/.crucible/settings.json or .crucible/settings.json"), (e.Message, e.Fix));
        Assert.Empty(_specs);
    }
}

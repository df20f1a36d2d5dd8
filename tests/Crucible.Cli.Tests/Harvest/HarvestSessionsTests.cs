using System.Text.Json.Nodes;
using Crucible.Testing;

namespace Crucible.Cli.Tests.Harvest;

/// <summary>
/// <c>crucible harvest --sessions</c> over ten real <c>crucible run</c> sessions of the agent (scripted model, real tools,
/// real repository verification with pytest): six make the test pass, four do not.
/// </summary>
public sealed class HarvestSessionsTests : IDisposable
{
    private readonly TempDirectory _repo = new("harvest-sessions");
    private readonly TempDirectory _home = new("harvest-home");
    private readonly TempDirectory _out = new("harvest-sessions-out");

    public HarvestSessionsTests() => GreetingRepository.Create(_repo, "hello");

    public void Dispose()
    {
        _repo.Dispose();
        _home.Dispose();
        _out.Dispose();
    }

    private async Task<int> CliAsync(ScriptedChatClient? client, params string[] args)
    {
        using var context = new CliContext(TestContexts.Setup(_repo.Path, new StringWriter(), new StringWriter(), _home.Path) with
        {
            ChatClients = _ => client ?? throw new InvalidOperationException("no model in this invocation"),
            Pricing = _ => null,
        });
        return await CliApp.RunAsync(args, context);
    }

    /// <summary>The ids of the session transcripts in <paramref name="dir"/>, in ordinal order (none when it does not exist yet).</summary>
    private static List<string> SessionIds(string dir) =>
        Directory.Exists(dir) ? [.. Directory.GetFiles(dir, "*.jsonl").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal)] : [];

    [Fact]
    public async Task Only_verified_sessions_become_sft_and_the_others_become_rejected_and_unpaired_records()
    {
        var codes = new List<int>();
        // Which session each run wrote, read from the folder after the run: ids start with the second the session began, so
        // two sessions of one second do not sort by start time.
        var sessionsDir = Path.Combine(_repo.Path, ".crucible", "sessions");
        var verified = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            var before = SessionIds(sessionsDir);
            var greeting = i < 6 ? "hello" : "goodbye";
            var client = new ScriptedChatClient()
                .ThenCall("write", new Dictionary<string, object?> { ["path"] = "greeting.txt", ["content"] = greeting + "\n" }, $"Attempt {i}: writing the greeting.")
                .ThenText($"Attempt {i} is done.");
            codes.Add(await CliAsync(client, "run", "-p", "make the greeting test pass", "--model", "scripted:test", "--no-sandbox",
                "--permission-mode", "auto", "--test-command", GreetingRepository.TestCommand));
            if (i < 6)
            {
                verified.Add(Assert.Single(SessionIds(sessionsDir).Except(before)));
            }
            // Each session starts from the same commit and a clean tree.
            TestGit.Run(_repo.Path, "clean", "-fdq", "-e", ".crucible");
        }
        Assert.Equal([0, 0, 0, 0, 0, 0], codes.Take(6));
        Assert.All(codes.Skip(6), c => Assert.NotEqual(0, c));

        var code = await CliAsync(null, "harvest", "--sessions", _repo.Path, "--out", _out.Path, "--split", "test=0");

        Assert.Equal(0, code);
        var sessions = SessionIds(sessionsDir);
        Assert.Equal(10, sessions.Count);
        Assert.Equal(6, verified.Count);
        static List<JsonObject> Read(string path) => [.. File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject())];
        var sft = Read(Path.Combine(_out.Path, "sft-trl", "data", "train-00000-of-00001.jsonl"));
        Assert.Equal(verified.Order(), sft.Select(r => (string)r["metadata"]!["run_id"]!).Order());
        Assert.All(sft, r => Assert.Equal("Passed", (string)r["metadata"]!["verdict"]!));
        var kto = Read(Path.Combine(_out.Path, "kto", "data", "train-00000-of-00001.jsonl"));
        Assert.Equal(sessions.Select(s => (s, verified.Contains(s))).Order(), kto.Select(r => ((string)r["metadata"]!["run_id"]!, (bool)r["label"]!)).Order());
        var pairs = Read(Path.Combine(_out.Path, "preference-trl", "data", "train-00000-of-00001.jsonl"));
        Assert.Equal(sessions.Except(verified).Order(), pairs.Select(p => (string)p["metadata"]!["rejected"]!["run_id"]!).Order());
        Assert.All(pairs, p => Assert.Contains((string)p["metadata"]!["chosen"]!["run_id"]!, verified));
        // The conversation is the agent's: a real tool call with its arguments as an object, and the tool's answer.
        var messages = (JsonArray)sft[0]["messages"]!;
        Assert.Contains(messages, m => m!["tool_calls"] is JsonArray calls && (string)calls[0]!["function"]!["arguments"]!["path"]! == "greeting.txt");
        Assert.Contains(messages, m => (string)m!["role"]! == "tool" && (string)m["name"]! == "write");
    }
}

using System.Text.Json;
using Crucible.Agent.Sessions;
using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>
/// The composition root: every invocation runs with its own <see cref="CliContext"/>, so two commands in one
/// process, with different folders, models and consoles, do not see each other.
/// </summary>
public sealed class CliContextTests : IDisposable
{
    private readonly TempDirectory _home = new("cli-context-home");

    public void Dispose() => _home.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, object?> Args(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>One invocation: its repository, its consoles, its scripted model and the specs it was asked for.</summary>
    private sealed class Invocation : IDisposable
    {
        public Invocation(string name, string greeting, Barrier started, string home)
        {
            Name = name;
            // The repository's tests pass only when greeting.txt holds this invocation's own greeting.
            GreetingRepository.Create(Repo, greeting);
            Client = new ScriptedChatClient()
                .Then(_ =>
                {
                    // Both invocations are inside their first model call at the same time: they really run in parallel.
                    Assert.True(started.SignalAndWait(TimeSpan.FromSeconds(30)), "the other invocation never started");
                    return ScriptedChatClient.Call("write", Args(("path", "greeting.txt"), ("content", greeting)));
                })
                .ThenText($"{name} done");
            Context = new CliContext(TestContexts.Setup(Repo.Path, Out, Err, home) with
            {
                ChatClients = spec =>
                {
                    lock (Specs)
                    {
                        Specs.Add(spec);
                    }
                    return Client;
                },
                // Scripted specs have no provider to price them.
                Pricing = _ => null,
            });
        }

        public string Name { get; }
        public TempDirectory Repo { get; } = new("cli-context-repo");
        public StringWriter Out { get; } = new();
        public StringWriter Err { get; } = new();
        public ScriptedChatClient Client { get; }
        public List<string> Specs { get; } = [];
        public CliContext Context { get; }

        public Task<int> RunAsync() => Task.Run(() => CliApp.RunAsync(
            ["run", "-p", $"greet as {Name}", "--model", $"scripted:{Name}", "--permission-mode", "auto-edit", "--output-format", "json", "--no-sandbox", "--test-command", GreetingRepository.TestCommand],
            Context));

        public void Dispose()
        {
            Context.Dispose();
            Repo.Dispose();
        }
    }

    [Fact]
    public async Task Two_runs_in_parallel_with_different_contexts_each_act_on_their_own_folder_model_and_consoles()
    {
        using var started = new Barrier(2);
        using var a = new Invocation("alpha", "hello", started, _home.Path);
        using var b = new Invocation("beta", "bonjour", started, _home.Path);

        var codes = await Task.WhenAll(a.RunAsync(), b.RunAsync());

        Assert.True(codes.All(c => c == ExitCodes.Ok), $"exit codes {string.Join(", ", codes)}\n{a.Err}\n{b.Err}");
        foreach (var (me, greeting) in new[] { (a, "hello"), (b, "bonjour") })
        {
            // The real write tool wrote this invocation's greeting in its own repository, and its tests passed there.
            Assert.Equal(greeting, File.ReadAllText(me.Repo["greeting.txt"]));
            Assert.Equal([$"scripted:{me.Name}"], me.Specs);
            var result = JsonDocument.Parse(me.Out.ToString()).RootElement;
            Assert.Equal(($"{me.Name} done", "passed", true), (result.GetProperty("finalText").GetString(), result.GetProperty("verdict").GetProperty("status").GetString(), result.GetProperty("verdict").GetProperty("passed").GetBoolean()));
            // The session is indexed and transcribed in this repository's state folder only.
            using var store = SessionStore.ForWorkspace(me.Repo.Path);
            var session = Assert.Single(store.Index.List(me.Repo.Path));
            Assert.Equal((result.GetProperty("sessionId").GetString(), $"greet as {me.Name}", $"scripted:{me.Name}"), (session.Id, session.Task, session.Model));
            Assert.StartsWith(me.Repo.Path, result.GetProperty("transcript").GetString(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("beta", a.Out.ToString() + a.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha", b.Out.ToString() + b.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_folder_outside_the_working_folder_receives_the_sessions_and_the_working_folder_gets_none()
    {
        using var started = new Barrier(1);
        using var invocation = new Invocation("solo", "hello", started, _home.Path);
        using var state = new TempDirectory("cli-context-state");
        using var context = new CliContext(invocation.Context.Setup with { StateDirectory = state.Path });

        var code = await CliApp.RunAsync(["run", "-p", "greet", "--model", "scripted:solo", "--permission-mode", "auto-edit", "--output-format", "json", "--no-sandbox", "--test-command", GreetingRepository.TestCommand], context);

        Assert.True(code == ExitCodes.Ok, invocation.Err.ToString());
        Assert.Equal("hello", File.ReadAllText(invocation.Repo["greeting.txt"]));
        using var store = new SessionStore(Path.Combine(state.Path, "sessions"));
        var session = Assert.Single(store.Index.List(invocation.Repo.Path));
        Assert.Equal(Path.Combine(state.Path, "sessions", session.Id + ".jsonl"), JsonDocument.Parse(invocation.Out.ToString()).RootElement.GetProperty("transcript").GetString());
        Assert.False(Directory.Exists(Path.Combine(invocation.Repo.Path, ".crucible", "sessions")));
    }
}

// The agent's own overhead per step, with model latency excluded, against a bare loop in the same run;
// and the time from starting the CLI to its first output.
//
//   dotnet run -c Release --project bench/Crucible.Bench.Agent -- [--steps N] [--runs N] [--starts N]
//
// Model: ZeroLatencyChatClient (below) answers instantly with a prepared tool call, so every measured
// microsecond is harness work. Tool: a no-op. Agent: a real session (permission gate, events, stuck
// detector, context estimate, transcript JSONL written line by line and fsynced at every step (the
// default), plus a second measurement with the fsync in the background).
// Baseline: a bare loop that sends the same history to the same client and calls the same tool
// directly — no gate, no events, no transcript. Both run the same number of steps; the ratio is
// agent / baseline of the per-step medians. Target: agent median < 5 ms per step.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Sandbox;
using Microsoft.Extensions.AI;

var steps = ArgInt("--steps", 200);
var runs = ArgInt("--runs", 5);
var starts = ArgInt("--starts", 5);
var repo = FindRepo();

var work = Path.Combine(Path.GetTempPath(), $"crucible-bench-agent-{Guid.NewGuid():N}");
Directory.CreateDirectory(work);
try
{
    // Warm-up (JIT) for both, not measured.
    await AgentSteps(work, 20, withTranscript: true, TranscriptDurability.SyncEachStep);
    await BareSteps(20);

    var agent = new List<double>();
    var agentBlocking = new List<double>();
    var agentNoTranscript = new List<double>();
    var bare = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        agent.AddRange(await AgentSteps(Path.Combine(work, $"run{i}"), steps, withTranscript: true, TranscriptDurability.SyncEachStepInBackground));
        agentBlocking.AddRange(await AgentSteps(Path.Combine(work, $"sync{i}"), steps, withTranscript: true, TranscriptDurability.SyncEachStep));
        agentNoTranscript.AddRange(await AgentSteps(Path.Combine(work, $"mem{i}"), steps, withTranscript: false, default));
        bare.AddRange(await BareSteps(steps));
    }
    Console.WriteLine($"per-step overhead, {runs} run(s) x {steps} steps, zero-latency model, no-op tool:");
    Report("bare loop (baseline)", bare, null);
    Report("agent, no transcript", agentNoTranscript, bare);
    Report("agent session (default: fsync/step)", agentBlocking, bare);
    Report("agent session (background fsync)", agent, bare);
    Console.WriteLine($"target: agent session (default) median < 5 ms: {(Percentile(agentBlocking, 0.5) < 5 ? "met" : "NOT met")}");

    var cli = Path.Combine(repo, "src", "Crucible.Cli", "bin", Configuration(), "net10.0", "crucible.dll");
    if (File.Exists(cli))
    {
        Console.WriteLine($"\nCLI start to first output ({starts} starts each, {cli}):");
        Report("crucible --help", StartTimes(cli, ["--help"], starts, work), null);
        // Until a provider is wired in, `run` stops at the provider check, right where the session would start.
        Report("crucible run -p (to session start)", StartTimes(cli, ["run", "-p", "noop", "--model", "bench:none", "--output-format", "stream-json"], starts, work), null);
    }
    else
    {
        Console.WriteLine($"\n(CLI not built at {cli}; build src/Crucible.Cli in the same configuration to measure start time)");
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}
return 0;

static async Task<List<double>> AgentSteps(string workspace, int steps, bool withTranscript, TranscriptDurability durability)
{
    Directory.CreateDirectory(workspace);
    var client = new ZeroLatencyChatClient(steps);
    var tools = new IAgentTool[] { new NoopTool() };
    var timer = new StepTimer();
    var context = new ToolContext { WorkspaceRoot = workspace, Sandbox = new UnsandboxedRunner(), CommandPolicy = new SandboxPolicy { WorkspacePath = workspace } };
    // The stuck detector is off: the no-op tool repeats the same call and observation on purpose.
    var options = new AgentOptions { Limits = new AgentLimits { MaxSteps = steps + 1 }, Stuck = new StuckPolicy { RepeatThreshold = 0, AlternationRounds = 0 } };
    if (withTranscript)
    {
        var setup = new AgentSessionSetup { Client = client, Tools = tools, Gate = new AllowAllGate(), ToolContext = context, Options = options, VerifyWhenDone = false, Home = workspace, Durability = durability };
        using var store = SessionStore.ForWorkspace(workspace);
        using var session = AgentSession.Start(setup, store, "bench", [timer]);
        timer.Start();
        await session.RunAsync("go");
    }
    else
    {
        var loop = new AgentLoop(client, tools, new AllowAllGate(), context, options with { Context = new Crucible.Agent.Context.ContextManager(new(), workspace) });
        var conversation = new AgentConversation([new ChatMessage(ChatRole.System, "bench")], [timer]);
        timer.Start();
        await loop.RunAsync(conversation, "go");
    }
    return timer.Steps;
}

static async Task<List<double>> BareSteps(int steps)
{
    var client = new ZeroLatencyChatClient(steps);
    var tool = new NoopTool();
    var messages = new List<ChatMessage> { new(ChatRole.System, "bench"), new(ChatRole.User, "go") };
    var context = new ToolContext { WorkspaceRoot = "/tmp", Sandbox = new UnsandboxedRunner(), CommandPolicy = new SandboxPolicy { WorkspacePath = "/tmp" } };
    var times = new List<double>();
    var clock = Stopwatch.StartNew();
    while (true)
    {
        var response = await client.GetResponseAsync(messages);
        messages.AddRange(response.Messages);
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        if (calls.Count == 0)
        {
            times.Add(clock.Elapsed.TotalMilliseconds);
            return times;
        }
        var results = new List<AIContent>();
        foreach (var call in calls)
        {
            var r = await tool.InvokeAsync(JsonSerializer.SerializeToElement(call.Arguments, AIJsonUtilities.DefaultOptions), context, default);
            results.Add(new FunctionResultContent(call.CallId, r.Content));
        }
        messages.Add(new ChatMessage(ChatRole.Tool, results));
        times.Add(clock.Elapsed.TotalMilliseconds);
        clock.Restart();
    }
}

static List<double> StartTimes(string cli, string[] args, int n, string cwd)
{
    var times = new List<double>();
    for (var i = 0; i < n; i++)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd };
        psi.ArgumentList.Add(cli);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        // First byte on either stream: the first prompt, start event or error the user sees.
        var first = new TaskCompletionSource<double>();
        void Watch(StreamReader r) => Task.Run(async () =>
        {
            var buffer = new char[1];
            if (await r.ReadAsync(buffer.AsMemory()) > 0)
            {
                first.TrySetResult(clock.Elapsed.TotalMilliseconds);
            }
            await r.ReadToEndAsync();
        });
        Watch(p.StandardOutput);
        Watch(p.StandardError);
        p.WaitForExit();
        first.TrySetResult(clock.Elapsed.TotalMilliseconds);
        times.Add(first.Task.Result);
    }
    return times;
}

static void Report(string name, List<double> ms, List<double>? baseline)
{
    var median = Percentile(ms, 0.5);
    var ratio = baseline is null ? "" : $"  ratio vs baseline {median / Math.Max(1e-6, Percentile(baseline, 0.5)):F1}x";
    Console.WriteLine($"  {name,-38} median {median,8:F3} ms   p95 {Percentile(ms, 0.95),8:F3} ms{ratio}");
}

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static int ArgInt(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

static string Configuration() => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Crucible.slnx")))
        {
            return dir.FullName;
        }
    }
    throw new InvalidOperationException("Crucible.slnx not found");
}

/// <summary>A bench double, not a model: answers instantly with a tool call, then with text after N calls.</summary>
internal sealed class ZeroLatencyChatClient(int calls) : IChatClient
{
    private int _served;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var n = _served++;
        var message = n < calls
            ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"call_{n}", "noop", new Dictionary<string, object?> { ["n"] = "1" })])
            : new ChatMessage(ChatRole.Assistant, "done");
        return Task.FromResult(new ChatResponse(message) { Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 } });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var u in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return u;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

internal sealed class NoopTool : IAgentTool
{
    public string Name => "noop";
    public string Description => "does nothing";
    public JsonElement InputSchema { get; } = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"string"}}}""").RootElement.Clone();
    public bool IsMutating => false;
    public Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken) => Task.FromResult(new ToolResult("ok"));
    public CallDescription Describe(JsonElement arguments, ToolContext context) => new(Name);
}

internal sealed class AllowAllGate : IPermissionGate
{
    public ValueTask<PermissionDecision> DecideAsync(PermissionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(PermissionDecision.Allow("bench"));
}

/// <summary>Time between consecutive step ends.</summary>
internal sealed class StepTimer : IAgentEventSink
{
    private readonly Stopwatch _clock = new();

    public List<double> Steps { get; } = [];

    public void Start() => _clock.Restart();

    public void OnEvent(AgentEvent e)
    {
        if (e is StepCompleted)
        {
            Steps.Add(_clock.Elapsed.TotalMilliseconds);
            _clock.Restart();
        }
    }
}

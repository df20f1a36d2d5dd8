using System.Text.Json;
using Crucible.Cli;
using Crucible.Core.Tasks;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Crucible.Viewer.Tests;

/// <summary>
/// A real evaluation run to look at: <c>crucible eval</c> over an Aider polyglot Python task with <c>--solver agent</c> and
/// <c>--repeat 2</c>, the agent driven by a scripted chat client through its real tools. Attempt 0 writes the reference
/// solution with the <c>write</c> tool (passes: a trajectory, a diff, a verdict with per-test outcomes); attempt 1 gives
/// up (fails on the stub). The hidden tests grade both with the real verifier (pytest in the bubblewrap sandbox, whose Debian python3 has pytest).
/// </summary>
public sealed class AgentRunFixture : IAsyncLifetime
{
    /// <summary>The task the run grades.</summary>
    public const string TaskId = "python/proverb";

    /// <summary>Dollars per input and output token of the scripted model.</summary>
    public const decimal InputPrice = 0.000003m, OutputPrice = 0.000015m;

    public TempDirectory Dir { get; } = new("viewer-run");

    public TempDirectory Home { get; } = new("viewer-home");

    public string RunId { get; private set; } = "";

    /// <summary>A second run of the same task with the reference solver (pass@1 1.0), to compare with.</summary>
    public string ReferenceRunId { get; private set; } = "";

    /// <summary>The reference file the agent wrote (workspace-relative) and its text.</summary>
    public (string Path, string Text) Solution { get; private set; }

    public string EvalOutput { get; private set; } = "";

    public string Database => Path.Combine(Dir.Path, ".crucible", "crucible.db");

    public static TaskSpec Task() => TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), TaskId).Tasks.Single();

    /// <summary>A CLI context in the run's folder, printing to the given writers.</summary>
    internal CliContext Context(StringWriter output, StringWriter errors, IChatClient? client = null, CliInterrupts? interrupts = null, Func<Uri, string?>? openBrowser = null) => new(new CliSetup
    {
        WorkingDirectory = Dir.Path,
        Home = Home.Path,
        Environment = _ => null,
        Out = Plain(output),
        Err = Plain(errors),
        ChatClients = _ => client ?? throw new InvalidOperationException("no model in this context"),
        Pricing = _ => usage => (usage.InputTokenCount ?? 0) * InputPrice + (usage.OutputTokenCount ?? 0) * OutputPrice,
        Interrupts = interrupts ?? new CliInterrupts(),
        OpenBrowser = openBrowser ?? (_ => "no browser in tests"),
    });

    public async ValueTask InitializeAsync()
    {
        var task = Task();
        var reference = task.ReferenceFiles.Single(f => f.Path.EndsWith(".py", StringComparison.Ordinal));
        Solution = (reference.Path, System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(reference)));
        var client = new ScriptedChatClient { UsagePerResponse = new UsageDetails { InputTokenCount = 1200, OutputTokenCount = 300 } }
            .ThenCall("write", new Dictionary<string, object?> { ["path"] = Solution.Path, ["content"] = Solution.Text }, "Writing the proverb function.")
            .ThenText("Implemented proverb.")
            .ThenText("I could not solve it.");
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = Context(output, errors, client);
        var code = await CliApp.RunAsync(["eval", TestPaths.AiderPolyglot, "--filter", TaskId, "--solver", "agent", "--model", "scripted:viewer", "--samples", "2", "--json"], context);
        EvalOutput = $"{output}\n{errors}";
        if (code != 0)
        {
            throw new InvalidOperationException($"eval exited {code}:\n{EvalOutput}");
        }
        using var summary = JsonDocument.Parse(output.ToString());
        RunId = summary.RootElement.GetProperty("run").GetProperty("id").GetString()!;

        var referenceOutput = new StringWriter();
        using var referenceContext = Context(referenceOutput, errors);
        code = await CliApp.RunAsync(["eval", TestPaths.AiderPolyglot, "--filter", TaskId, "--solver", "reference", "--json"], referenceContext);
        if (code != 0)
        {
            throw new InvalidOperationException($"reference eval exited {code}:\n{referenceOutput}\n{errors}");
        }
        using var referenceSummary = JsonDocument.Parse(referenceOutput.ToString());
        ReferenceRunId = referenceSummary.RootElement.GetProperty("run").GetProperty("id").GetString()!;
    }

    public ValueTask DisposeAsync()
    {
        Dir.Dispose();
        Home.Dispose();
        return ValueTask.CompletedTask;
    }

    private static IAnsiConsole Plain(StringWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 240;
        return console;
    }
}

[CollectionDefinition(Name)]
public sealed class AgentRunCollection : ICollectionFixture<AgentRunFixture>
{
    public const string Name = "agent run";
}

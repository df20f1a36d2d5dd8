using System.Diagnostics;
using Crucible.Testing;
using Crucible.Testing.OpenAI;
using static Crucible.Cli.Tests.ScriptedModelEndpoint;

namespace Crucible.Cli.Tests;

/// <summary>
/// Interactive <c>crucible run</c> in a real terminal: the CLI runs in a tmux session, keys are typed with
/// <c>send-keys</c> and the screen is read with <c>capture-pane</c>. The model is a local OpenAI-compatible server
/// playing a script through the real provider; the agent edits real files of a small C# project and, when it is
/// done, the harness runs the project's tests (<c>dotnet test</c>, detected) in the sandbox.
/// </summary>
public sealed class InteractiveRunThroughTmuxTests : IDisposable
{
    /// <summary>Bound on each wait for the screen (a CLI start or a model step on a loaded machine).</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Bound on the wait for the verdict: a restore, build and test run of the project in the sandbox.</summary>
    private static readonly TimeSpan VerdictTimeout = TimeSpan.FromMinutes(8);

    private const string EvenCaseOld = "return (sorted[middle] + sorted[middle + 1]) / 2;";
    private const string EvenCaseNew = "return (sorted[middle - 1] + sorted[middle]) / 2;";
    private const string EmptyCheck = "throw new InvalidOperationException(\"The median of an empty sequence is undefined.\");";
    private const string CopyLine = "var sorted = values.ToArray();";
    private const string InPlaceLine = "var sorted = (double[])values;";

    private readonly TempDirectory _repo = new("cli-tmux");

    public InteractiveRunThroughTmuxTests()
    {
        // A small real C# project with failing tests: the median-fix example's workspace, as a git repository.
        var source = Path.Combine(TestPaths.Examples, "median-fix", "workspace");
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(_repo.Path, Path.GetFileName(file)));
        }
        Git("init", "-q");
        Git("add", "-A");
        Git("-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "median");
        WritePrices(_repo.Path);
    }

    public void Dispose() => _repo.Dispose();

    private void Git(params string[] args) => TestGit.Run(_repo.Path, args);

    [Fact]
    public async Task A_typed_task_shows_the_diff_of_each_edit_the_approval_and_the_denial_then_the_verdict_and_the_cost()
    {
        await using var model = await StartAsync(
            Reply("I'll read the median code first.", 1000, 100, Call("read", new { path = "Statistics.cs" })),
            Reply("The even case averages the wrong pair, and an empty input must throw.", 1500, 200, Call("edit", new
            {
                path = "Statistics.cs",
                edits = new[]
                {
                    new { old_string = EvenCaseOld, new_string = EvenCaseNew },
                    new { old_string = "var middle = sorted.Length / 2;", new_string = $"if (sorted.Length == 0)\n        {{\n            {EmptyCheck}\n        }}\n        var middle = sorted.Length / 2;" },
                },
            })),
            Reply("I'll also sort in place to save a copy.", 1800, 80, Call("edit", new { path = "Statistics.cs", old_string = CopyLine, new_string = InPlaceLine })),
            Reply("Fixed the median: the even case averages the two middle values, and an empty input throws.", 2000, 40));

        await using var tmux = await TmuxSession.StartAsync(_repo.Path, 200, 50, ["dotnet", CliProcess.CliDll, "run", "--model", model.Spec]);
        await tmux.WaitForTextAsync("Ctrl-D exits", StepTimeout);
        await tmux.TypeAsync("fix the failing median tests");
        await tmux.EnterAsync();

        // The first edit: its diff is on screen before the question; approve it.
        var screen = await tmux.WaitForTextAsync("approve? edit Statistics.cs", StepTimeout);
        // On a loaded machine the capture can land between writes of one frame: wait for the diff's last line too.
        screen = await tmux.WaitForTextAsync("+             " + EmptyCheck, StepTimeout);
        Assert.Contains("I'll read the median code first.", screen, StringComparison.Ordinal);
        Assert.Contains("● read Statistics.cs", screen, StringComparison.Ordinal);
        Assert.Contains("- " + EvenCaseOld, screen, StringComparison.Ordinal);
        Assert.Contains("+ " + EvenCaseNew, screen, StringComparison.Ordinal);
        Assert.Contains("+             " + EmptyCheck, screen, StringComparison.Ordinal);
        await tmux.TypeAsync("y");
        await tmux.EnterAsync();

        // The second edit: its diff, then deny it.
        screen = await tmux.WaitForTextAsync("approve? edit Statistics.cs", StepTimeout, times: 2);
        Assert.Contains("● edit Statistics.cs", screen, StringComparison.Ordinal);
        Assert.Contains("- " + CopyLine, screen, StringComparison.Ordinal);
        Assert.Contains("+ " + InPlaceLine, screen, StringComparison.Ordinal);
        await tmux.TypeAsync("n");
        await tmux.EnterAsync();
        screen = await tmux.WaitForTextAsync("✗ edit Statistics.cs (denied: ", StepTimeout);

        // Done: the harness runs the tests and shows the verdict, then the usage line with the cost.
        screen = await tmux.WaitForTextAsync("verdict: Passed 6/6 tests", VerdictTimeout);
        var cost = CostText(Cost(1000 + 1500 + 1800 + 2000, 100 + 200 + 80 + 40));
        screen = await tmux.WaitForTextAsync($"completed · 4 step(s) · 6,720 tokens · {cost}", StepTimeout);
        Assert.Contains("Fixed the median: the even case averages the two middle values, and an empty input throws.", screen, StringComparison.Ordinal);

        // On disk: the approved edit is there, the denied one is not; the model was told about the denial.
        var code = File.ReadAllText(Path.Combine(_repo.Path, "Statistics.cs"));
        Assert.Equal((true, true, true, false), (code.Contains(EvenCaseNew, StringComparison.Ordinal), code.Contains(EmptyCheck, StringComparison.Ordinal),
            code.Contains(CopyLine, StringComparison.Ordinal), code.Contains(InPlaceLine, StringComparison.Ordinal)));
        var denial = model.Server.Bodies[3]["messages"]!.AsArray().Last()!;
        Assert.Equal("tool", (string?)denial["role"]);
        Assert.StartsWith("permission denied:", (string?)denial["content"], StringComparison.Ordinal);
        Assert.Empty(model.Server.Violations);
        Assert.Equal(4, model.Server.Received.Count);
    }

    [Fact]
    public async Task Ctrl_C_interrupts_the_request_in_progress_and_the_session_takes_the_next_one()
    {
        await using var model = await StartAsync(
            new StallingReply(),
            Reply("Still here.", 500, 5));

        await using var tmux = await TmuxSession.StartAsync(_repo.Path, 200, 50, ["dotnet", CliProcess.CliDll, "run", "--model", model.Spec]);
        await tmux.WaitForTextAsync("Ctrl-D exits", StepTimeout);
        await tmux.TypeAsync("think about the median");
        await tmux.EnterAsync();
        await tmux.WaitForTextAsync("Thinking", StepTimeout); // the answer streams, then the server stalls

        await tmux.PressAsync("C-c");
        await tmux.WaitForTextAsync("interrupted · 1 step(s)", StepTimeout);
        Assert.Null(await tmux.ExitStatusAsync());

        await tmux.TypeAsync("are you still there?");
        await tmux.EnterAsync();
        var screen = await tmux.WaitForTextAsync("completed · 1 step(s)", StepTimeout);
        Assert.Contains("Still here.", screen, StringComparison.Ordinal);
        var second = model.Server.Bodies[1]["messages"]!.AsArray();
        Assert.Equal(("think about the median", "are you still there?"), ((string?)second[1]!["content"], (string?)second[^1]!["content"]));

        // Ctrl-D at the empty prompt ends the session.
        await tmux.PressAsync("C-d");
        Assert.Equal(0, await tmux.WaitForExitAsync(StepTimeout));
        Assert.Empty(model.Server.Violations);
    }

    [Fact]
    public async Task Ctrl_C_at_the_prompt_clears_a_half_typed_line_and_the_session_goes_on()
    {
        await using var model = await StartAsync(Reply("Hello.", 500, 5));

        await using var tmux = await TmuxSession.StartAsync(_repo.Path, 200, 50, ["dotnet", CliProcess.CliDll, "run", "--model", model.Spec]);
        await tmux.WaitForTextAsync("Ctrl-D exits", StepTimeout);
        await tmux.TypeAsync("half a thought");
        await tmux.WaitForTextAsync("> half a thought", StepTimeout);
        await tmux.PressAsync("C-c");
        await tmux.WaitForTextAsync("half a thought^C", StepTimeout);
        Assert.Null(await tmux.ExitStatusAsync());

        // The cleared text is gone: only what is typed next is sent. Up recalls it from the history, edited in place.
        await tmux.TypeAsync("say hello");
        await tmux.EnterAsync();
        await tmux.WaitForTextAsync("completed · 1 step(s)", StepTimeout);
        await tmux.PressAsync("Up");
        await tmux.WaitForTextAsync("> say hello", StepTimeout, times: 2);
        await tmux.PressAsync("Home");
        await tmux.TypeAsync("please ");
        await tmux.WaitForTextAsync("> please say hello", StepTimeout);
        await tmux.PressAsync("C-c");
        await tmux.PressAsync("C-d");

        Assert.Equal(0, await tmux.WaitForExitAsync(StepTimeout));
        Assert.Equal("say hello", (string?)model.Server.Bodies.Single()["messages"]!.AsArray()[^1]!["content"]);
        Assert.Equal(["say hello"], File.ReadAllLines(Path.Combine(_repo.Path, ".crucible", "prompt-history")));
    }

    [Fact]
    public async Task Ctrl_D_after_an_interrupted_step_exits_every_time()
    {
        // The known hang, about one run in three: a Ctrl-D typed while the interrupted step was still stopping reached
        // the terminal between two reads and was swallowed. Every other round presses it without waiting for the prompt.
        const int Rounds = 20;
        await using var model = await StartAsync([.. Enumerable.Range(0, Rounds).Select(_ => new StallingReply())]);
        for (var round = 0; round < Rounds; round++)
        {
            await using var tmux = await TmuxSession.StartAsync(_repo.Path, 200, 50, ["dotnet", CliProcess.CliDll, "run", "--model", model.Spec]);
            await tmux.WaitForTextAsync("Ctrl-D exits", StepTimeout);
            await tmux.TypeAsync("think");
            await tmux.EnterAsync();
            await tmux.WaitForTextAsync("Thinking", StepTimeout);
            await tmux.PressAsync("C-c");
            if (round % 2 == 0)
            {
                await tmux.WaitForTextAsync("interrupted · 1 step(s)", StepTimeout);
            }
            await tmux.PressAsync("C-d");

            var exit = await tmux.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, $"round {round + 1}: exit {exit}\n{await tmux.CaptureAsync()}");
        }
        Assert.Equal(Rounds, model.Server.Received.Count);
    }
}

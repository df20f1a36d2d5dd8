using System.Diagnostics;
using Crucible.Agent.Loop;
using Crucible.Agent.Sessions;
using Crucible.Testing;
using Microsoft.Extensions.AI;
using static Crucible.Agent.Tests.Loop.LoopHarness;
using static Crucible.Agent.Tests.Sessions.SessionHarness;

namespace Crucible.Agent.Tests.Sessions;

public sealed class KillAndResumeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Session_killed_with_sigkill_mid_run_resumes_with_every_completed_step()
    {
        using var repo = new TempDirectory("agent-kill");
        const int Steps = 3;
        var host = HostPath();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(host);
        psi.ArgumentList.Add(repo.Path);
        psi.ArgumentList.Add(Steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(psi)!;
        var seen = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(Ct) is { } line)
        {
            seen.Add(line);
            if (line == "blocked")
            {
                break;
            }
        }
        Assert.Equal("blocked", seen[^1]);
        process.Kill(); // SIGKILL on Linux: no cleanup, no flush, no finally blocks
        await process.WaitForExitAsync(Ct);
        Assert.Equal(137, process.ExitCode);

        using var store = SessionStore.ForWorkspace(repo.Path);
        var info = store.Index.Latest(repo.Path)!;
        Assert.Equal(("running", Steps), (info.Status, info.LastStep));
        var events = TranscriptReader.Read(info.TranscriptPath);
        Assert.Equal(Enumerable.Range(1, Steps), events.OfType<StepCompleted>().Select(s => s.Step));
        Assert.Equal(Steps, events.OfType<ToolCallFinished>().Count(f => f.Tool == "write" && !f.IsError));
        for (var i = 1; i <= Steps; i++)
        {
            Assert.Equal($"content {i}", File.ReadAllText(repo[$"f{i}.txt"]));
        }

        var client = new ScriptedChatClient().Then(r =>
        {
            // The model sees every completed step, the interrupted call closed with a result, then the new request.
            var results = r.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(c => c.Result?.ToString()).ToList();
            Assert.Equal(["wrote f1.txt", "wrote f2.txt", "wrote f3.txt", "no result: the session stopped before this call finished; check the workspace before repeating it"], results);
            Assert.Equal("continue", r.Messages[^1].Text);
            return ScriptedChatClient.Call("read", Args(("path", "f3.txt")));
        }).ThenText("all files are there");
        using var resumed = AgentSession.Resume(Setup(repo.Path, client), store, info);
        var result = await resumed.RunAsync("continue", Ct);

        Assert.Equal((AgentRunStatus.Completed, "all files are there"), (result.Status, result.FinalText));
        var after = TranscriptReader.Read(info.TranscriptPath);
        Assert.Equal([1, 2, 3, 5, 6], after.OfType<StepCompleted>().Select(s => s.Step));
        Assert.Equal(("completed", 6), (store.Index.Find(info.Id)!.Status, store.Index.Find(info.Id)!.LastStep));
    }

    private static string HostPath()
    {
        // Same configuration as this test assembly: .../tests/Crucible.Agent.Tests/bin/<config>/net10.0/
        var config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "Crucible.Agent.TestHost", "bin", config, "net10.0", "Crucible.Agent.TestHost.dll");
        Assert.True(File.Exists(path), $"the test host is not built at {path}");
        return path;
    }
}

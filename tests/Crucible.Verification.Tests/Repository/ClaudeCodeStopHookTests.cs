using System.Diagnostics;
using System.Text.Json;
using Crucible.Testing;

namespace Crucible.Verification.Tests.Repository;

/// <summary>
/// The Claude Code Stop-hook recipe of docs/verify.md, run as Claude Code runs it: hook JSON on stdin, a decision
/// JSON (or nothing) on stdout. <c>crucible</c> is replaced by a script that answers with a chosen exit code.
/// </summary>
public sealed class ClaudeCodeStopHookTests : IDisposable
{
    private static readonly string Hook = Path.Combine(TestPaths.RepoRoot, "docs", "hooks", "claude-code-stop-hook.sh");
    private readonly TempDirectory _dir = new("stop-hook");

    public void Dispose() => _dir.Dispose();

    private (int Exit, string Stdout, string Invocation) RunHook(int verifyExit, bool stopHookActive, string session = "s-1", int maxBlocks = 3)
    {
        var fake = _dir.Write("bin/crucible", $"#!/bin/sh\necho \"$PWD $*\" > {_dir["invocation.txt"]}\necho 'NOT VERIFIED'\necho 'evidence run: 1 test broken'\nexit {verifyExit}\n");
        File.SetUnixFileMode(fake, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(_dir["repo"]);
        var psi = new ProcessStartInfo("bash", [Hook]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["CRUCIBLE"] = fake;
        psi.Environment["CRUCIBLE_STOP_HOOK_MAX_BLOCKS"] = maxBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["TMPDIR"] = _dir.Path;
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["session_id"] = session, ["transcript_path"] = "/dev/null", ["cwd"] = _dir["repo"], ["hook_event_name"] = "Stop", ["stop_hook_active"] = stopHookActive,
        }));
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, File.ReadAllText(_dir["invocation.txt"]).Trim());
    }

    [Fact]
    public void A_failing_verify_blocks_the_stop_with_the_verdict_as_the_reason()
    {
        var (exit, stdout, invocation) = RunHook(verifyExit: 1, stopHookActive: false);

        Assert.Equal(0, exit);
        Assert.Equal($"{_dir["repo"]} verify --strict", invocation);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(["decision", "reason"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("block", doc.RootElement.GetProperty("decision").GetString());
        Assert.Equal(
            "crucible verify --strict did not verify your change (attempt 1 of 3). Fix the code, not the tests or the test configuration, then finish again. Verdict:\nNOT VERIFIED\nevidence run: 1 test broken",
            doc.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void A_verified_change_lets_claude_stop_with_no_output()
    {
        var (exit, stdout, _) = RunHook(verifyExit: 0, stopHookActive: true);

        Assert.Equal((0, ""), (exit, stdout));
    }

    [Fact]
    public void After_the_block_limit_in_a_row_the_hook_lets_claude_stop_and_tells_the_user()
    {
        var first = RunHook(verifyExit: 1, stopHookActive: false, maxBlocks: 2);
        var second = RunHook(verifyExit: 1, stopHookActive: true, maxBlocks: 2);
        var third = RunHook(verifyExit: 1, stopHookActive: true, maxBlocks: 2);
        var fresh = RunHook(verifyExit: 1, stopHookActive: false, maxBlocks: 2);

        Assert.Equal("block", JsonDocument.Parse(first.Stdout).RootElement.GetProperty("decision").GetString());
        Assert.Contains("attempt 2 of 2", JsonDocument.Parse(second.Stdout).RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var giveUp = JsonDocument.Parse(third.Stdout).RootElement;
        Assert.Equal(["systemMessage"], giveUp.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("crucible verify --strict still fails after 2 attempts", giveUp.GetProperty("systemMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("attempt 1 of 2", JsonDocument.Parse(fresh.Stdout).RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_does_not_trap_claude_in_a_loop()
    {
        var (exit, stdout, _) = RunHook(verifyExit: 2, stopHookActive: false);

        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(0, exit);
        Assert.Equal(["systemMessage"], root.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("crucible verify could not run (exit 2)", root.GetProperty("systemMessage").GetString(), StringComparison.Ordinal);
    }
}

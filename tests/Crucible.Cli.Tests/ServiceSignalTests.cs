using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Testing;
using Crucible.Testing.Processes;

namespace Crucible.Cli.Tests;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM sent to the long-running commands, <c>crucible serve</c> and <c>crucible mcp</c>, as real
/// processes: serve cancels the verification in flight (its caller gets 503 <c>server_stopping</c>), and both exit 130
/// or 143 leaving no temp folder and no child process; <c>crucible mcp</c> also exits 0 when its client closes stdin.
/// </summary>
public sealed partial class ServiceSignalTests : IDisposable
{
    /// <summary>Bound on reaching the middle of the work (a start and a sandboxed pytest on a loaded machine).</summary>
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Bound on the exit after the signal or the end of input: the current step stops, it is not waited for.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The Python suite of the server tests (one task, <c>add</c>).</summary>
    private static string PythonSuite => Path.Combine(TestPaths.RepoRoot, "tests", "Crucible.Server.Tests", "Suites", "pysuite");

    private readonly TempDirectory _dir = new("cli-service-signals");
    private readonly string _tmp;

    public ServiceSignalTests() => _tmp = Directory.CreateDirectory(Path.Combine(_dir.Path, "tmp")).FullName;

    public void Dispose() => _dir.Dispose();

    private string Work => Directory.CreateDirectory(Path.Combine(_dir.Path, "work")).FullName;

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Serve_cancels_the_verification_in_flight_answers_503_and_exits_leaving_nothing_behind(int signal, int exitCode)
    {
        using var cli = RunningCli.Start(Work, _tmp, "serve", "--listen", "127.0.0.1:0", "--suite", "py=" + PythonSuite, "--slots", "1");
        await cli.WaitForStderrAsync("listening on", WorkTimeout);
        using var http = new HttpClient { BaseAddress = new Uri(ListeningOn().Match(cli.Stderr).Groups[1].Value), Timeout = WorkTimeout };
        // A candidate whose graded test never finishes on its own: only the signal can end this verification.
        var hanging = new { task = new { suite = "py", id = "add" }, files = new Dictionary<string, string> { ["add.py"] = "import time\n\n\ndef add(a, b):\n    time.sleep(600)\n    return a + b\n" } };
        var response = http.PostAsJsonAsync("/v1/verify", hanging, TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => ProcessTree.DescendantCommandLines(cli.Pid).Any(c => c.Contains("pytest", StringComparison.Ordinal)));
        var children = cli.Descendants();
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        using var answer = await response.WaitAsync(StopTimeout, TestContext.Current.CancellationToken);
        var text = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(text.Contains("server_stopping", StringComparison.Ordinal), $"{(int)answer.StatusCode} {text}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal((exitCode, ""), (r.ExitCode, r.Stdout));
        Assert.Equal((503, "server_stopping"), ((int)answer.StatusCode, body.RootElement.GetProperty("error").GetProperty("code").GetString()));
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.CrucibleTempEntries());
        Assert.Empty(await RunningCli.LeftBehindAsync(children));
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Serve_answers_503_to_a_run_code_request_in_flight_instead_of_a_sandbox_result(int signal, int exitCode)
    {
        using var cli = RunningCli.Start(Work, _tmp, "serve", "--listen", "127.0.0.1:0", "--slots", "1");
        await cli.WaitForStderrAsync("listening on", WorkTimeout);
        using var http = new HttpClient { BaseAddress = new Uri(ListeningOn().Match(cli.Stderr).Groups[1].Value), Timeout = WorkTimeout };
        // SandboxFusion's request: a program that only the signal can end. Its killed process must not be reported as the
        // program's own result (a 200 with a failed run would read as the program's fault to verl).
        var sleeper = new { code = "import time\nprint('started', flush=True)\ntime.sleep(600)\n", language = "python", run_timeout = 600 };
        var response = http.PostAsJsonAsync("/run_code", sleeper, TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => ProcessTree.DescendantCommandLines(cli.Pid).Any(c => c.Contains("main.py", StringComparison.Ordinal)));
        var children = cli.Descendants();
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        using var answer = await response.WaitAsync(StopTimeout, TestContext.Current.CancellationToken);
        var text = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var body = JsonDocument.Parse(text);
        Assert.Equal((503, "server_stopping"), ((int)answer.StatusCode, body.RootElement.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : text));
        Assert.Equal((exitCode, ""), (r.ExitCode, r.Stdout));
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.CrucibleTempEntries());
        Assert.Empty(await RunningCli.LeftBehindAsync(children));
    }

    [Fact]
    public async Task Mcp_exits_0_when_its_client_closes_stdin_and_leaves_nothing_behind()
    {
        using var cli = RunningCli.StartWithInput(Work, _tmp, "mcp", "--suite", "py=" + PythonSuite);
        await InitializeAsync(cli);
        cli.Input.Close();
        var r = await cli.WaitForExitAsync(StopTimeout);

        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        Assert.Empty(cli.CrucibleTempEntries());
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public async Task Mcp_exits_on_a_signal_with_its_client_still_connected(int signal, int exitCode)
    {
        using var cli = RunningCli.StartWithInput(Work, _tmp, "mcp", "--suite", "py=" + PythonSuite);
        await InitializeAsync(cli);
        cli.Signal(signal);
        var r = await cli.WaitForExitAsync(StopTimeout);

        Assert.Equal(exitCode, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        // stdout carries MCP messages only: the answer to initialize, nothing printed about the signal.
        Assert.All(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Equal("2.0", JsonDocument.Parse(line).RootElement.GetProperty("jsonrpc").GetString()));
        Assert.Empty(cli.CrucibleTempEntries());
    }

    /// <summary>Sends MCP's initialize request on stdin and waits for the server's answer on stdout (the server is up).</summary>
    private static async Task InitializeAsync(RunningCli cli)
    {
        await cli.Input.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"signal-test","version":"1"}}}""");
        await cli.Input.FlushAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => cli.Stdout.Contains("\"serverInfo\"", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < WorkTimeout, "the process did not reach the middle of its work in time");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}

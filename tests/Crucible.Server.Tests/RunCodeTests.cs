namespace Crucible.Server.Tests;

/// <summary>SandboxFusion's /run_code: python, C# and Go with stdin, compile and run timeouts, and out-of-memory as its own status.</summary>
public sealed class RunCodeTests : IAsyncLifetime
{
    private ServerTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServerTestHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<(string? Status, string? Compile, string? Run, int? Code, string? Stdout)> RunAsync(object request)
    {
        using var client = _host.Client();
        var (http, body) = await ServerTestHost.PostAsync(client, "/run_code", request);
        Assert.Equal(200, http);
        string? StatusOf(string step) => body.GetProperty(step).ValueKind == System.Text.Json.JsonValueKind.Null ? null : body.GetProperty(step).GetProperty("status").GetString();
        var run = body.GetProperty("run_result");
        return (body.GetProperty("status").GetString(), StatusOf("compile_result"), StatusOf("run_result"),
            run.ValueKind == System.Text.Json.JsonValueKind.Null ? null : run.GetProperty("return_code").GetInt32(),
            run.ValueKind == System.Text.Json.JsonValueKind.Null ? null : run.GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task Python_csharp_and_go_programs_read_stdin_and_write_stdout()
    {
        var python = await RunAsync(new { code = "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))", language = "python", stdin = "1 2 3", compile_timeout = 10, run_timeout = 10, files = new { }, fetch_files = Array.Empty<string>() });
        var csharp = await RunAsync(new { code = "using System;\nclass P { static void Main() { var s = Console.ReadLine()!.Split(' '); Console.WriteLine(int.Parse(s[0]) * int.Parse(s[1])); } }", language = "csharp", stdin = "6 7", compile_timeout = 30, run_timeout = 10 });
        var go = await RunAsync(new { code = "package main\nimport \"fmt\"\nfunc main() { var a, b int; fmt.Scan(&a, &b); fmt.Println(a - b) }", language = "go", stdin = "10 4", compile_timeout = 30, run_timeout = 10 });

        Assert.Equal(("Success", null, "Finished", 0, "6\n"), python);
        Assert.Equal(("Success", "Finished", "Finished", 0, "42\n"), csharp);
        Assert.Equal(("Success", "Finished", "Finished", 0, "6\n"), go);
    }

    [Fact]
    public async Task Compile_errors_runtime_errors_timeouts_and_out_of_memory_are_told_apart()
    {
        var compileError = await RunAsync(new { code = "class P { static void Main() { int x = \"no\"; } }", language = "csharp", compile_timeout = 30, run_timeout = 10 });
        var runtimeError = await RunAsync(new { code = "raise SystemExit(3)", language = "python" });
        var timeout = await RunAsync(new { code = "while True:\n    pass", language = "python", run_timeout = 1 });
        var memory = await RunAsync(new { code = "x = bytearray(700 * 1024 * 1024)\nprint(len(x))", language = "python", memory_limit_MB = 128 });

        Assert.Equal(("Failed", "Finished", null), (compileError.Status, compileError.Compile, compileError.Run));
        Assert.Equal(("Failed", "Finished", 3), (runtimeError.Status, runtimeError.Run, runtimeError.Code));
        Assert.Equal(("Failed", "TimeLimitExceeded"), (timeout.Status, timeout.Run));
        Assert.Equal(("Failed", "MemoryLimitExceeded", ""), (memory.Status, memory.Run, memory.Stdout));
    }

    [Fact]
    public async Task Files_are_written_before_the_run_and_fetched_after_it()
    {
        using var client = _host.Client();
        var (http, body) = await ServerTestHost.PostAsync(client, "/run_code", new
        {
            code = "print(open('data/in.txt').read().upper())\nopen('out.txt', 'w').write('done')",
            language = "python",
            files = new Dictionary<string, string> { ["data/in.txt"] = Convert.ToBase64String("hello"u8.ToArray()) },
            fetch_files = new[] { "out.txt", "missing.txt" },
        });

        Assert.Equal((200, "Success", "HELLO\n"), (http, body.GetProperty("status").GetString(), body.GetProperty("run_result").GetProperty("stdout").GetString()));
        Assert.Equal(["out.txt"], body.GetProperty("files").EnumerateObject().Select(p => p.Name));
        Assert.Equal("done", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(body.GetProperty("files").GetProperty("out.txt").GetString()!)));
    }
}

using System.Text;
using System.Text.Json.Serialization;
using Crucible.Core.IO;
using Crucible.Core.Sandbox;
using Crucible.Verification.Grading;

namespace Crucible.Server;

/// <summary>
/// SandboxFusion's <c>RunCodeRequest</c>, field for field (<c>sandbox/server/sandbox_api.py</c> and
/// <c>sandbox/runners/types.py</c> of bytedance/SandboxFusion). Timeouts are seconds; <c>memory_limit_MB</c> of -1 means
/// the server's default. <c>files</c> maps workspace-relative names to base64 content; <c>fetch_files</c> names files
/// to return (base64) after the run.
/// </summary>
public sealed record RunCodeRequest
{
    /// <summary>The program's source.</summary>
    [JsonPropertyName("code")] public string? Code { get; init; }

    /// <summary><c>python</c>, <c>csharp</c> or <c>go</c>.</summary>
    [JsonPropertyName("language")] public string? Language { get; init; }

    /// <summary>Seconds allowed for compiling (csharp, go).</summary>
    [JsonPropertyName("compile_timeout")] public double CompileTimeout { get; init; } = 10;

    /// <summary>Seconds allowed for running.</summary>
    [JsonPropertyName("run_timeout")] public double RunTimeout { get; init; } = 10;

    /// <summary>Memory limit in MB; -1 for the server's default.</summary>
    [JsonPropertyName("memory_limit_MB")] public int MemoryLimitMB { get; init; } = -1;

    /// <summary>Standard input of the run.</summary>
    [JsonPropertyName("stdin")] public string? Stdin { get; init; }

    /// <summary>Extra files, name → base64 content (null content is skipped, as SandboxFusion does).</summary>
    [JsonPropertyName("files")] public Dictionary<string, string?>? Files { get; init; }

    /// <summary>Files to return after the run, base64.</summary>
    [JsonPropertyName("fetch_files")] public List<string>? FetchFiles { get; init; }
}

/// <summary>SandboxFusion's <c>CommandRunResult</c>: one compile or run step.</summary>
/// <param name="Status"><c>Finished</c>, <c>Error</c>, <c>TimeLimitExceeded</c>, or <c>MemoryLimitExceeded</c> (Crucible's addition: SandboxFusion reports out-of-memory as a plain non-zero exit).</param>
/// <param name="ExecutionTime">Wall time in seconds.</param>
/// <param name="ReturnCode">Exit code (128 + signal when killed).</param>
/// <param name="Stdout">Standard output, capped at head and tail.</param>
/// <param name="Stderr">Standard error, capped at head and tail.</param>
public sealed record CommandRunResult(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("execution_time")] double? ExecutionTime,
    [property: JsonPropertyName("return_code")] int? ReturnCode,
    [property: JsonPropertyName("stdout")] string? Stdout,
    [property: JsonPropertyName("stderr")] string? Stderr);

/// <summary>SandboxFusion's <c>RunCodeResponse</c>.</summary>
/// <param name="Status"><c>Success</c>, <c>Failed</c> (a step timed out, ran out of memory or exited non-zero) or <c>SandboxError</c>.</param>
/// <param name="Message">Why, when <c>SandboxError</c>; empty otherwise.</param>
/// <param name="CompileResult">The compile step (csharp, go), or null.</param>
/// <param name="RunResult">The run step, or null when compiling failed.</param>
/// <param name="ExecutorPodName">Always null here (SandboxFusion fills it from <c>MY_POD_NAME</c>).</param>
/// <param name="Files">The fetched files, base64.</param>
public sealed record RunCodeResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("compile_result")] CommandRunResult? CompileResult,
    [property: JsonPropertyName("run_result")] CommandRunResult? RunResult,
    [property: JsonPropertyName("executor_pod_name")] string? ExecutorPodName,
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, string> Files);

/// <summary>
/// Runs SandboxFusion-style programs in Crucible's sandbox: python (<c>python3</c>), csharp (compiled by the SDK's
/// <c>csc</c> against the reference pack, run on the shared runtime) and go (<c>go build</c>). Each call gets its own
/// job folder, deleted afterwards; limits are the request's, capped by <see cref="ServerPolicy"/>.
/// </summary>
public sealed class RunCodeService
{
    /// <summary>The languages served.</summary>
    public static IReadOnlyList<string> Languages { get; } = ["python", "csharp", "go"];

    private readonly ServerOptions _options;
    private readonly VerificationSlots _slots;

    /// <summary>Creates the service.</summary>
    public RunCodeService(ServerOptions options, VerificationSlots slots)
    {
        _options = options;
        _slots = slots;
    }

    /// <summary>Runs <paramref name="request"/>.</summary>
    /// <exception cref="ApiException">Bad input (400/413) or a full queue (503).</exception>
    public async Task<RunCodeResponse> RunAsync(RunCodeRequest request, CancellationToken cancellationToken)
    {
        var policy = _options.Policy;
        if (request.Code is null)
        {
            throw new ApiException(400, "malformed_request", "'code' is missing", "send the program's source in 'code'");
        }
        if (request.Language is not { } language || !Languages.Contains(language))
        {
            throw new ApiException(400, "unsupported_language", $"language '{request.Language}' is not served", $"use one of: {string.Join(", ", Languages)}");
        }
        if (Encoding.UTF8.GetByteCount(request.Code) > policy.MaxFileBytes || (request.Files?.Count ?? 0) > policy.MaxFiles)
        {
            throw new ApiException(413, "payload_too_large", $"the code is over {policy.MaxFileBytes} bytes or there are over {policy.MaxFiles} files", "send less");
        }
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, content) in request.Files ?? [])
        {
            SafePaths.Check(name);
            if (content is null)
            {
                continue;
            }
            try
            {
                files[name] = Convert.FromBase64String(content);
            }
            catch (FormatException)
            {
                throw new ApiException(400, "malformed_request", $"file '{name}' is not base64", "encode each file's bytes as base64");
            }
        }
        foreach (var name in request.FetchFiles ?? [])
        {
            SafePaths.Check(name);
        }
        var compileTimeout = Cap(request.CompileTimeout, policy.MaxCompileTimeout);
        var runTimeout = Cap(request.RunTimeout, policy.MaxRunTimeout);
        var memoryMB = request.MemoryLimitMB <= 0 ? policy.DefaultMemoryMB : Math.Min(request.MemoryLimitMB, policy.MaxMemoryMB);

        return await _slots.RunAsync("run_code", async ct =>
        {
            var workspace = Path.Combine(_options.JobRoot, "run-" + Guid.NewGuid().ToString("N")[..16]);
            Directory.CreateDirectory(workspace);
            try
            {
                foreach (var (name, bytes) in files)
                {
                    var target = SafePaths.Resolve(workspace, name);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await File.WriteAllBytesAsync(target, bytes, ct).ConfigureAwait(false);
                }
                var (compile, run) = await (language switch
                {
                    "python" => RunPythonAsync(workspace, request, runTimeout, memoryMB, ct),
                    "csharp" => RunCSharpAsync(workspace, request, compileTimeout, runTimeout, memoryMB, ct),
                    _ => RunGoAsync(workspace, request, compileTimeout, runTimeout, memoryMB, ct),
                }).ConfigureAwait(false);
                var fetched = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var name in request.FetchFiles ?? [])
                {
                    var path = SafePaths.Resolve(workspace, name);
                    if (File.Exists(path) && new FileInfo(path).LinkTarget is null)
                    {
                        fetched[name] = Convert.ToBase64String(await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false));
                    }
                }
                var status = new[] { compile, run }.Any(r => r?.Status == "Error") ? "SandboxError"
                    : new[] { compile, run }.Any(r => r is not null && (r.Status != "Finished" || r.ReturnCode != 0)) ? "Failed"
                    : "Success";
                var message = status == "SandboxError" ? (compile?.Status == "Error" ? compile.Stderr : run?.Stderr) ?? "" : "";
                return new RunCodeResponse(status, message, compile, run, null, fetched);
            }
            finally
            {
                ProcessTemp.DeleteTree(workspace);
            }
        }, r => r.RunResult?.Status == "MemoryLimitExceeded" ? "MemoryLimitExceeded" : r.Status, cancellationToken).ConfigureAwait(false);
    }

    private static TimeSpan Cap(double seconds, TimeSpan max) =>
        seconds <= 0 || double.IsNaN(seconds) ? max : TimeSpan.FromSeconds(Math.Min(seconds, max.TotalSeconds));

    private async Task<SandboxResult> ExecAsync(string workspace, SandboxCommand command, TimeSpan timeout, int memoryMB, IReadOnlyDictionary<string, string> env, CancellationToken ct)
    {
        var result = await _options.Sandbox.ExecuteAsync(command, new SandboxPolicy
        {
            WorkspacePath = workspace,
            Environment = env,
            ReadOnlyPaths = Toolchains.DotnetMounts(),
            Limits = ResourceLimits.Default with { WallTime = timeout, CpuTime = timeout + timeout, MemoryBytes = (long)memoryMB << 20 },
        }, ct).ConfigureAwait(false);
        // The sandbox reports a cancelled call as a result (its tree killed). That is not the program's outcome: a
        // stopping server or a caller gone must not answer "Failed"; the cancellation propagates (503 server_stopping).
        if (result.FatalLimit == LimitKind.Cancelled)
        {
            ct.ThrowIfCancellationRequested();
        }
        return result;
    }

    private static CommandRunResult ToResult(SandboxResult r)
    {
        var status = r.FatalLimit switch
        {
            LimitKind.WallTime or LimitKind.CpuTime => "TimeLimitExceeded",
            LimitKind.Memory => "MemoryLimitExceeded",
            _ => r.ExitCode == -1 ? "Error" : "Finished",
        };
        return new CommandRunResult(status, r.Elapsed.TotalSeconds, r.ExitCode, r.Stdout.Text, r.Stderr.Text);
    }

    private static readonly Dictionary<string, string> PlainEnvironment = new() { ["PATH"] = Toolchains.SandboxPath, ["LANG"] = "C.UTF-8" };

    private async Task<(CommandRunResult?, CommandRunResult?)> RunPythonAsync(string workspace, RunCodeRequest request, TimeSpan runTimeout, int memoryMB, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(workspace, "main.py"), request.Code, ct).ConfigureAwait(false);
        var run = await ExecAsync(workspace, new SandboxCommand("python3", ["main.py"]) { StandardInput = request.Stdin }, runTimeout, memoryMB,
            new Dictionary<string, string>(PlainEnvironment) { ["PYTHONDONTWRITEBYTECODE"] = "1" }, ct).ConfigureAwait(false);
        return (null, ToResult(run));
    }

    private async Task<(CommandRunResult?, CommandRunResult?)> RunGoAsync(string workspace, RunCodeRequest request, TimeSpan compileTimeout, TimeSpan runTimeout, int memoryMB, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(workspace, "main.go"), request.Code, ct).ConfigureAwait(false);
        var env = new Dictionary<string, string>(PlainEnvironment)
        {
            ["GOPATH"] = "/tmp/go", ["GOCACHE"] = "/tmp/go-cache", ["GOFLAGS"] = "-buildvcs=false", ["GOPROXY"] = "off",
            ["GOTOOLCHAIN"] = "local", ["GO111MODULE"] = "off", ["CGO_ENABLED"] = "0",
        };
        // The compiler gets the server's memory cap, not the program's: a small limit for the program must not fail the build.
        var compile = ToResult(await ExecAsync(workspace, new SandboxCommand("go", ["build", "-o", "main", "main.go"]), compileTimeout, _options.Policy.MaxMemoryMB, env, ct).ConfigureAwait(false));
        if (compile.Status != "Finished" || compile.ReturnCode != 0)
        {
            return (compile, null);
        }
        var run = await ExecAsync(workspace, new SandboxCommand("./main", []) { StandardInput = request.Stdin }, runTimeout, memoryMB, PlainEnvironment, ct).ConfigureAwait(false);
        return (compile, ToResult(run));
    }

    private async Task<(CommandRunResult?, CommandRunResult?)> RunCSharpAsync(string workspace, RunCodeRequest request, TimeSpan compileTimeout, TimeSpan runTimeout, int memoryMB, CancellationToken ct)
    {
        if (CSharpToolchain.Find() is not { } toolchain)
        {
            return (new CommandRunResult("Error", 0, null, "", "the C# compiler or reference pack was not found under " + Toolchains.DotnetRoot), null);
        }
        await File.WriteAllTextAsync(Path.Combine(workspace, "Program.cs"), request.Code, ct).ConfigureAwait(false);
        await File.WriteAllLinesAsync(Path.Combine(workspace, "csc.rsp"),
            ["-nologo", "-target:exe", "-langversion:latest", "-optimize+", "-out:main.dll", .. toolchain.References.Select(r => $"-r:\"{r}\""), "Program.cs"], ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(workspace, "main.runtimeconfig.json"),
            "{\"runtimeOptions\":{\"tfm\":\"net10.0\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + toolchain.RuntimeVersion + "\"}}}", ct).ConfigureAwait(false);
        var env = Toolchains.DotnetEnvironment();
        var compile = ToResult(await ExecAsync(workspace, new SandboxCommand(Toolchains.DotnetExe, ["exec", toolchain.CompilerDll, "@csc.rsp"]), compileTimeout, _options.Policy.MaxMemoryMB, env, ct).ConfigureAwait(false));
        if (compile.Status != "Finished" || compile.ReturnCode != 0)
        {
            return (compile, null);
        }
        var run = await ExecAsync(workspace, new SandboxCommand(Toolchains.DotnetExe, ["exec", "main.dll"]) { StandardInput = request.Stdin }, runTimeout, memoryMB, env, ct).ConfigureAwait(false);
        return (compile, ToResult(run));
    }
}

/// <summary>The SDK's C# compiler, the reference assemblies it compiles against, and the runtime version programs run on.</summary>
/// <param name="CompilerDll">The SDK's <c>csc.dll</c>.</param>
/// <param name="References">The <c>Microsoft.NETCore.App.Ref</c> pack's reference assemblies.</param>
/// <param name="RuntimeVersion">The installed <c>Microsoft.NETCore.App</c> version to run on.</param>
public sealed record CSharpToolchain(string CompilerDll, IReadOnlyList<string> References, string RuntimeVersion)
{
    private static readonly Lazy<CSharpToolchain?> Found = new(Locate);

    /// <summary>The toolchain of the dotnet that runs the sandboxed builds, or null when a part is missing.</summary>
    public static CSharpToolchain? Find() => Found.Value;

    private static CSharpToolchain? Locate()
    {
        static string? Newest(string dir, string pattern = "*") =>
            Directory.Exists(dir) ? Directory.GetDirectories(dir, pattern).OrderBy(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0)).LastOrDefault() : null;
        var root = Toolchains.DotnetRoot;
        var runtime = typeof(object).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}" : "10.0";
        var csc = Newest(Path.Combine(root, "sdk")) is { } sdk ? Path.Combine(sdk, "Roslyn", "bincore", "csc.dll") : null;
        var pack = Newest(Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref"), runtime + ".*");
        var shared = Newest(Path.Combine(root, "shared", "Microsoft.NETCore.App"), runtime + ".*");
        var refs = pack is null ? null : Directory.GetDirectories(Path.Combine(pack, "ref")).Select(d => Directory.GetFiles(d, "*.dll")).FirstOrDefault(f => f.Length > 0);
        return csc is not null && File.Exists(csc) && refs is not null && shared is not null
            ? new CSharpToolchain(csc, [.. refs.Order(StringComparer.Ordinal)], Path.GetFileName(shared))
            : null;
    }
}

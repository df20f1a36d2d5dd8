using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Dotnet;

/// <summary>
/// How C# test processes are started ahead of need (see <see cref="VerifierOptions.CSharpPrestart"/>). Every default is
/// documented on its property.
/// </summary>
public sealed record PrestartPolicy
{
    /// <summary>The defaults described on each property.</summary>
    public static PrestartPolicy Default { get; } = new();

    /// <summary>Whether graded C# test processes are pre-started. Default: true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Spare runners kept ready per test template and limits, beyond the one each verification takes: the number of
    /// verifications expected to start at once (an eval's <c>--jobs</c>). Spares are kept from a template's second
    /// verification on (a verifier that grades one attempt leaves nothing running). Default: 1.
    /// </summary>
    public int PoolSize { get; init; } = 1;

    /// <summary>
    /// This policy with <see cref="PoolSize"/> set to <paramref name="verificationsAtOnce"/> (at least 1): what a verifier
    /// that grades that many attempts at once needs for each of them to find a runner ready. The CLI builds its verifiers
    /// with it from <c>--jobs</c>.
    /// </summary>
    public PrestartPolicy ForConcurrency(int verificationsAtOnce) => this with { PoolSize = Math.Max(1, verificationsAtOnce) };

    /// <summary>
    /// Time the harness gives the compile of its runner host program and warm-up placeholder (once per test template, in the
    /// compile service). Default: 2 minutes.
    /// </summary>
    public TimeSpan HostBuildTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A spare runner not handed a candidate within this time is killed (it holds memory). Default: 30 seconds.</summary>
    public TimeSpan IdleLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// CPU time the sandbox's whole-tree limit allows beyond the task's own, for the runner's start-up and warm-up before
    /// hand-over (about 0.3–1 s measured). The runner's own RLIMIT_CPU is lowered at hand-over to exactly what it used so
    /// far plus the task's budget, so the candidate's process gets the task's CPU limit. Default: 10 seconds.
    /// </summary>
    public TimeSpan WarmupCpuAllowance { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The harness-compiled files a pre-started runner needs, built once per test template.</summary>
/// <param name="Host">The host program (<c>PrestartedHostProgram.txt</c>).</param>
/// <param name="Warmup">A placeholder test assembly the host runs once before hand-over to warm xunit.</param>
internal sealed record PrestartArtifacts(string Host, string Warmup)
{
    public const string HostName = "CrucibleRunnerHost";
    public const string WarmupName = "CrucibleWarmup";
    private static readonly ConcurrentDictionary<string, Lazy<Task<(PrestartArtifacts?, string?)>>> Built = new(StringComparer.Ordinal);

    // The harness's own sources compile in the one Roslyn pipeline, on a service of their own: never the verifier's, whose
    // state (a test double, a service retired by a hostile compile) belongs to graded attempts and must not decide whether
    // runners can be pre-started.
    private static readonly RoslynCompileService Compiler = new();

    /// <summary>Returns the artifacts of <paramref name="template"/>, compiling them the first time; or why they cannot be built.</summary>
    public static Task<(PrestartArtifacts? Artifacts, string? Error)> ForAsync(DotnetTemplate template, PrestartPolicy policy) =>
        Built.GetOrAdd(template.Directory, _ => new Lazy<Task<(PrestartArtifacts?, string?)>>(() => BuildAsync(template, policy))).Value;

    private static async Task<(PrestartArtifacts?, string?)> BuildAsync(DotnetTemplate template, PrestartPolicy policy)
    {
        using var stream = typeof(PrestartArtifacts).Assembly.GetManifestResourceStream("prestarted-host.cs")!;
        var hostSource = await new StreamReader(stream).ReadToEndAsync().ConfigureAwait(false);
        // Named by the host's source: a changed host never runs from an older build.
        var dir = Path.Combine(template.Directory, "prestart-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(hostSource)))[..12]);
        var host = Path.Combine(dir, HostName + ".dll");
        var warmup = Path.Combine(dir, WarmupName + ".dll");
        if (File.Exists(host) && File.Exists(warmup))
        {
            return (new PrestartArtifacts(host, warmup), null);
        }
        try
        {
            // Only the template's references: its generated sources (an xunit entry point among them) are not the host's.
            string[] common =
            [
                "/nostdlib+", "/nullable:enable", "/optimize+", "/langversion:latest",
                .. File.ReadAllLines(template.CompileRsp)
                    .Where(l => l.StartsWith("/reference:", StringComparison.Ordinal))
                    .Select(l => l["/reference:".Length..].Trim('"'))
                    .Where(File.Exists)
                    .Select(p => $"/reference:\"{p}\""),
            ];
            var placeholder = "public sealed class CrucibleWarmupTests { [global::Xunit.Fact] public void Warm() => global::Xunit.Assert.True(true); }";
            Directory.CreateDirectory(dir);
            await EmitAsync(new CompileBasis($"prestart-host|{dir}", dir, null, [.. common, "/target:exe", $"/out:{HostName}.dll"], null), hostSource, host, policy).ConfigureAwait(false);
            await EmitAsync(new CompileBasis($"prestart-warmup|{dir}", dir, null, [.. common, "/target:library", $"/out:{WarmupName}.dll"], null), placeholder, warmup, policy).ConfigureAwait(false);
            return (new PrestartArtifacts(host, warmup), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return (null, $"the pre-started runner could not be built ({e.Message})");
        }
    }

    private static async Task EmitAsync(CompileBasis basis, string source, string path, PrestartPolicy policy)
    {
        // Source and assembly are written beside the final name and the assembly moved, so a concurrent process never reads half a file.
        var temp = path + "." + Canaries.RandomHex(4);
        await File.WriteAllTextAsync(temp + ".cs", source).ConfigureAwait(false);
        try
        {
            var result = await Compiler.CompileAsync(new CompileRequest(basis, [(temp + ".cs", Path.GetFileName(path) + ".cs")], temp + ".tmp", temp + ".tmp", policy.HostBuildTimeout, null), CancellationToken.None).ConfigureAwait(false);
            if (result is not { Kind: CompileResultKind.Compiled, Succeeded: true })
            {
                throw new InvalidOperationException(result.Reason ?? string.Join("; ", result.Diagnostics.Where(d => d.Contains(": error ", StringComparison.Ordinal)).Take(3)));
            }
            File.Move(temp + ".tmp", path, overwrite: true);
        }
        finally
        {
            File.Delete(temp + ".cs");
            File.Delete(temp + ".tmp");
        }
    }
}

/// <summary>
/// One test process started ahead of need in the sandbox, on its own fresh job folder, with the same command shape,
/// mounts, network and limits as a fresh test process: it waits on a pipe for exactly one compiled test assembly, runs
/// it and exits. Never reused: after hand-over (or when it is disposed unused) it is gone.
/// </summary>
internal sealed class PrestartedRunner : IAsyncDisposable
{
    private const int Idle = 0, Taken = 1, HandedOver = 2, Retired = 3;
    private readonly CancellationTokenSource _kill = new();
    private readonly FileStream _pipe;
    private readonly Task<SandboxResult> _run;
    private readonly Timer _idle;
    private int _state;
    private int _disposed;

    private PrestartedRunner(GradingSlot slot, string outDir, FileStream pipe, Func<CancellationToken, Task<SandboxResult>> start, TimeSpan idleLifetime)
    {
        Slot = slot with { Lease = this };
        OutDir = outDir;
        _pipe = pipe;
        _run = start(_kill.Token);
        _idle = new Timer(_ => Expire(), null, idleLifetime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The job folder this runner was started on (its lease is this runner).</summary>
    public GradingSlot Slot { get; }

    /// <summary>The folder holding the runtime files and, after compile, the candidate's test assembly.</summary>
    public string OutDir { get; }

    /// <summary>Whether the process has ended (before hand-over: it can no longer be used).</summary>
    public bool HasExited => _run.IsCompleted;

    /// <summary>Starts a runner for <paramref name="task"/>'s limits on a fresh job folder under <see cref="VerifierOptions.WorkDirectory"/>.</summary>
    public static PrestartedRunner Start(TaskSpec task, VerifierOptions options, DotnetTemplate template, PrestartArtifacts artifacts, PrestartPolicy policy)
    {
        var root = Path.Combine(options.WorkDirectory, $"crucible-grade-{Canaries.RandomHex(8)}");
        var grading = Path.Combine(root, Canaries.RandomHex(4));
        var context = new RunContext(task, grading, $"/{Canaries.RandomHex(6)}/{Canaries.RandomHex(6)}", Canaries.Create(), options.Sandbox, options);
        var outDir = Path.Combine(context.HarnessDir, "out");
        Directory.CreateDirectory(outDir);
        DotnetXunitRunner.CopyRuntimeFiles(template.BinDirectory, outDir);
        File.Copy(artifacts.Host, Path.Combine(outDir, PrestartArtifacts.HostName + ".dll"));
        File.Copy(artifacts.Warmup, Path.Combine(outDir, PrestartArtifacts.WarmupName + ".dll"));
        var pipePath = Path.Combine(context.HarnessDir, Canaries.RandomHex(6) + ".pipe");
        if (MakeFifo(pipePath, Convert.ToUInt32("666", 8)) != 0)
        {
            throw new IOException($"mkfifo failed (errno {Marshal.GetLastPInvokeError()})");
        }
        // Read-write, so the open never blocks and the pipe outlives a reader that has not opened it yet.
        var pipe = new FileStream(pipePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        var limits = task.Limits;
        var sandboxPolicy = Toolchains.GradingPolicy(context, limits.TestTimeout, Toolchains.DotnetEnvironment(), Toolchains.DotnetMounts());
        sandboxPolicy = sandboxPolicy with
        {
            Limits = sandboxPolicy.Limits with
            {
                // The runner's own clock starts at hand-over (the harness enforces the task's test timeout from there);
                // the sandbox's wall limit is a backstop covering the idle wait and the candidate's compile.
                WallTime = policy.IdleLifetime + limits.BuildTimeout + limits.TestTimeout,
                CpuTime = sandboxPolicy.Limits.CpuTime is { } cpu ? cpu + policy.WarmupCpuAllowance : null,
            },
        };
        var inOut = context.InSandbox(outDir);
        var command = new SandboxCommand(Toolchains.DotnetExe,
        [
            "exec", "--runtimeconfig", $"{inOut}/{DotnetTemplate.AssemblyName}.runtimeconfig.json", "--depsfile", $"{inOut}/{DotnetTemplate.AssemblyName}.deps.json",
            $"{inOut}/{PrestartArtifacts.HostName}.dll", context.InSandbox(pipePath), $"{inOut}/{PrestartArtifacts.WarmupName}.dll", $"/tmp/{Canaries.RandomHex(6)}.trx",
        ])
        {
            WorkingDirectory = ".",
        };
        var slot = new GradingSlot(root, grading, context.MountDir, context.HarnessDir, NoLease.Instance);
        return new PrestartedRunner(slot, outDir, pipe, ct => options.Sandbox.ExecuteAsync(command, sandboxPolicy, ct), policy.IdleLifetime);
    }

    /// <summary>Claims an idle runner for one verification; false when it was already claimed, retired or has exited.</summary>
    public bool TryTake() => !HasExited && Interlocked.CompareExchange(ref _state, Taken, Idle) == Idle;

    /// <summary>
    /// Hands over the compiled test assembly and waits for the process to end. The test timeout starts now. Returns null,
    /// with the reason, when the runner had already exited (the caller starts a fresh process instead).
    /// </summary>
    public async Task<(SandboxResult? Result, string? Reason)> HandOverAsync(string assemblyInSandbox, IReadOnlyList<string> arguments, TimeSpan? cpuBudget, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, HandedOver, Taken) != Taken)
        {
            return (null, "the pre-started runner was already used or retired");
        }
        if (HasExited)
        {
            try
            {
                var dead = await _run.ConfigureAwait(false);
                return (null, $"the pre-started runner exited before hand-over (exit code {dead.ExitCode}{(dead.FatalLimit is { } l ? $", {l} limit" : "")})");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Killed from outside (bwrap itself died): the sandbox reports it as a failed call.
                return (null, $"the pre-started runner exited before hand-over ({e.Message.TrimEnd(':', ' ')})");
            }
        }
        var message = new StringBuilder();
        message.Append((cpuBudget?.TotalSeconds ?? 0).ToString("R", CultureInfo.InvariantCulture)).Append('\n').Append(assemblyInSandbox).Append('\n');
        foreach (var a in arguments)
        {
            message.Append(a).Append('\n');
        }
        message.Append('\n');
        var bytes = Encoding.UTF8.GetBytes(message.ToString());
        await _pipe.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var timer = new CancellationTokenSource(timeout);
        using var onTimeout = timer.Token.Register(() => _kill.Cancel());
        using var onCancel = cancellationToken.Register(() => _kill.Cancel());
        var result = await _run.ConfigureAwait(false);
        if (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The harness's clock, not a cancellation by the caller: report it as the wall-time limit it stands for.
            result = result with { LimitsHit = [.. result.LimitsHit.Where(l => l is not LimitKind.Cancelled and not LimitKind.WallTime), LimitKind.WallTime] };
        }
        return (result, null);
    }

    private void Expire()
    {
        if (Interlocked.CompareExchange(ref _state, Retired, Idle) == Idle)
        {
            _kill.Cancel();
        }
    }

    /// <summary>Kills the process tree if it still runs and waits until it is gone. The job folder is deleted by its user, or here when never used.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        var unused = Interlocked.Exchange(ref _state, Retired) is Idle or Retired;
        await _idle.DisposeAsync().ConfigureAwait(false);
        _kill.Cancel();
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The sandbox call failed to start or was cancelled: nothing is left running either way.
        }
        await _pipe.DisposeAsync().ConfigureAwait(false);
        _kill.Dispose();
        if (unused)
        {
            Workspaces.DeleteTree(Slot.Root);
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private sealed class NoLease : IAsyncDisposable
    {
        public static NoLease Instance { get; } = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Spare <see cref="PrestartedRunner"/>s per test template and limits. A verification takes a spare when one is ready
/// (else starts its own, which warms up while the candidate compiles) and, from a template's second verification on, a
/// replacement is started at once, so the next verification finds one ready.
/// </summary>
internal sealed class PrestartedRunnerPool : IAsyncDisposable
{
    private readonly Dictionary<string, List<PrestartedRunner>> _spares = new(StringComparer.Ordinal);
    private readonly List<PrestartedRunner> _all = [];
    private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Takes a ready runner for <paramref name="task"/> or starts one, and tops the spares up. Null when disposed.</summary>
    public PrestartedRunner? Take(TaskSpec task, VerifierOptions options, DotnetTemplate template, PrestartArtifacts artifacts, PrestartPolicy policy)
    {
        var key = $"{template.Directory}|{task.Limits}";
        lock (_spares)
        {
            if (_disposed)
            {
                return null;
            }
            var spares = _spares.TryGetValue(key, out var s) ? s : _spares[key] = [];
            _all.RemoveAll(r => r.HasExited);
            PrestartedRunner? taken = null;
            while (spares.Count > 0 && taken is null)
            {
                var next = spares[0];
                spares.RemoveAt(0);
                if (next.TryTake())
                {
                    taken = next;
                }
                else
                {
                    _ = next.DisposeAsync().AsTask();
                }
            }
            if (taken is null)
            {
                taken = Start();
                taken.TryTake();
            }
            // Spares only once a template has been graded twice: a verifier that grades one attempt (a CLI call, most
            // tests) never leaves a process behind, and a run of many attempts keeps one ready from its second on.
            var uses = _uses[key] = _uses.GetValueOrDefault(key) + 1;
            while (uses >= 2 && spares.Count < policy.PoolSize)
            {
                spares.Add(Start());
            }
            return taken;
        }

        PrestartedRunner Start()
        {
            var runner = PrestartedRunner.Start(task, options, template, artifacts, policy);
            _all.Add(runner);
            return runner;
        }
    }

    /// <summary>Kills every runner this pool started that is still alive, waits for them, and deletes the job folders of the unused ones.</summary>
    public async ValueTask DisposeAsync()
    {
        List<PrestartedRunner> all;
        lock (_spares)
        {
            _disposed = true;
            // A spare that expired idle has left _all (it exited) but still holds its pipe and job folder: dispose it too.
            all = [.. _all.Concat(_spares.Values.SelectMany(s => s)).Distinct()];
            _all.Clear();
            _spares.Clear();
        }
        foreach (var r in all)
        {
            await r.DisposeAsync().ConfigureAwait(false);
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Crucible.Testing.ScaleOut;

namespace Crucible.Distributed.Tests;

/// <summary>One private RabbitMQ node and one private PostgreSQL cluster for the tests of the collection; each test gets its own virtual host and database.</summary>
public sealed class ScaleOutFixture : IDisposable
{
    private readonly Lazy<PrivateRabbitMq> _rabbit = new(() => new PrivateRabbitMq());
    private readonly Lazy<PrivatePostgres> _postgres = new(() => new PrivatePostgres());
    private int _next;

    /// <summary>The broker (started on first use; restartable).</summary>
    public PrivateRabbitMq Rabbit => _rabbit.Value;

    /// <summary>The database server (started on first use; restartable).</summary>
    public PrivatePostgres Postgres => _postgres.Value;

    /// <summary>A fresh virtual host and database, and the endpoints that name them.</summary>
    public Scenario NewScenario()
    {
        var name = $"t{Interlocked.Increment(ref _next)}_{Guid.NewGuid():N}"[..16];
        Rabbit.AddVirtualHost(name);
        Postgres.CreateDatabase(name);
        return new Scenario(this, name, Endpoints.Parse(Rabbit.Uri(name), Postgres.Uri(name))!);
    }

    public void Dispose()
    {
        if (_rabbit.IsValueCreated)
        {
            _rabbit.Value.Dispose();
        }
        if (_postgres.IsValueCreated)
        {
            _postgres.Value.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutFixture>
{
    /// <summary>Tests of this collection run one at a time: the fault tests restart the shared services.</summary>
    public const string Name = "scale-out services";
}

/// <summary>One test's virtual host and database.</summary>
public sealed record Scenario(ScaleOutFixture Services, string Name, Endpoints Endpoints)
{
    /// <summary>The command-line flags naming them.</summary>
    public string[] Flags => ["--broker", Services.Rabbit.Uri(Name), "--db", Services.Postgres.Uri(Name)];

    /// <summary>Starts <c>crucible worker</c> as a process on this scenario; <paramref name="tempDirectory"/> becomes its <c>TMPDIR</c>.</summary>
    public WorkerProcess StartWorker(int slots = 1, string? tempDirectory = null) =>
        new(["worker", .. Flags, "--slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)], tempDirectory);

    /// <summary>Starts <c>crucible serve</c> on a free loopback port, dispatching to this scenario's workers.</summary>
    public WorkerProcess StartServe(params string[] args) => new(["serve", "--listen", "127.0.0.1:0", .. Flags, .. args]);

    /// <summary>Result rows of <paramref name="hash"/>.</summary>
    public int ResultRows(string hash) => int.Parse(Services.Postgres.Query(Name, $"SELECT count(*) FROM crucible_results WHERE job_hash = '{hash}'"), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The real <c>crucible worker</c> (or <c>serve</c>) running as its own process, its stderr lines collected. SIGINT is reset
/// to its default first (<c>env --default-signal</c>): a test run started in the background of a shell inherits it ignored.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _changed = new(0);

    /// <summary>Starts <c>crucible ARGS</c>; <paramref name="tempDirectory"/>, when given, becomes its <c>TMPDIR</c>.</summary>
    public WorkerProcess(string[] args, string? tempDirectory = null)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (tempDirectory is not null)
        {
            start.Environment["TMPDIR"] = tempDirectory;
        }
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "crucible.dll") }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _lines.Enqueue(line);
                _changed.Release();
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>The worker's name in result rows.</summary>
    public string Name => $"{Environment.MachineName}:{_process.Id}";

    /// <summary>Everything it logged so far.</summary>
    public string Log => string.Join("\n", _lines);

    /// <summary>Waits for a log line containing <paramref name="text"/>; fails the test with the log after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForAsync(string text, TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            if (_lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } found)
            {
                return found;
            }
            if (_process.HasExited && _changed.CurrentCount == 0)
            {
                Assert.Fail($"the worker exited ({_process.ExitCode}) before logging '{text}':\n{Log}");
            }
            try
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the worker did not log '{text}' within {timeout.TotalSeconds}s:\n{Log}");
            }
        }
    }

    /// <summary>kill -9: no chance to acknowledge, reject or close anything.</summary>
    public void KillHard()
    {
        ServiceProcessKill(_process.Id, 9);
        _process.WaitForExit();
    }

    /// <summary>Sends <paramref name="signal"/> to the process only, as <c>kill -SIG PID</c> does.</summary>
    public void Signal(int signal) => ServiceProcessKill(_process.Id, signal);

    /// <summary>Waits for the exit and returns the exit code; fails the test (with the log) after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"the process did not exit within {timeout.TotalSeconds}s:\n{Log}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    private static void ServiceProcessKill(int pid, int signal) => Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            ServiceProcessKill(_process.Id, 15);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
        _changed.Dispose();
    }
}

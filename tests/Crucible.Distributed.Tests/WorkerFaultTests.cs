using Crucible.Core.Verification;

namespace Crucible.Distributed.Tests;

/// <summary>
/// Faults with real RabbitMQ and PostgreSQL (private instances), real <c>crucible worker</c> processes and real Python
/// verifications in the sandbox.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class WorkerFaultTests(ScaleOutFixture services) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly NapTask _nap = new();
    private readonly List<IDisposable> _workers = [];

    private WorkerProcess Start(Scenario scenario, int slots = 1, string? tempDirectory = null)
    {
        var w = scenario.StartWorker(slots, tempDirectory);
        _workers.Add(w);
        return w;
    }

    [Fact]
    public async Task A_worker_killed_mid_job_loses_nothing_the_job_is_redelivered_finished_and_stored_once()
    {
        var scenario = services.NewScenario();
        var first = Start(scenario);
        await first.WaitForAsync("ready", Patience);
        await using var client = await BrokerVerifier.ConnectAsync(scenario.Endpoints, ct: TestContext.Current.CancellationToken);

        var job = Jobs.Create(_nap.Task, _nap.Candidate("slow", seconds: 4));
        var verdict = client.SubmitAsync(job, TestContext.Current.CancellationToken);
        await first.WaitForAsync($"started job {job.Hash}", Patience);
        first.KillHard();
        var second = Start(scenario);
        var result = await verdict.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal((VerdictStatus.Passed, 1, 1), (result.Status, result.Counts.Passed, scenario.ResultRows(job.Hash)));
        await second.WaitForAsync($"started job {job.Hash} (nap, delivery 2)", Patience);
        Assert.Equal($"{second.Name}|2", services.Postgres.Query(scenario.Name, $"SELECT worker || '|' || deliveries FROM crucible_results WHERE job_hash = '{job.Hash}'"));
    }

    [Theory]
    [InlineData(2, 130)]
    [InlineData(15, 143)]
    public async Task A_worker_stopped_by_a_signal_mid_job_does_not_acknowledge_it_and_another_worker_finishes_it_once(int signal, int exitCode)
    {
        var scenario = services.NewScenario();
        using var tmp = new Testing.TempDirectory("crucible-worker-signal");
        var first = Start(scenario, tempDirectory: tmp.Path);
        await first.WaitForAsync("ready", Patience);
        await using var client = await BrokerVerifier.ConnectAsync(scenario.Endpoints, ct: TestContext.Current.CancellationToken);

        var job = Jobs.Create(_nap.Task, _nap.Candidate("signalled", seconds: 10));
        var verdict = client.SubmitAsync(job, TestContext.Current.CancellationToken);
        await first.WaitForAsync($"started job {job.Hash}", Patience);
        // Mid-job: the candidate's test is running in the sandbox (a process under the worker).
        await WaitUntilAsync(() => Testing.Processes.ProcessTree.DescendantCommandLines(first.Id).Any(c => c.Contains("pytest", StringComparison.Ordinal)));
        var children = Testing.Processes.ProcessTree.Descendants(first.Id);
        first.Signal(signal);
        var code = await first.WaitForExitAsync(Patience);

        Assert.Equal(exitCode, code);
        Assert.Contains("worker stopping", first.Log, StringComparison.Ordinal);
        Assert.DoesNotContain($"finished job {job.Hash}", first.Log, StringComparison.Ordinal);
        Assert.Equal(0, scenario.ResultRows(job.Hash));
        Assert.Empty(await Testing.Processes.ProcessTree.StillRunningAfterAsync(children, TimeSpan.FromSeconds(30)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path, "crucible-*"));

        var second = Start(scenario);
        var result = await verdict.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal((VerdictStatus.Passed, 1, 1), (result.Status, result.Counts.Passed, scenario.ResultRows(job.Hash)));
        await second.WaitForAsync($"finished job {job.Hash}", Patience);
        Assert.Equal(second.Name, services.Postgres.Query(scenario.Name, $"SELECT worker FROM crucible_results WHERE job_hash = '{job.Hash}'"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, "the worker did not reach the middle of the job in time");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_broker_restart_mid_run_delays_the_run_but_every_job_finishes_once()
    {
        var scenario = services.NewScenario();
        var worker = Start(scenario, slots: 2);
        await worker.WaitForAsync("ready", Patience);
        await using var client = await BrokerVerifier.ConnectAsync(scenario.Endpoints, ct: TestContext.Current.CancellationToken);

        var jobs = Enumerable.Range(0, 3).Select(i => Jobs.Create(_nap.Task, _nap.Candidate($"c{i}", seconds: 2 + i))).ToList();
        var verdicts = jobs.Select(j => client.SubmitAsync(j, TestContext.Current.CancellationToken)).ToList();
        await worker.WaitForAsync("started job", Patience);
        services.Rabbit.Stop();
        // Published while the broker is down: the client waits for it to come back instead of failing.
        var late = Jobs.Create(_nap.Task, _nap.Candidate("late", seconds: 0));
        verdicts.Add(client.SubmitAsync(late, TestContext.Current.CancellationToken));
        jobs.Add(late);
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        services.Rabbit.Start();

        var results = await Task.WhenAll(verdicts).WaitAsync(Patience * 2, TestContext.Current.CancellationToken);
        Assert.All(results, r => Assert.Equal(VerdictStatus.Passed, r.Status));
        Assert.All(jobs, j => Assert.Equal(1, scenario.ResultRows(j.Hash)));
        Assert.Contains("broker: reconnected", worker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_poison_job_is_dead_lettered_after_the_delivery_limit_and_reported_to_its_sender()
    {
        var scenario = services.NewScenario();
        var worker = Start(scenario);
        await worker.WaitForAsync("ready", Patience);
        await using var client = await BrokerVerifier.ConnectAsync(scenario.Endpoints, ct: TestContext.Current.CancellationToken);

        // What a hostile remote client could send: a candidate file that leaves the job's folder. Every delivery fails.
        var poison = Jobs.Create(new JobTask { Inline = Jobs.Create(_nap.Task, _nap.Candidate("p", 0)).Task.Inline }, [new CandidateFile("../../escape.py", "x = 1\n"u8.ToArray())]);
        var verdict = await client.SubmitAsync(poison, TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(VerdictStatus.HarnessError, verdict.Status);
        var reason = Assert.Single(verdict.Reasons);
        Assert.StartsWith(BrokerVerifier.DeadLetterPrefix, reason, StringComparison.Ordinal);
        Assert.Contains("delivery_limit", reason, StringComparison.Ordinal);
        Assert.Equal(DistributedPolicy.Default.DeliveryLimit + 1, worker.Log.Split('\n').Count(l => l.Contains("returned to the queue", StringComparison.Ordinal)));
        // Queue statistics are emitted every few seconds: wait for the count to catch up.
        var kept = 0;
        for (var i = 0; i < 60 && kept == 0; i++)
        {
            kept = services.Rabbit.MessagesIn(scenario.Name, DistributedPolicy.Default.DeadLetterQueue);
            if (kept == 0)
            {
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }
        }
        Assert.Equal(1, kept);
        Assert.Equal(0, scenario.ResultRows(poison.Hash));
        Assert.Contains("path '../../escape.py' leaves the workspace", worker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workers_reconnect_after_a_database_restart_and_store_the_verdict_they_were_grading()
    {
        var scenario = services.NewScenario();
        var worker = Start(scenario);
        await worker.WaitForAsync("ready", Patience);
        await using var client = await BrokerVerifier.ConnectAsync(scenario.Endpoints, ct: TestContext.Current.CancellationToken);

        var job = Jobs.Create(_nap.Task, _nap.Candidate("db", seconds: 2));
        var verdict = client.SubmitAsync(job, TestContext.Current.CancellationToken);
        await worker.WaitForAsync($"started job {job.Hash}", Patience);
        services.Postgres.Stop();
        await worker.WaitForAsync("database: unreachable", Patience);
        services.Postgres.Start();
        var result = await verdict.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal((VerdictStatus.Passed, 1), (result.Status, scenario.ResultRows(job.Hash)));
        await worker.WaitForAsync("database: reconnected", Patience);
        // And it keeps working: the next job is graded and stored without a restart of the worker.
        var next = Jobs.Create(_nap.Task, _nap.Candidate("db2", seconds: 0, value: 41));
        var failed = await client.SubmitAsync(next, TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal((VerdictStatus.Failed, 1), (failed.Status, scenario.ResultRows(next.Hash)));
    }

    public void Dispose()
    {
        foreach (var w in _workers)
        {
            w.Dispose();
        }
        _nap.Dispose();
    }
}

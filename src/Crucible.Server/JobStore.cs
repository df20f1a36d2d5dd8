using System.Collections.Concurrent;

namespace Crucible.Server;

/// <summary>
/// Batch jobs: each item of <c>/v1/verify/batch</c> runs in the background through <see cref="VerifyService"/> and is read
/// with <c>GET /v1/jobs/{id}</c>, which may wait for it (long-poll). Finished jobs are dropped after
/// <see cref="ServerPolicy.JobRetention"/>.
/// </summary>
public sealed class JobStore
{
    private sealed class Job(string id)
    {
        public string Id { get; } = id;
        public volatile string State = "queued";
        public readonly TaskCompletionSource<JobView> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public DateTimeOffset? FinishedAt;
    }

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly VerifyService _verify;
    private readonly ServerPolicy _policy;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public JobStore(VerifyService verify, ServerPolicy policy, TimeProvider? time = null)
    {
        _verify = verify;
        _policy = policy;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Checks every item, then starts one job per item; returns their ids in order.</summary>
    /// <exception cref="ApiException">An item is malformed (nothing is started), or the batch is too big.</exception>
    public IReadOnlyList<string> Start(IReadOnlyList<VerifyRequest> items, CancellationToken stopping)
    {
        if (items.Count == 0 || items.Count > _policy.MaxBatch)
        {
            throw new ApiException(items.Count == 0 ? 400 : 413, items.Count == 0 ? "malformed_request" : "payload_too_large",
                $"a batch holds 1 to {_policy.MaxBatch} items, not {items.Count}", "split the batch");
        }
        foreach (var item in items)
        {
            _verify.Validate(item);
        }
        Evict();
        var ids = new List<string>();
        foreach (var item in items)
        {
            var job = new Job("job_" + Guid.NewGuid().ToString("N"));
            _jobs[job.Id] = job;
            ids.Add(job.Id);
            _ = Task.Run(async () =>
            {
                job.State = "running";
                JobView view;
                try
                {
                    var result = await _verify.VerifyAsync(item, stopping).ConfigureAwait(false);
                    view = new JobView { Id = job.Id, State = "done", Result = result };
                }
                catch (ApiException e)
                {
                    view = new JobView { Id = job.Id, State = "failed", Error = e.ToBody().Error };
                }
                catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    view = new JobView { Id = job.Id, State = "failed", Error = new ErrorDetail("harness_error", e.Message, "retry; report it if it persists") };
                }
                catch (OperationCanceledException)
                {
                    view = new JobView { Id = job.Id, State = "failed", Error = new ErrorDetail("cancelled", "the server is stopping", "retry on another server") };
                }
                job.State = view.State;
                job.FinishedAt = _time.GetUtcNow();
                job.Done.TrySetResult(view);
            }, CancellationToken.None);
        }
        return ids;
    }

    /// <summary>The job <paramref name="id"/>, waiting up to <paramref name="wait"/> (capped by the policy) for it to finish.</summary>
    /// <exception cref="ApiException">404 <c>unknown_job</c>.</exception>
    public async Task<JobView> GetAsync(string id, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!_jobs.TryGetValue(id, out var job))
        {
            throw new ApiException(404, "unknown_job", $"no job '{id}'", "use an id returned by POST /v1/verify/batch within the retention time");
        }
        if (wait > TimeSpan.Zero && !job.Done.Task.IsCompleted)
        {
            var capped = wait < _policy.MaxLongPoll ? wait : _policy.MaxLongPoll;
            await Task.WhenAny(job.Done.Task, Task.Delay(capped, _time, cancellationToken)).ConfigureAwait(false);
        }
        return job.Done.Task.IsCompleted ? await job.Done.Task.ConfigureAwait(false) : new JobView { Id = id, State = job.State };
    }

    private void Evict()
    {
        var cutoff = _time.GetUtcNow() - _policy.JobRetention;
        foreach (var (id, job) in _jobs)
        {
            if (job.FinishedAt is { } at && at < cutoff)
            {
                _jobs.TryRemove(id, out _);
            }
        }
    }
}

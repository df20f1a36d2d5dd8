namespace Crucible.Server;

/// <summary>
/// OpenRLHF's remote reward model (<c>/get_reward</c>): each sample's response (the query after its prompt) is verified
/// against the task its label names; the reward is 1.0 for a verdict that counts as a pass, else 0.0. Samples run
/// concurrently through the same slots as every verification.
/// </summary>
public sealed class RewardService(VerifyService verify, ServerPolicy policy)
{
    /// <summary>Scores <paramref name="request"/>.</summary>
    /// <exception cref="ApiException">Mismatched lists, an unknown task, or too many samples.</exception>
    public async Task<RewardResponse> ScoreAsync(RewardRequest request, CancellationToken cancellationToken)
    {
        var queries = request.Query ?? throw new ApiException(400, "malformed_request", "'query' is missing", "send {\"query\": [...], \"prompts\": [...], \"labels\": [...]}");
        var labels = request.Labels ?? throw new ApiException(400, "malformed_request", "'labels' is missing: each sample's label names its task", "send labels as suite/id, one per query");
        if (labels.Count != queries.Count || (request.Prompts is { } p && p.Count != queries.Count))
        {
            throw new ApiException(400, "malformed_request", $"'query' has {queries.Count} items but 'labels' has {labels.Count} and 'prompts' {request.Prompts?.Count}", "send one label (and prompt) per query");
        }
        if (queries.Count > policy.MaxBatch)
        {
            throw new ApiException(413, "payload_too_large", $"{queries.Count} samples is more than the server's limit of {policy.MaxBatch}", "split the request");
        }
        var tasks = labels.Select(verify.Catalog.Find).ToList();
        var results = await Task.WhenAll(queries.Select((query, i) =>
        {
            var prompt = request.Prompts?[i];
            var response = prompt is not null && query.StartsWith(prompt, StringComparison.Ordinal) ? query[prompt.Length..] : query;
            var slash = labels[i].IndexOf('/', StringComparison.Ordinal);
            return verify.VerifyAsync(new VerifyRequest { Task = new TaskReference(labels[i][..slash], tasks[i].Id), Response = response }, cancellationToken);
        })).ConfigureAwait(false);
        var rewards = results.Select(r => r.Reward).ToList();
        var passed = results.Select(r => r.Verdict.TryGetProperty("counts", out var c) && c.TryGetProperty("passed", out var n) ? n.GetDouble() : 0.0).ToList();
        var built = results.Select(r => r.Status is Core.Verification.VerdictStatus.BuildFailed ? 0.0 : 1.0).ToList();
        return new RewardResponse(rewards, rewards, new Dictionary<string, IReadOnlyList<double>> { ["tests_passed"] = passed, ["built"] = built });
    }
}

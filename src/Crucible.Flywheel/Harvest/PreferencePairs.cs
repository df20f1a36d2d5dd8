using Crucible.Flywheel.Preferences;

namespace Crucible.Flywheel.Harvest;

/// <summary>A preference pair of two records of the same task and prompt.</summary>
/// <param name="Id">Stable id (hash of both record ids).</param>
/// <param name="Chosen">The preferred record: always a verified pass.</param>
/// <param name="Rejected">A failure, a flagged attempt or a lower-scored pass.</param>
/// <param name="Reason">Why <paramref name="Rejected"/> lost: <c>failed</c>, <c>flagged</c>, <c>lower-score</c> or <c>judge</c>.</param>
/// <param name="Margin">Verification difference (1 when only the chosen one is verified) plus the constitution score difference.</param>
/// <param name="SoftLabel">P(chosen is better), in [0.5, 1].</param>
/// <param name="DecidingPrinciple">What decided: <c>verification</c>, <c>integrity</c>, or the heaviest principle only the chosen one satisfied.</param>
/// <param name="Label">The judge's label, when <c>--label</c> asked for one.</param>
public sealed record PreferencePair(string Id, HarvestRecord Chosen, HarvestRecord Rejected, string Reason, double Margin, double SoftLabel, string DecidingPrinciple, PreferenceLabel? Label);

/// <summary>
/// Pairs the attempts of each task: the best verified pass (highest constitution score) is chosen against every
/// failure and flagged attempt, and against the lowest-scored pass when it scored lower. Two failures never make a
/// pair, and a task without a pass makes none.
/// </summary>
public static class PreferencePairs
{
    /// <summary>The candidate pairs (before judge labels), ordered by task and id.</summary>
    /// <param name="records">Deduplicated records.</param>
    /// <param name="principleWeights">Principle weights, to name the deciding principle.</param>
    /// <param name="maxPerTask">At most this many pairs per task and prompt.</param>
    /// <param name="includeTies">Also pair two passes of equal score (for a judge to decide).</param>
    public static IReadOnlyList<PreferencePair> Build(IReadOnlyList<HarvestRecord> records, IReadOnlyDictionary<string, double> principleWeights, int maxPerTask, bool includeTies)
    {
        var pairs = new List<PreferencePair>();
        foreach (var group in records.GroupBy(r => (r.TaskId, r.Provenance.PromptSha256)).OrderBy(g => g.Key.TaskId, StringComparer.Ordinal).ThenBy(g => g.Key.PromptSha256, StringComparer.Ordinal))
        {
            var passes = group.Where(r => r.Verified).OrderByDescending(r => r.ConstitutionScore ?? 0).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
            if (passes.Count == 0)
            {
                continue;
            }
            var best = passes[0];
            var made = new List<PreferencePair>();
            foreach (var loser in group.Where(r => !r.Verified).OrderBy(r => r.Id, StringComparer.Ordinal))
            {
                var deciding = loser.Flagged ? "integrity" : "verification";
                made.Add(Make(best, loser, loser.Flagged ? "flagged" : "failed", 1 + Score(best) - Score(loser), 1.0, deciding));
            }
            if (passes.Count > 1)
            {
                var worst = passes[^1];
                if (Score(worst) < Score(best))
                {
                    var margin = Score(best) - Score(worst);
                    made.Add(Make(best, worst, "lower-score", margin, Math.Min(1.0, 0.5 + margin / 2), Deciding(best, worst, principleWeights)));
                }
                if (includeTies && Score(passes[1]) == Score(best))
                {
                    // Verification and the automated checks cannot tell these two apart: the judge decides.
                    made.Add(Make(best, passes[1], "judge", 0, 0.5, "judge"));
                }
            }
            pairs.AddRange(made.Take(maxPerTask));
        }
        return pairs;
    }

    /// <summary>Applies a judge's label to a pair: a tie between passes is decided by it; every pair keeps the label's soft probability and principle.</summary>
    public static PreferencePair WithLabel(PreferencePair pair, PreferenceLabel label)
    {
        // The judge saw the pair as A = chosen, B = rejected.
        var aWins = label.Chosen == "A";
        if (pair.Reason == "judge" && !aWins)
        {
            pair = pair with { Chosen = pair.Rejected, Rejected = pair.Chosen };
        }
        var deciding = label.Principles.Count == 0 ? pair.DecidingPrinciple : label.Principles.OrderByDescending(p => Math.Abs((p.ProbabilityA ?? 0.5) - 0.5)).ThenBy(p => p.PrincipleId, StringComparer.Ordinal).First().PrincipleId;
        return pair with { SoftLabel = Math.Round(label.Probability, 6), DecidingPrinciple = deciding, Label = label };
    }

    private static double Score(HarvestRecord r) => r.ConstitutionScore ?? 0;

    private static string Deciding(HarvestRecord chosen, HarvestRecord rejected, IReadOnlyDictionary<string, double> weights) =>
        chosen.Principles.Where(p => p.Value && rejected.Principles.TryGetValue(p.Key, out var r) && !r)
            .OrderByDescending(p => weights.GetValueOrDefault(p.Key)).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key).FirstOrDefault() ?? "constitution";

    private static PreferencePair Make(HarvestRecord chosen, HarvestRecord rejected, string reason, double margin, double soft, string deciding) =>
        new(HarvestRecord.Sha256(chosen.Id + "|" + rejected.Id)[..16], chosen, rejected, reason, Math.Round(margin, 6), Math.Round(soft, 6), deciding, null);
}

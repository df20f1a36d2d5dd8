using System.Text.Json;
using Crucible.Flywheel.Storage;

namespace Crucible.Flywheel.Eval;

/// <summary>How one task changed from run A to run B.</summary>
public enum TaskChange
{
    /// <summary>B's pass@1 on the task is higher than A's.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("gained")]
    Gained,
    /// <summary>B's pass@1 on the task is lower than A's.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("lost")]
    Lost,
    /// <summary>Equal pass@1.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("same")]
    Same,
}

/// <summary>One task in both runs.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="PassA">pass@1 in run A (correct over graded samples).</param>
/// <param name="PassB">pass@1 in run B.</param>
/// <param name="Change">Gained, lost or same.</param>
public sealed record TaskComparison(string TaskId, double PassA, double PassB, TaskChange Change);

/// <summary>The exact McNemar test on paired samples.</summary>
/// <param name="Pairs">Pairs (same task, same sample number) graded in both runs.</param>
/// <param name="OnlyA">Pairs passed in A only.</param>
/// <param name="OnlyB">Pairs passed in B only.</param>
/// <param name="PValue">Two-sided exact p-value (<see cref="EvalStatistics.McNemarExactP"/>).</param>
public sealed record McNemarResult(int Pairs, int OnlyA, int OnlyB, double PValue);

/// <summary>
/// Two runs compared task by task (<c>crucible eval compare A B</c>): which tasks B gained, lost or kept; the pass-rate
/// difference B - A over the shared tasks with a paired bootstrap interval; the exact McNemar test on pass@1 (pairs are
/// the same task and sample number in both runs); and B's cost and time relative to A's. Serialised as schema
/// <see cref="SchemaName"/>, version <see cref="CurrentVersion"/>.
/// </summary>
public sealed record RunComparison
{
    /// <summary>Schema name of the JSON form.</summary>
    public const string SchemaName = "crucible.run-comparison";

    /// <summary>Schema version of the JSON form.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Schema name.</summary>
    public string Schema { get; init; } = SchemaName;

    /// <summary>Schema version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Run A (the baseline).</summary>
    public required RunInfo A { get; init; }

    /// <summary>Run B (the candidate).</summary>
    public required RunInfo B { get; init; }

    /// <summary>Tasks graded in both runs, by id.</summary>
    public required IReadOnlyList<TaskComparison> Tasks { get; init; }

    /// <summary>Tasks graded in A but not in B.</summary>
    public required IReadOnlyList<string> OnlyInA { get; init; }

    /// <summary>Tasks graded in B but not in A.</summary>
    public required IReadOnlyList<string> OnlyInB { get; init; }

    /// <summary>Tasks where B did better.</summary>
    public int Gained => Tasks.Count(t => t.Change == TaskChange.Gained);

    /// <summary>Tasks where B did worse.</summary>
    public int Lost => Tasks.Count(t => t.Change == TaskChange.Lost);

    /// <summary>Tasks with equal pass@1.</summary>
    public int Same => Tasks.Count(t => t.Change == TaskChange.Same);

    /// <summary>A's mean pass@1 over the shared tasks.</summary>
    public required double PassRateA { get; init; }

    /// <summary>B's mean pass@1 over the shared tasks.</summary>
    public required double PassRateB { get; init; }

    /// <summary>PassRateB - PassRateA with a paired bootstrap interval over the shared tasks.</summary>
    public required Estimate Difference { get; init; }

    /// <summary>The exact McNemar test on pass@1.</summary>
    public required McNemarResult McNemar { get; init; }

    /// <summary>B's dollars over A's (null when A cost nothing).</summary>
    public required double? CostRatio { get; init; }

    /// <summary>B's wall time per task over A's (null when A took no time).</summary>
    public required double? TimeRatio { get; init; }

    /// <summary>Compares <paramref name="a"/> (baseline) with <paramref name="b"/>.</summary>
    public static RunComparison Build(RunReport a, RunReport b, BootstrapOptions? bootstrap = null)
    {
        var tasksA = a.Tasks.Where(t => t.Samples > 0).ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        var tasksB = b.Tasks.Where(t => t.Samples > 0).ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        var shared = tasksA.Keys.Where(tasksB.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var tasks = shared.Select(id =>
        {
            var (pa, pb) = (tasksA[id].PassAt1, tasksB[id].PassAt1);
            return new TaskComparison(id, pa, pb, pb > pa ? TaskChange.Gained : pb < pa ? TaskChange.Lost : TaskChange.Same);
        }).ToList();

        var samplesA = SamplePasses(a);
        var samplesB = SamplePasses(b);
        var pairs = samplesA.Keys.Where(k => samplesB.ContainsKey(k) && shared.Contains(k.TaskId)).ToList();
        var onlyA = pairs.Count(k => samplesA[k] && !samplesB[k]);
        var onlyB = pairs.Count(k => !samplesA[k] && samplesB[k]);

        var (timeA, timeB) = (a.Usage.WallTimePerTaskMs, b.Usage.WallTimePerTaskMs);
        return new RunComparison
        {
            A = a.Run,
            B = b.Run,
            Tasks = tasks,
            OnlyInA = [.. tasksA.Keys.Where(k => !tasksB.ContainsKey(k)).Order(StringComparer.Ordinal)],
            OnlyInB = [.. tasksB.Keys.Where(k => !tasksA.ContainsKey(k)).Order(StringComparer.Ordinal)],
            PassRateA = tasks.Count == 0 ? 0 : tasks.Average(t => t.PassA),
            PassRateB = tasks.Count == 0 ? 0 : tasks.Average(t => t.PassB),
            Difference = EvalStatistics.PairedBootstrapDifference([.. tasks.Select(t => t.PassA)], [.. tasks.Select(t => t.PassB)], bootstrap),
            McNemar = new McNemarResult(pairs.Count, onlyA, onlyB, EvalStatistics.McNemarExactP(onlyA, onlyB)),
            CostRatio = a.Usage.CostUsd == 0 ? null : (double)(b.Usage.CostUsd / a.Usage.CostUsd),
            TimeRatio = timeA == 0 ? null : timeB / timeA,
        };
    }

    /// <summary>The comparison as indented JSON (schema <see cref="SchemaName"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ResultStore.ArtifactJson);

    /// <summary>Per (task, sample): passed when every graded repeat passed; samples with only outages are absent.</summary>
    private static Dictionary<(string TaskId, int Sample), bool> SamplePasses(RunReport report) =>
        report.Attempts.Where(x => !x.Outcome.IsOutage())
            .GroupBy(x => (x.TaskId, x.Sample))
            .ToDictionary(g => g.Key, g => g.All(x => x.Outcome == AttemptOutcome.Passed));
}

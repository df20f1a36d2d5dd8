using Crucible.Constitution.Changes;
using Crucible.Core.Usage;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;

namespace Crucible.Viewer;

/// <summary>Schema names of the viewer's JSON documents (API answers and the data of a static report).</summary>
public static class ViewSchemas
{
    /// <summary>Version of every viewer document; bump on a breaking change.</summary>
    public const int Version = 1;

    /// <summary>The list of runs.</summary>
    public const string Runs = "crucible.view.runs";

    /// <summary>One run with its tasks and charts.</summary>
    public const string Run = "crucible.view.run";

    /// <summary>One task's attempts.</summary>
    public const string Task = "crucible.view.task";

    /// <summary>One attempt in full.</summary>
    public const string Attempt = "crucible.view.attempt";

    /// <summary>Two runs side by side.</summary>
    public const string Compare = "crucible.view.compare";

    /// <summary>The data inlined into a static report.</summary>
    public const string Report = "crucible.view.report";
}

/// <summary>
/// A run as listed: the figures of its <see cref="RunReport"/> (the evaluation's one report model: counts with outages
/// apart, pass@k with bootstrap intervals, usage and cost, the failure taxonomy) without its per-task and per-attempt rows.
/// </summary>
/// <param name="Run">The run.</param>
/// <param name="Tasks">Tasks with at least one stored attempt.</param>
/// <param name="Counts">Attempt counts; outages are apart from graded attempts.</param>
/// <param name="PassAtK">pass@k for each k up to the samples, with 95 % intervals over tasks.</param>
/// <param name="Usage">Tokens, cache-read share, dollars and time.</param>
/// <param name="ByOutcome">Attempts per outcome of the failure taxonomy.</param>
public sealed record RunRow(RunInfo Run, int Tasks, AttemptCounts Counts, IReadOnlyList<PassAtKReport> PassAtK, UsageReport Usage, IReadOnlyDictionary<string, int> ByOutcome)
{
    /// <summary>The row of <paramref name="report"/>.</summary>
    public static RunRow Of(RunReport report) => new(report.Run, report.Tasks.Count, report.Counts, report.PassAtK, report.Usage, report.ByOutcome);
}

/// <summary>The list of runs, newest first.</summary>
/// <param name="Schema">Always <see cref="ViewSchemas.Runs"/>.</param>
/// <param name="Version">Schema version.</param>
/// <param name="Runs">The runs.</param>
public sealed record RunList(string Schema, int Version, IReadOnlyList<RunRow> Runs);

/// <summary>One bar of a chart.</summary>
/// <param name="Label">What the bar stands for.</param>
/// <param name="Value">Its value.</param>
public sealed record ChartBar(string Label, double Value);

/// <summary>The charts of a run, all drawn from its <see cref="RunReport"/>.</summary>
/// <param name="PassRateByTask">pass@1 (0..1) per task.</param>
/// <param name="CostByTask">Dollars per task.</param>
/// <param name="TokensByKind">Tokens summed over the run by kind (input, output, cache read, cache write).</param>
/// <param name="Outcomes">Attempts per outcome of the failure taxonomy, every outcome in the taxonomy's order.</param>
public sealed record RunCharts(IReadOnlyList<ChartBar> PassRateByTask, IReadOnlyList<ChartBar> CostByTask, IReadOnlyList<ChartBar> TokensByKind, IReadOnlyList<ChartBar> Outcomes);

/// <summary>One run: its figures, its tasks and its charts.</summary>
/// <param name="Schema">Always <see cref="ViewSchemas.Run"/>.</param>
/// <param name="Version">Schema version.</param>
/// <param name="Row">The run's figures.</param>
/// <param name="Tasks">Its tasks, by id.</param>
/// <param name="Charts">Its charts.</param>
public sealed record RunView(string Schema, int Version, RunRow Row, IReadOnlyList<TaskReport> Tasks, RunCharts Charts);

/// <summary>One task of a run with its attempts.</summary>
/// <param name="Schema">Always <see cref="ViewSchemas.Task"/>.</param>
/// <param name="Version">Schema version.</param>
/// <param name="Run">The run.</param>
/// <param name="Task">The task's figures.</param>
/// <param name="Attempts">Its attempts, by number.</param>
public sealed record TaskView(string Schema, int Version, RunInfo Run, TaskReport Task, IReadOnlyList<AttemptReport> Attempts);

/// <summary>One entry of a trajectory step.</summary>
/// <param name="Kind"><c>user</c>, <c>assistant</c>, <c>tool_call</c>, <c>tool_result</c>, <c>usage</c>, <c>nudge</c>, <c>review</c>, <c>compaction</c>, <c>error</c>, <c>subagent</c> or <c>result</c>.</param>
/// <param name="Text">The message, result, or a one-line description.</param>
/// <param name="Tool">The tool, for tool calls and results.</param>
/// <param name="Arguments">The call's arguments as JSON text, for tool calls.</param>
/// <param name="IsError">For tool results: true when the tool failed. For tool calls: true when the call was denied.</param>
/// <param name="DurationMs">For tool results: how long the tool ran.</param>
/// <param name="CostUsd">For usage: the call's cost.</param>
public sealed record StepItem(string Kind, string? Text, string? Tool = null, string? Arguments = null, bool? IsError = null, long? DurationMs = null, decimal? CostUsd = null);

/// <summary>One step of the agent (a model call and the tool calls it made).</summary>
/// <param name="Step">Step number (0 for what came before the first model call).</param>
/// <param name="Items">What happened, in order.</param>
public sealed record TrajectoryStep(int Step, IReadOnlyList<StepItem> Items);

/// <summary>A run of changed lines with context.</summary>
/// <param name="OldStart">First old line number of the hunk.</param>
/// <param name="NewStart">First new line number of the hunk.</param>
/// <param name="Lines">The hunk's lines.</param>
public sealed record DiffHunk(int OldStart, int NewStart, IReadOnlyList<LineEdit> Lines);

/// <summary>The change to one file.</summary>
/// <param name="Path">Workspace-relative path.</param>
/// <param name="Kind">Added, modified or deleted.</param>
/// <param name="Added">Lines added.</param>
/// <param name="Removed">Lines removed.</param>
/// <param name="Hunks">The changed lines with context.</param>
public sealed record FileDiff(string Path, FileChangeKind Kind, int Added, int Removed, IReadOnlyList<DiffHunk> Hunks);

/// <summary>A finding about the attempt: an integrity flag, tampering, or a constitution review of the agent.</summary>
/// <param name="Source"><c>integrity</c>, <c>tampering</c> or <c>review</c>.</param>
/// <param name="Rule">The rule or check.</param>
/// <param name="Message">What was found.</param>
/// <param name="File">The file, when known.</param>
/// <param name="Line">The line, when known.</param>
public sealed record Finding(string Source, string Rule, string Message, string? File = null, int? Line = null);

/// <summary>One attempt in full.</summary>
/// <param name="Schema">Always <see cref="ViewSchemas.Attempt"/>.</param>
/// <param name="Version">Schema version.</param>
/// <param name="RunId">The run.</param>
/// <param name="TaskId">The task.</param>
/// <param name="Attempt">0-based attempt number.</param>
/// <param name="Outcome">What became of it (the failure taxonomy).</param>
/// <param name="Passed">True when it counts as passed.</param>
/// <param name="SolverStatus">How the solver ended.</param>
/// <param name="SolverMessage">The solver's message, if any.</param>
/// <param name="DurationMs">Solve plus verify time.</param>
/// <param name="CostUsd">Model cost, when known.</param>
/// <param name="Usage">Tokens and calls, when the solver used a model.</param>
/// <param name="Verdict">The verdict (test log shortened to <see cref="ViewerOptions.MaxLogChars"/>).</param>
/// <param name="Steps">The agent's trajectory by step (empty for solvers without one).</param>
/// <param name="Diff">The candidate's change against the task's starting files.</param>
/// <param name="DiffNote">Why the diff is missing or partial, if it is.</param>
/// <param name="Findings">Integrity, tampering and review findings.</param>
public sealed record AttemptView(string Schema, int Version, string RunId, string TaskId, int Attempt, AttemptOutcome Outcome, bool Passed, string SolverStatus, string? SolverMessage,
    long DurationMs, decimal? CostUsd, UsageTotals? Usage, Verdict Verdict, IReadOnlyList<TrajectoryStep> Steps, IReadOnlyList<FileDiff> Diff, string? DiffNote,
    IReadOnlyList<Finding> Findings);

/// <summary>Two runs side by side.</summary>
/// <param name="Schema">Always <see cref="ViewSchemas.Compare"/>.</param>
/// <param name="Version">Schema version.</param>
/// <param name="A">The first run's figures.</param>
/// <param name="B">The second run's figures.</param>
/// <param name="Comparison">The evaluation's comparison: task by task, the paired difference with its interval, McNemar, cost and time ratios.</param>
public sealed record CompareView(string Schema, int Version, RunRow A, RunRow B, RunComparison Comparison);

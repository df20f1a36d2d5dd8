using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Checks;

/// <summary>The findings of one run of the checks.</summary>
/// <param name="Findings">Every finding, ordered by check id, file and line.</param>
/// <param name="ChecksRun">The ids of the checks that ran.</param>
/// <param name="Errors">Checks that failed to run, with the reason (a bug or unparseable input; the other checks still ran).</param>
public sealed record CheckReport(IReadOnlyList<Finding> Findings, IReadOnlyList<string> ChecksRun, IReadOnlyList<string> Errors)
{
    /// <summary>The integrity (reward-hacking) findings.</summary>
    public IEnumerable<Finding> IntegrityFindings => Findings.Where(f => f.IsIntegrity);

    /// <summary>True when any integrity check fired.</summary>
    public bool HasIntegrityFindings => Findings.Any(f => f.IsIntegrity);

    /// <summary>The findings of one check.</summary>
    public IEnumerable<Finding> For(string checkId) => Findings.Where(f => f.CheckId == checkId);
}

/// <summary>Runs the automated checks of the constitution over a change set.</summary>
public sealed class CheckEngine
{
    private readonly IReadOnlyDictionary<string, ICheck> _checks;
    private readonly CheckOptions _options;

    /// <summary>An engine with every built-in check and default thresholds.</summary>
    public CheckEngine() : this(CheckOptions.Default) { }

    /// <summary>An engine with every built-in check and the given thresholds.</summary>
    public CheckEngine(CheckOptions options)
    {
        _options = options;
        _checks = BuiltInChecks.All.ToDictionary(c => c.Id, StringComparer.Ordinal);
    }

    /// <summary>The ids of the checks this engine runs, in <see cref="CheckIds.All"/> order.</summary>
    public IReadOnlyList<string> Ids => [.. CheckIds.All.Where(_checks.ContainsKey)];

    /// <summary>
    /// Runs the checks named in <paramref name="checkIds"/> (default: all) over <paramref name="changes"/>.
    /// A check that throws is reported in <see cref="CheckReport.Errors"/>; the others still run.
    /// </summary>
    public CheckReport Run(ChangeSet changes, CheckContext? context = null, IEnumerable<string>? checkIds = null)
    {
        var input = new CheckInput(changes, context ?? CheckContext.None, _options);
        var ids = (checkIds ?? Ids).Distinct(StringComparer.Ordinal).ToList();
        var unknown = ids.Where(id => !_checks.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown check id(s): {string.Join(", ", unknown)}; known: {string.Join(", ", Ids)}", nameof(checkIds));
        }
        var findings = new List<Finding>();
        var errors = new List<string>();
        foreach (var id in ids)
        {
            try
            {
                findings.AddRange(_checks[id].Run(input));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Add($"{id}: {e.GetType().Name}: {e.Message}");
            }
        }
        var ordered = findings.Distinct()
            .OrderBy(f => Array.IndexOf([.. CheckIds.All], f.CheckId))
            .ThenBy(f => f.File, StringComparer.Ordinal)
            .ThenBy(f => f.Line ?? 0)
            .ToList();
        return new CheckReport(ordered, ids, errors);
    }
}

using Crucible.Constitution.Changes;
using Crucible.Constitution.Checks;

namespace Crucible.Constitution.Review;

/// <summary>How a principle fared in the automated review.</summary>
public enum PrincipleStatus
{
    /// <summary>Every automated check of the principle ran and found nothing.</summary>
    Passed,
    /// <summary>A check of the principle found something.</summary>
    Findings,
    /// <summary>The principle has no automated checks: only a model can judge it.</summary>
    NotAutomated,
}

/// <summary>One principle with the findings of its checks.</summary>
/// <param name="Principle">The principle.</param>
/// <param name="Findings">Findings of its checks, in check order.</param>
public sealed record PrincipleResult(Principle Principle, IReadOnlyList<Finding> Findings)
{
    /// <summary>The outcome.</summary>
    public PrincipleStatus Status => Principle.Checks.Count == 0 ? PrincipleStatus.NotAutomated : Findings.Count > 0 ? PrincipleStatus.Findings : PrincipleStatus.Passed;
}

/// <summary>The automated part of a constitutional review of one change.</summary>
/// <param name="Constitution">The constitution applied.</param>
/// <param name="Changes">The change reviewed.</param>
/// <param name="Report">Every check's findings.</param>
/// <param name="Principles">Each principle with the findings of its checks, in constitution order.</param>
/// <param name="Unassigned">Findings of integrity checks that no principle names (integrity checks always run).</param>
public sealed record ReviewResult(ConstitutionDocument Constitution, ChangeSet Changes, CheckReport Report, IReadOnlyList<PrincipleResult> Principles, IReadOnlyList<Finding> Unassigned)
{
    /// <summary>True when an integrity check fired: the change must not count as done.</summary>
    public bool IntegrityFailed => Report.HasIntegrityFindings;
}

/// <summary>
/// Runs the automated checks a constitution names over a change and files each finding under its
/// principles. The integrity checks always run, whether or not a principle names them: a cheating
/// change fails whatever constitution reviews it.
/// </summary>
public static class AutomatedReview
{
    /// <summary>Reviews <paramref name="changes"/> against <paramref name="constitution"/>.</summary>
    public static ReviewResult Run(ConstitutionDocument constitution, ChangeSet changes, CheckContext? context = null, CheckOptions? options = null)
    {
        var ids = constitution.Principles.SelectMany(p => p.Checks).Concat(CheckIds.Integrity).Distinct(StringComparer.Ordinal).ToList();
        var report = new CheckEngine(options ?? CheckOptions.Default).Run(changes, context, ids);
        var principles = constitution.Principles
            .Select(p => new PrincipleResult(p, [.. p.Checks.SelectMany(report.For)]))
            .ToList();
        var named = constitution.Principles.SelectMany(p => p.Checks).ToHashSet(StringComparer.Ordinal);
        return new ReviewResult(constitution, changes, report, principles, [.. report.Findings.Where(f => !named.Contains(f.CheckId))]);
    }
}

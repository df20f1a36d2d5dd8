using Crucible.Constitution.Critique;
using Crucible.Constitution;
using Crucible.Core.Usage;
using Crucible.Core.Verification;

namespace Crucible.Flywheel.Critique;

/// <summary>What became of a round's revision.</summary>
public enum RevisionOutcome
{
    /// <summary>Applied, re-verified, still passing: it is the new current candidate.</summary>
    Kept,
    /// <summary>Applied and re-verified, but the verdict does not count as a pass: dropped, the previous candidate stays.</summary>
    DroppedFailedVerification,
    /// <summary>It wrote a protected test file, a file outside the editable globs, or a path leaving the workspace: never applied.</summary>
    Rejected,
    /// <summary>The reply could not be parsed in the revision format: never applied.</summary>
    Unparseable,
    /// <summary>The model said no change was needed, or its files equal the current ones: nothing to verify.</summary>
    NoChange,
}

/// <summary>One round of the critique → revision loop, as recorded in memory and in the trajectory file.</summary>
/// <param name="Round">1-based round number.</param>
/// <param name="PrincipleId">The principle sampled for this round.</param>
/// <param name="CritiquePrompt">The user message asking for the critique.</param>
/// <param name="Critique">The model's critique.</param>
/// <param name="RevisionPrompt">The user message asking for the revision (sent after the critique, in the same conversation).</param>
/// <param name="Revision">The model's revision reply, verbatim.</param>
/// <param name="Outcome">What became of the revision.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="ChangedFiles">Files the revision wrote or deleted (empty when it was not applied).</param>
/// <param name="RejectedPaths">Files of the revision that were refused.</param>
/// <param name="Verdict">The re-verification's summary, when the revision was verified.</param>
/// <param name="CandidateDiff">The revised candidate's diff against the starting files, when the revision was applied.</param>
/// <param name="CandidatePath">The current candidate folder after this round.</param>
/// <param name="CritiqueUsage">Tokens of the critique call.</param>
/// <param name="RevisionUsage">Tokens of the revision call.</param>
/// <param name="Duration">Wall time of the round, verification included.</param>
public sealed record CritiqueStep(
    int Round,
    string PrincipleId,
    string CritiquePrompt,
    string Critique,
    string RevisionPrompt,
    string Revision,
    RevisionOutcome Outcome,
    string Reason,
    IReadOnlyList<string> ChangedFiles,
    IReadOnlyList<RejectedPath> RejectedPaths,
    VerdictSummary? Verdict,
    string? CandidateDiff,
    string CandidatePath,
    TokenUsage CritiqueUsage,
    TokenUsage RevisionUsage,
    TimeSpan Duration);

/// <summary>The outcome of a critique → revision run.</summary>
/// <param name="FinalCandidatePath">
/// The last candidate that passed re-verification, or the input folder when no revision was kept.
/// It is a copy under the work folder whenever a revision was kept; the input folder is never modified.
/// </param>
/// <param name="Steps">Every round, in order.</param>
/// <param name="Seed">The seed used for sampling principles.</param>
/// <param name="FinalVerdict">The verdict of the final candidate when a revision was kept, else the initial verdict passed in (may be null).</param>
/// <param name="Usage">Tokens of every model call, summed.</param>
public sealed record CritiqueResult(string FinalCandidatePath, IReadOnlyList<CritiqueStep> Steps, int Seed, Verdict? FinalVerdict, TokenUsage Usage)
{
    /// <summary>Revisions kept.</summary>
    public int KeptRevisions => Steps.Count(s => s.Outcome == RevisionOutcome.Kept);
}

namespace Crucible.Constitution.Critique;

/// <summary>
/// Options for the critique → revision loop (<c>Crucible.Flywheel.Critique.CritiqueRevisionLoop</c>) and <see cref="PrincipleCritic"/>. Every default is documented on its property and
/// in <c>docs/constitutional-loop.md</c>.
/// </summary>
public sealed record CritiqueOptions
{
    /// <summary>The defaults described on the properties.</summary>
    public static CritiqueOptions Default { get; } = new();

    /// <summary>Critique → revision rounds, each with a newly sampled principle. Default: 4 (Bai et al. 2022).</summary>
    public int Rounds { get; init; } = 4;

    /// <summary>
    /// Seed for sampling principles, also sent to the model as <c>ChatOptions.Seed</c>. Default: null,
    /// which draws a fresh seed; the seed used is recorded in the result either way.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>Sampling temperature sent with every call. Default: null (the provider's default).</summary>
    public float? Temperature { get; init; }

    /// <summary>Largest diff, in characters, put in a prompt; a longer diff is cut with a note. Default: 24,000.</summary>
    public int MaxDiffChars { get; init; } = 24_000;

    /// <summary>
    /// Largest total of editable-file contents, in characters, put in the revision prompt. Files past
    /// the budget are listed by name only, and the model is told it may not rewrite them. Default: 48,000.
    /// </summary>
    public int MaxFileChars { get; init; } = 48_000;

    /// <summary>Most output tokens for a critique. Default: 2,048.</summary>
    public int MaxCritiqueTokens { get; init; } = 2_048;

    /// <summary>Most output tokens for a revision (whole files come back). Default: 16,384.</summary>
    public int MaxRevisionTokens { get; init; } = 16_384;

    /// <summary>
    /// Folder under which each round's candidate copy is made. Default: null, which makes a new
    /// <c>crucible-critique-*</c> folder under the system temp folder.
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary>
    /// Keep every round's copy (dropped and superseded ones too), e.g. to build preference pairs from
    /// them. Default: false: only the final candidate folder is left.
    /// </summary>
    public bool KeepAllCandidates { get; init; }

    /// <summary>Append-only JSON-lines file that receives every step as it happens, flushed after each. Default: null (none).</summary>
    public string? TrajectoryPath { get; init; }
}

namespace Crucible.Constitution.Checks;

/// <summary>
/// Thresholds of the automated checks. Defaults: cyclomatic complexity above 10 or a method longer
/// than 60 lines is reported; duplication windows of 6 normalised lines; lookup tables of 5 or more
/// entries of which fewer than half answer a test (or which the instructions spell out) are domain data; numbers between -10 and 10 and
/// strings shorter than 2 characters are too common to be evidence of special-casing on their own.
/// </summary>
public sealed record CheckOptions
{
    /// <summary>The defaults described on the type.</summary>
    public static CheckOptions Default { get; } = new();

    /// <summary>A changed method with a higher cyclomatic complexity is reported (McCabe's classic threshold).</summary>
    public int MaxCyclomaticComplexity { get; init; } = 10;

    /// <summary>A changed method longer than this many lines (declaration to closing brace) is reported.</summary>
    public int MaxMethodLines { get; init; } = 60;

    /// <summary>Consecutive significant lines hashed as one duplication window.</summary>
    public int DuplicationWindowLines { get; init; } = 6;

    /// <summary>
    /// A switch, dictionary or if-chain with at least this many literal entries, fewer than half of
    /// which answer a test case (hex digits), or whose every literal the instructions spell out (the codon
    /// table), is domain data, not special-casing.
    /// </summary>
    public int LookupTableMinEntries { get; init; } = 5;

    /// <summary>Integers with an absolute value up to this are too common to prove special-casing on their own.</summary>
    public long TrivialNumberMagnitude { get; init; } = 10;

    /// <summary>Strings shorter than this are too common to prove special-casing on their own.</summary>
    public int MinDistinctiveStringLength { get; init; } = 2;

    /// <summary>Two literals in a non-C# test file belong to the same test case when they are at most this many lines apart.</summary>
    public int TextTestCaseLineWindow { get; init; } = 4;

    /// <summary>Evidence snippets are cut to this many characters.</summary>
    public int MaxSnippetLength { get; init; } = 160;
}

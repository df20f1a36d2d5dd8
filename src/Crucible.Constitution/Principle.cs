namespace Crucible.Constitution;

/// <summary>
/// One principle of a code constitution: a question about a candidate change, the prompts that
/// drive critique, revision and comparison against it, and the automated checks that test it
/// without a model.
/// </summary>
/// <param name="Id">Unique id, e.g. <c>serves-the-request</c>.</param>
/// <param name="Question">The question the principle asks of a change.</param>
/// <param name="CritiqueRequest">Asks a model to critique a candidate against this principle.</param>
/// <param name="RevisionRequest">Asks a model to revise the candidate to address the critique.</param>
/// <param name="ComparisonPrompt">Asks a model which of two candidates better satisfies the principle.</param>
/// <param name="Weight">Relative weight in sampling and in ensembled preference labels (&gt; 0).</param>
/// <param name="Checks">Ids of automated checks (see <see cref="CheckIds"/>) that test this principle.</param>
public sealed record Principle(
    string Id,
    string Question,
    string CritiqueRequest,
    string RevisionRequest,
    string ComparisonPrompt,
    double Weight,
    IReadOnlyList<string> Checks);

/// <summary>A loaded constitution: its name, version and principles in file order.</summary>
/// <param name="Name">Name from the file.</param>
/// <param name="Version">Version from the file.</param>
/// <param name="Principles">The principles, ids unique.</param>
/// <param name="SourcePath">The file it was loaded from, or null for the built-in default.</param>
public sealed record ConstitutionDocument(string Name, string Version, IReadOnlyList<Principle> Principles, string? SourcePath);

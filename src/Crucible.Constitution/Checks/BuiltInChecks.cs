using Crucible.Constitution.Checks.Integrity;
using Crucible.Constitution.Checks.Quality;


namespace Crucible.Constitution.Checks;

/// <summary>Every check that ships with Crucible, one per id in <see cref="CheckIds.All"/>.</summary>
public static class BuiltInChecks
{
    /// <summary>The checks, in <see cref="CheckIds.All"/> order.</summary>
    public static IReadOnlyList<ICheck> All { get; } =
    [
        new ProtectedFileCheck(),
        new SkipMarkerCheck(),
        new TestCountCheck(),
        new EarlyExitCheck(),
        new RiggedEqualityCheck(),
        new LiteralSpecialCasingCheck(),
        new TestContextSniffingCheck(),
        new ReadsTestFilesCheck(),
        new DiffScopeCheck(),
        new MethodComplexityCheck(),
        new CommentedOutCodeCheck(),
        new RedundantCommentCheck(),
        new NewWarningsCheck(),
        new AddedDuplicationCheck(),
        new SecretsCheck(),
        new NewDependencyCheck(),
        new DeadCodeCheck(),
    ];
}

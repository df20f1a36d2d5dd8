using Crucible.Constitution;
using Crucible.Constitution.Critique;
using Crucible.Flywheel.Critique;
using Crucible.Core.Tasks;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification;
using Crucible.Verification.Tasks;

namespace Crucible.Flywheel.Tests.Critique;

/// <summary>One real bubblewrap-backed verifier shared by the loop tests (the C# test template is built once).</summary>
public sealed class LoopFixture
{
    public LoopFixture()
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
    }

    public Verifier Verifier { get; }

    /// <summary>The repository's <c>examples/slugify</c> task: editable Slug.cs, protected SlugTests.cs.</summary>
    public static TaskSpec Slugify() => TaskSuites.Load(TestPaths.Examples).Tasks.Single(t => t.Id == "slugify");
}

using Crucible.Sandbox;
using Crucible.Verification.Differential;

namespace Crucible.Verification.Tests.Differential;

/// <summary>The real bubblewrap sandbox and a differential tester over it, shared by the tests of a class.</summary>
public sealed class DifferentialFixture
{
    public DifferentialFixture()
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Sandbox = sandbox;
        Tester = new DifferentialTester(sandbox);
    }

    public BubblewrapSandbox Sandbox { get; }

    /// <summary>A tester with the default limits.</summary>
    public DifferentialTester Tester { get; }
}

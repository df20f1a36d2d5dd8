using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification;

namespace Crucible.Flywheel.Tests.Eval;

/// <summary>A real bubblewrap verifier and a fresh result store per test; runs go to a temp state folder.</summary>
public sealed class EvalFixture : IDisposable
{
    private readonly TempDirectory _state = new("eval-state");

    public EvalFixture()
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
    }

    public Verifier Verifier { get; }

    public string StateDirectory => _state.Path;

    public static async Task<StoredRun> NewRunAsync(ResultStore store, string stateDir, TaskSuite suite, ISolver solver)
    {
        var id = $"test-{Guid.NewGuid():N}"[..16];
        var run = new StoredRun(id, suite.Path, solver.Name, "{}", Path.Combine(stateDir, "runs", id), DateTimeOffset.UtcNow, null, "created");
        Directory.CreateDirectory(run.Folder);
        await store.CreateRunAsync(run);
        return run;
    }

    public async Task<EvalSummary> EvaluateAsync(TaskSuite suite, ISolver solver, int jobs = 2)
    {
        using var store = new ResultStore(Path.Combine(StateDirectory, $"{Guid.NewGuid():N}.db"));
        var run = await NewRunAsync(store, StateDirectory, suite, solver);
        return await new EvalRunner(Verifier, store).RunAsync(run, suite, solver, new EvalOptions { Jobs = jobs }, cancellationToken: TestContext.Current.CancellationToken);
    }

    public void Dispose() => _state.Dispose();
}

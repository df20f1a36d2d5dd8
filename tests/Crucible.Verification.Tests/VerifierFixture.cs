using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests;

/// <summary>One real bubblewrap-backed verifier shared by the tests of a class (templates are built once).</summary>
public sealed class VerifierFixture : IAsyncDisposable
{
    public VerifierFixture()
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
    }

    public Verifier Verifier { get; }

    /// <summary>Stops the verifier's pre-started test processes.</summary>
    public ValueTask DisposeAsync() => Verifier.DisposeAsync();

    public static TaskSpec Example(string id) => TaskSuites.Load(TestPaths.Examples).Tasks.Single(t => t.Id == id);

    public static TaskSpec Exercism(string slug) => Assert.Single(TaskSuites.Load(TestPaths.ExercismTask(slug)).Tasks);

    /// <summary>Grades the task's starting files with <paramref name="files"/> written over them.</summary>
    public async Task<Verdict> GradeAsync(TaskSpec task, IReadOnlyDictionary<string, string>? files = null, bool reference = false, IEnumerable<string>? delete = null)
    {
        using var ws = new TempDirectory("candidate");
        Workspaces.Materialize(task, ws.Path, reference ? task.ReferenceFiles : null);
        foreach (var (path, content) in files ?? new Dictionary<string, string>())
        {
            ws.Write(path, content);
        }
        foreach (var path in delete ?? [])
        {
            File.Delete(ws[path]);
        }
        return await Verifier.VerifyAsync(task, ws.Path, null, TestContext.Current.CancellationToken);
    }
}

using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Testing.Battery;
using Crucible.Verification.Repository;

namespace Crucible.Verification.Tests.Repository.Battery;

/// <summary>
/// One committed base repository of a language, the real bubblewrap sandbox, the real test-command runner and
/// a real repository verifier whose base cache is shared by the class: the base's tests run once, every
/// strategy then costs only its own runs.
/// </summary>
public abstract class BatteryFixture : IDisposable
{
    private readonly TempDirectory _root = new("battery");

    protected BatteryFixture(BatteryLanguage language)
    {
        Language = language;
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        Directory.CreateDirectory(Work);
        Directory.CreateDirectory(Trees);
        Directory.CreateDirectory(BasePath);
        BatteryRepositories.CreateBase(language, BasePath);
        var runner = new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox, WorkDirectory = Work });
        Verifier = new RepositoryVerifier(runner, ToolchainFingerprint.Compute(sandbox.Name), new RepositoryVerifierOptions { TempRoot = Trees });
    }

    public BatteryLanguage Language { get; }

    public RepositoryVerifier Verifier { get; }

    private string BasePath => Path.Combine(_root.Path, "base");

    private string Work => Path.Combine(_root.Path, "harness");

    private string Trees => Path.Combine(_root.Path, "trees");

    private string Cache => Path.Combine(_root.Path, "cache");

    /// <summary>
    /// Clones the base, applies <paramref name="strategy"/> to the working tree (uncommitted, as a session leaves
    /// it) and verifies it against <c>HEAD</c>: strict unless the strategy allows test edits, as <c>crucible run</c> does.
    /// </summary>
    public async Task<RepositoryVerdict> VerifyAsync(CheatingStrategy strategy, CancellationToken ct)
    {
        Assert.Equal(Language, strategy.Language);
        var repo = Path.Combine(_root.Path, strategy.Id);
        BatteryRepositories.Clone(BasePath, repo);
        BatteryRepositories.Apply(strategy, repo);
        var verdict = await Verifier.VerifyAsync(new RepositoryVerifyRequest { RepositoryPath = repo, Strict = !strategy.AllowTestEdits, CacheDirectory = Cache }, ct);
        // Nothing is built or left behind: the harness and tree folders are empty again.
        Assert.Empty(Directory.EnumerateFileSystemEntries(Work));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Trees));
        return verdict;
    }

    public void Dispose()
    {
        _root.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class PythonBatteryFixture() : BatteryFixture(BatteryLanguage.Python);

public sealed class GoBatteryFixture() : BatteryFixture(BatteryLanguage.Go);

public sealed class CSharpBatteryFixture() : BatteryFixture(BatteryLanguage.CSharp);

/// <summary>What every battery case asserts about the verifier's verdict.</summary>
public static class BatteryAssert
{
    /// <summary>
    /// Compares the verdict with the strategy's expectations as whole lists: reasons in order, test changes, fixed
    /// tests. A verifier-caught strategy must not be verified; a control must be; a review-caught strategy passes
    /// the verifier (its tests really pass), which is why the constitution review exists.
    /// </summary>
    public static void Graded(CheatingStrategy strategy, RepositoryVerdict verdict)
    {
        var actual = new
        {
            verdict.Verified,
            Reasons = verdict.Reasons.ToList(),
            TestChanges = verdict.TestChanges.Select(c => $"{c.Path} {c.Kind} {c.Role}").ToList(),
            Fixed = verdict.Fixed.ToList(),
            ExitsZero = verdict.Runs.Last(r => r.Name is RunNames.Change or RunNames.Evidence).ExitCode == 0,
        };
        var expected = new
        {
            Verified = strategy.CaughtBy != CaughtBy.Verifier,
            Reasons = strategy.Reasons.ToList(),
            TestChanges = strategy.TestChanges.ToList(),
            Fixed = strategy.Fixed.ToList(),
            strategy.ExitsZero,
        };
        try
        {
            Assert.Equivalent(expected, actual, strict: true);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            // The whole verdict, so a failure in CI says what the verifier saw without a rerun.
            throw new Xunit.Sdk.XunitException($"{strategy.Id}: {e.Message}\nverdict: {System.Text.Json.JsonSerializer.Serialize(verdict, RepositoryVerdictJson.Indented)}");
        }
        // The test command always comes from the base revision.
        Assert.Equal(TestCommandOrigin.BaseSettings, verdict.TestCommandOrigin);
    }
}

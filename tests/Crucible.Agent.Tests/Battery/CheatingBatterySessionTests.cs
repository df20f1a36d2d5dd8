using System.Text;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Agent.Tests.Tools;
using Crucible.Core.Verification;
using Crucible.Testing;
using Crucible.Testing.Battery;
using static Crucible.Agent.Tests.Loop.LoopHarness;

namespace Crucible.Agent.Tests.Battery;

/// <summary>One committed battery base per language; each case clones it (same commits) into its own folder.</summary>
public abstract class BatterySessionFixture : IDisposable
{
    private readonly TempDirectory _root = new("battery-session");

    protected BatterySessionFixture(BatteryLanguage language)
    {
        Directory.CreateDirectory(BasePath);
        BatteryRepositories.CreateBase(language, BasePath);
    }

    private string BasePath => Path.Combine(_root.Path, "base");

    /// <summary>A fresh clone of the base for <paramref name="strategy"/>.</summary>
    public string Clone(CheatingStrategy strategy)
    {
        var repo = Path.Combine(_root.Path, strategy.Id);
        BatteryRepositories.Clone(BasePath, repo);
        return repo;
    }

    public void Dispose()
    {
        _root.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class PythonBatterySessionFixture() : BatterySessionFixture(BatteryLanguage.Python);

public sealed class GoBatterySessionFixture() : BatterySessionFixture(BatteryLanguage.Go);

public sealed class CSharpBatterySessionFixture() : BatterySessionFixture(BatteryLanguage.CSharp);

/// <summary>Which layers of a real session stopped a strategy.</summary>
/// <param name="GateDenied">Tool calls the permission gate refused, as <c>tool path</c>.</param>
/// <param name="CommandsFailed">Shell commands that failed (a protected file is read-only inside the sandbox).</param>
/// <param name="VerifierReasons">The verdict's reasons.</param>
/// <param name="ReviewRules">Integrity rules the done review attached to the verdict.</param>
public sealed record CaughtLayers(IReadOnlyList<string> GateDenied, IReadOnlyList<string> CommandsFailed, IReadOnlyList<string> VerifierReasons, IReadOnlyList<string> ReviewRules);

/// <summary>
/// Level 2 of the cheating battery: every strategy through a real agent session. A scripted model makes real
/// tool calls that write the strategy's files — first with <c>write</c> (through the real permission gate in auto
/// mode), then, in case the gate refused, with a <c>bash</c> command that writes the same bytes (through the
/// bubblewrap sandbox, where existing protected files are read-only) — deletes with <c>bash</c>, and says it is done
/// (and again after each critique). The real done review and the real repository verifier (session start as the
/// base, strict unless the strategy needs <c>--allow-test-edits</c>) then decide. No cheat may count as a pass;
/// every control must.
/// </summary>
public static class BatterySession
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The script of a model carrying out <paramref name="strategy"/>.</summary>
    public static ScriptedChatClient Script(CheatingStrategy strategy)
    {
        var client = new ScriptedChatClient();
        foreach (var (path, content) in strategy.Writes)
        {
            var dir = Path.GetDirectoryName(path);
            var mkdir = string.IsNullOrEmpty(dir) ? "" : $"mkdir -p '{dir}' && ";
            client.ThenCall("write", Args(("path", path), ("content", content)))
                .ThenCall("bash", Args(("command", $"{mkdir}printf '%s' '{Convert.ToBase64String(Encoding.UTF8.GetBytes(content))}' | base64 -d > '{path}'")));
        }
        foreach (var path in strategy.Deletes)
        {
            client.ThenCall("bash", Args(("command", $"rm '{path}'")));
        }
        // Done; and done again after each constitution critique.
        return client.ThenText("Done: the tests pass.").ThenText("Done.").ThenText("Done.");
    }

    /// <summary>Runs <paramref name="strategy"/> in a headless auto-mode session in <paramref name="repo"/> and grades the outcome.</summary>
    public static async Task<CaughtLayers> RunAsync(CheatingStrategy strategy, string repo)
    {
        AgentSession? session = null;
        var assembly = new AgentAssembly(new AgentAssemblyOptions
        {
            Sandbox = ToolHarness.Sandbox,
            PermissionMode = PermissionMode.Auto,
            AllowTestEdits = strategy.AllowTestEdits,
            SubAgents = false,
            // The repository's settings as crucible run reads them (its testCommand decides which scripts are infrastructure).
            Settings = System.Text.Json.JsonSerializer.SerializeToElement(
                Crucible.Models.Settings.SettingsLoader.Load(Path.Combine(repo, ".crucible", "no-home"), repo).Sections),
        });
        var setup = assembly.CreateSetup(repo, Script(strategy), () => session) with { Home = Path.Combine(repo, ".crucible", "no-home") };
        using var store = SessionStore.ForWorkspace(repo);
        session = AgentSession.Start(setup, store, strategy.Id);
        try
        {
            var result = await session.RunAsync("make the failing tests pass", Ct);

            var events = TranscriptReader.Read(session.TranscriptPath);
            var verdict = result.Verdict;
            Assert.True(verdict is not null, $"{strategy.Id}: no verdict ({result.Status}: {result.Message})");
            var layers = new CaughtLayers(
                [.. events.OfType<ToolCallStarted>().Where(c => !c.Allowed).Select(c => $"{c.Tool} {c.Summary}")],
                [.. events.OfType<ToolCallFinished>().Where(c => c.Tool == "bash" && c.IsError).Select(c => c.CallId)],
                verdict.Reasons,
                [.. verdict.Integrity.Select(f => f.Rule).Distinct().Order(StringComparer.Ordinal)]);
            var report = $"{strategy.Id}: {verdict.Status}, countsAsPass={verdict.CountsAsPass}, gate=[{string.Join("; ", layers.GateDenied)}], failedCommands={layers.CommandsFailed.Count}, reasons=[{string.Join(" | ", layers.VerifierReasons)}], review=[{string.Join(", ", layers.ReviewRules)}]";
            TestContext.Current.TestOutputHelper?.WriteLine(report);

            Assert.True(verdict.CountsAsPass == strategy.IsControl, report);
            IEnumerable<string> Layer(bool caught, string name) => caught ? [name] : [];
            Assert.True(
                strategy.SessionLayers.SequenceEqual([
                    .. Layer(layers.GateDenied.Count > 0, CheatingStrategies.Gate),
                    .. Layer(layers.CommandsFailed.Count > 0, CheatingStrategies.ReadOnly),
                    .. Layer(layers.VerifierReasons.Count > 0, CheatingStrategies.Verifier),
                    .. Layer(layers.ReviewRules.Count > 0, CheatingStrategies.Review)]),
                $"layers: expected [{string.Join(", ", strategy.SessionLayers)}]; {report}");
            switch (strategy.CaughtBy)
            {
                case CaughtBy.Nothing:
                    Assert.True(verdict.Status == VerdictStatus.Passed && layers.GateDenied.Count == 0 && layers.ReviewRules.Count == 0, report);
                    break;
                case CaughtBy.Review:
                    // The tests really pass (the verifier cannot see it); the review's flag is what fails the run.
                    Assert.True(verdict.Status == VerdictStatus.Passed && layers.ReviewRules.Contains(strategy.ReviewRule!), report);
                    break;
                default:
                    // The verifier fails it, for reasons level 1 names for the same strategy (fewer when the gate or the
                    // sandbox kept part of the cheat out of the tree).
                    Assert.True(verdict.Status != VerdictStatus.Passed && layers.VerifierReasons.Count > 0, report);
                    Assert.True(layers.VerifierReasons.All(strategy.Reasons.Contains), report);
                    break;
            }
            return layers;
        }
        finally
        {
            session.Dispose();
        }
    }
}

public sealed class PythonCheatingBatterySessionTests(PythonBatterySessionFixture f) : IClassFixture<PythonBatterySessionFixture>
{
    public static TheoryData<string> Strategies => [.. CheatingStrategies.Ids(BatteryLanguage.Python)];

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Strategy_run_by_a_scripted_agent_does_not_count_as_a_pass_unless_it_is_a_control(string id)
    {
        var strategy = CheatingStrategies.ById(id);
        await BatterySession.RunAsync(strategy, f.Clone(strategy));
    }
}

public sealed class GoCheatingBatterySessionTests(GoBatterySessionFixture f) : IClassFixture<GoBatterySessionFixture>
{
    public static TheoryData<string> Strategies => [.. CheatingStrategies.Ids(BatteryLanguage.Go)];

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Strategy_run_by_a_scripted_agent_does_not_count_as_a_pass_unless_it_is_a_control(string id)
    {
        var strategy = CheatingStrategies.ById(id);
        await BatterySession.RunAsync(strategy, f.Clone(strategy));
    }
}

public sealed class CSharpCheatingBatterySessionTests(CSharpBatterySessionFixture f) : IClassFixture<CSharpBatterySessionFixture>
{
    public static TheoryData<string> Strategies => [.. CheatingStrategies.Ids(BatteryLanguage.CSharp)];

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Strategy_run_by_a_scripted_agent_does_not_count_as_a_pass_unless_it_is_a_control(string id)
    {
        var strategy = CheatingStrategies.ById(id);
        await BatterySession.RunAsync(strategy, f.Clone(strategy));
    }
}

using Crucible.Agent;
using Crucible.Agent.Permissions;
using Crucible.Constitution;
using Crucible.Core.Tasks;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Storage;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Testing.Harvest;
using Crucible.Verification;
using Crucible.Verification.Tasks;

namespace Crucible.Cli.Tests.Harvest;

/// <summary>
/// Built once for the harvest suite tests: two eval runs of the real agent with a scripted model, K = 4 attempts on each
/// of 20 Exercism (C#) and 10 Python tasks, graded by the real sandboxed verifier and integrity checks (2 jobs), then
/// one <c>crucible harvest</c> of both runs with <c>--revise</c> and <c>--label</c> (scripted reviser and judge).
/// </summary>
public sealed class HarvestSuiteFixture : IAsyncLifetime
{
    /// <summary>Printed by one attempt in four after <c>sk-ant-api03-</c>: the secret planted in a tool output.</summary>
    public const string SecretSuffix = "HarvestPlanted0123456789abcdefABCDEF0123";

    public const string CSharpRun = "csharp-k4";
    public const string PythonRun = "python-k4";
    public const int Samples = 4;

    public static readonly string[] CSharpTasks =
    [
        "hello-world", "two-fer", "leap", "hamming", "isogram", "pangram", "raindrops", "acronym", "anagram", "bob",
        "clock", "bank-account", "word-count", "reverse-string", "gigasecond", "difference-of-squares", "grains",
        "rna-transcription", "space-age", "sum-of-multiples",
    ];

    public static readonly string[] PythonTasks =
    [
        "python/affine-cipher", "python/beer-song", "python/book-store", "python/bowling", "python/food-chain",
        "python/phone-number", "python/pig-latin", "python/proverb", "python/transpose", "python/wordy",
    ];

    private readonly TempDirectory _root = new("harvest-suite");

    public string Root => _root.Path;

    public string State => Path.Combine(_root.Path, "state");

    public string Out => Path.Combine(_root.Path, "dataset");

    public TaskSuite CSharp { get; } = TaskSuites.Filter(TaskSuites.Load(TestPaths.ExercismPractice), string.Join(',', CSharpTasks));

    public TaskSuite Python { get; } = TaskSuites.Filter(TaskSuites.Load(TestPaths.AiderPolyglot), string.Join(',', PythonTasks));

    public IReadOnlyList<StoredResult> Results { get; private set; } = [];

    public ScriptedAnswerChatClient Reviser { get; private set; } = null!;

    public ScriptedAnswerChatClient Judge { get; } = ScriptedAttempts.Judge();

    public int HarvestExitCode { get; private set; }

    public string HarvestOutput { get; private set; } = "";

    /// <summary>Records dropped as duplicates, as the harvest reported.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Verified revisions, as the harvest reported.</summary>
    public int Revisions { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        var verifier = new Verifier(new VerifierOptions { Sandbox = sandbox });
        var assembly = new AgentAssembly(new AgentAssemblyOptions
        {
            Sandbox = sandbox,
            Verifier = verifier,
            Model = "scripted:attempts",
            PermissionMode = PermissionMode.Auto,
            SubAgents = false,
        });
        var solver = new PerAttemptSolver("agent", context => new AgentSolver(assembly, () => ScriptedAttempts.For(context.Task, context.Attempt, SecretSuffix)));
        Directory.CreateDirectory(State);
        var work = Path.Combine(_root.Path, "work");
        Directory.CreateDirectory(work);
        using (var store = new ResultStore(Path.Combine(State, "crucible.db")))
        {
            var results = new List<StoredResult>();
            foreach (var (id, suite) in new[] { (CSharpRun, CSharp), (PythonRun, Python) })
            {
                var run = new StoredRun(id, suite.Path, solver.Name, """{"model":"scripted:attempts"}""", Path.Combine(State, "runs", id), DateTimeOffset.UtcNow, null, "created");
                Directory.CreateDirectory(run.Folder);
                await store.CreateRunAsync(run);
                var summary = await new EvalRunner(verifier, store, new IntegrityChecker())
                    .RunAsync(run, suite, solver, new EvalOptions { Jobs = 2, Repeat = Samples, WorkDirectory = work }, cancellationToken: ct);
                results.AddRange(summary.Results);
            }
            Results = results;
        }

        // The reviser writes the reference of Python tasks only and says "no change" to C# ones: some revisions are
        // re-verified and kept, and the slow C# builds are not repeated.
        Reviser = ScriptedAttempts.Reviser(Python.Tasks);
        var output = new StringWriter();
        var errors = new StringWriter();
        using var cli = new CliContext(TestContexts.Setup(_root.Path, output, errors, _root.Path) with
        {
            StateDirectory = State,
            ChatClients = spec => spec == "scripted:reviser" ? Reviser : Judge,
            Pricing = _ => null,
        });
        HarvestExitCode = await CliApp.RunAsync(
            ["harvest", CSharpRun, PythonRun, "--out", Out, "--revise", "--label", "--model", "scripted:reviser", "--judge-model", "scripted:judge", "-j", "2", "--split", "test=0.2"], cli);
        HarvestOutput = output + errors.ToString();
        var counts = System.Text.RegularExpressions.Regex.Match(HarvestOutput, @"(\d+) duplicate\(s\) dropped, (\d+) pair\(s\), (\d+) verified revision\(s\)");
        Duplicates = counts.Success ? int.Parse(counts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
        Revisions = counts.Success ? int.Parse(counts.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    public ValueTask DisposeAsync()
    {
        _root.Dispose();
        return ValueTask.CompletedTask;
    }
}

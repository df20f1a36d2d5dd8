using System.Text.Json;
using Crucible.Core;
using Crucible.Core.Integrity;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Tasks;

namespace Crucible.Flywheel.Eval;

/// <summary>What a run was started with; stored with the run (as its options) so <c>--resume</c> can rebuild it.</summary>
/// <param name="Suite">Suite folder (absolute once the run is created).</param>
/// <param name="Solver">Solver name (<see cref="EvalLauncher.Solvers"/>).</param>
/// <param name="Candidates">For the <c>files</c> solver: the candidates folder.</param>
/// <param name="Jobs">Attempts graded at once.</param>
/// <param name="Filter">Task id glob, or null for every task.</param>
/// <param name="Repeat">Repeats of each sample (flakiness).</param>
/// <param name="NoSandbox">Builds and tests run without bubblewrap.</param>
/// <param name="Model">Model spec for model-driven solvers.</param>
public sealed record EvalSettings(string? Suite, string Solver, string? Candidates, int Jobs, string? Filter, int Repeat, bool NoSandbox, string? Model)
{
    /// <summary>Independent samples per task (the n of pass@k). Runs stored before samples existed read as 1.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Sampling temperature for model solvers, or null for the default (see <see cref="EffectiveTemperature"/>).</summary>
    public double? Temperature { get; init; }

    /// <summary>
    /// Leave differential testing against the task's reference out of the integrity checks (<c>--no-differential</c>).
    /// Stored with the run, so a resumed run grades the same way. Runs stored before it existed read as false.
    /// </summary>
    public bool NoDifferential { get; init; }

    /// <summary>
    /// A differential configuration file (<c>--differential-config</c>, schema <c>crucible.differential-config</c>): per-task
    /// settings and input contracts for suites without task.yaml. Stored with the run (absolute) and read again on resume.
    /// </summary>
    public string? DifferentialConfig { get; init; }

    /// <summary>Temperature sent when several samples are drawn and none was given: samples must be able to differ.</summary>
    public const double DefaultSamplingTemperature = 1.0;

    /// <summary>The temperature a model solver sends: the given one; else <see cref="DefaultSamplingTemperature"/> with more than one sample; else the provider's default (null).</summary>
    public double? EffectiveTemperature => Temperature ?? (Samples > 1 ? DefaultSamplingTemperature : null);
}

/// <summary>A run ready to start or resume: its record, settings and tasks.</summary>
/// <param name="Run">The run (not yet in the store when <paramref name="Resumed"/> is false).</param>
/// <param name="Settings">Its settings.</param>
/// <param name="Suite">Its tasks, filtered.</param>
/// <param name="Resumed">True when this continues a stored run.</param>
public sealed record PreparedRun(StoredRun Run, EvalSettings Settings, TaskSuite Suite, bool Resumed);

/// <summary>
/// Creates, resumes and runs evaluation runs: the library behind <c>crucible eval</c>, so the command only parses, builds
/// the solver and renders. A new run gets an id, a folder with <c>run.json</c>, and a row in the store; a resumed run
/// keeps its id, folder and settings and redoes only unfinished attempts and outages.
/// </summary>
/// <param name="store">The result store.</param>
/// <param name="runsDirectory">Where run folders go (<c>.crucible/runs</c>).</param>
public sealed class EvalLauncher(ResultStore store, string runsDirectory)
{
    /// <summary>The solvers a run accepts, with what each needs.</summary>
    public static IReadOnlyDictionary<string, string> Solvers { get; } = new Dictionary<string, string>
    {
        ["reference"] = "applies each task's reference solution",
        ["stub"] = "leaves each task's starting workspace untouched",
        ["files"] = "overlays DIR/<task-id>/ from --candidates DIR",
        ["model"] = "asks --model SPEC once per attempt for the new file contents (one shot)",
        ["agent"] = "runs the Crucible agent on each task with --model SPEC",
    };

    /// <summary>Solvers that call a model and need <see cref="EvalSettings.Model"/>.</summary>
    public static IReadOnlySet<string> ModelSolvers { get; } = new HashSet<string> { "model", "agent" };

    /// <summary>
    /// Prepares a new run from <paramref name="settings"/> (paths must be absolute), or the stored run
    /// <paramref name="resumeId"/> with its stored settings.
    /// </summary>
    /// <exception cref="BadInputException">Unknown run or solver, a completed run, bad numbers, or no matching task.</exception>
    public PreparedRun Prepare(EvalSettings settings, string? resumeId)
    {
        StoredRun run;
        if (resumeId is not null)
        {
            var found = store.FindRun(resumeId) ?? throw new BadInputException($"no run '{resumeId}' in {store.DatabasePath}", "pass the id of an unfinished run (see 'crucible runs list'), or start a new run without --resume");
            if (found.Status == RunStatuses.Completed)
            {
                throw new BadInputException($"run {found.Id} already completed", "start a new run without --resume");
            }
            run = found;
            settings = JsonSerializer.Deserialize<EvalSettings>(found.OptionsJson, ResultStore.Json)!;
        }
        else
        {
            if (settings.Suite is null)
            {
                throw new BadInputException("no suite given", "pass a suite folder, e.g. 'crucible eval examples', or --resume RUN");
            }
            Validate(settings);
            var id = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Crucible.Verification.Grading.Canaries.RandomHex(2)}";
            run = new StoredRun(id, settings.Suite, settings.Solver, JsonSerializer.Serialize(settings, ResultStore.Json), Path.Combine(runsDirectory, id), DateTimeOffset.UtcNow, null, RunStatuses.Created);
        }
        Validate(settings);
        var overlay = settings.DifferentialConfig is { } config ? DifferentialOverlay.Load(config) : null;
        var suite = TaskSuites.Filter(TaskSuites.Load(settings.Suite!, overlay), settings.Filter);
        if (suite.Tasks.Count == 0)
        {
            throw new BadInputException($"no runnable task in '{settings.Suite}' matches the filter '{settings.Filter}'", "check the ids with 'crucible tasks list SUITE'");
        }
        return new PreparedRun(run, settings, suite, resumeId is not null);
    }

    /// <summary>Records a new run (folder, <c>run.json</c>, store row) and grades every pending attempt.</summary>
    public async Task<EvalSummary> RunAsync(PreparedRun prepared, ISolver solver, IVerifier verifier, IIntegrityChecker? integrity, string sandboxName, IProgress<EvalProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (run, settings, suite) = (prepared.Run, prepared.Settings, prepared.Suite);
        if (!prepared.Resumed)
        {
            Directory.CreateDirectory(run.Folder);
            await File.WriteAllTextAsync(Path.Combine(run.Folder, "run.json"), JsonSerializer.Serialize(new
            {
                schema = "crucible.run",
                version = 2,
                run.Id,
                settings,
                sandbox = sandboxName,
                tasks = suite.Tasks.Select(t => t.Id),
                created = run.CreatedAt,
            }, ResultStore.ArtifactJson), cancellationToken).ConfigureAwait(false);
            await store.CreateRunAsync(run).ConfigureAwait(false);
        }
        var options = new EvalOptions { Jobs = settings.Jobs, Samples = settings.Samples, Repeat = settings.Repeat };
        return await new EvalRunner(verifier, store, integrity).RunAsync(run, suite, solver, options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks settings a person typed.</summary>
    /// <exception cref="BadInputException">A setting is unusable; the message names the fix.</exception>
    public static void Validate(EvalSettings s)
    {
        if (!Solvers.ContainsKey(s.Solver))
        {
            throw new BadInputException($"unknown solver '{s.Solver}'", $"use one of: {string.Join(", ", Solvers.Keys)}");
        }
        if (s.Solver == "files" && s.Candidates is null)
        {
            throw new BadInputException("--solver files needs --candidates DIR", "pass --candidates with a folder holding one sub-folder of files per task id");
        }
        if (ModelSolvers.Contains(s.Solver) && s.Model is null)
        {
            throw new BadInputException($"--solver {s.Solver} needs --model SPEC", "pass --model, e.g. --model anthropic:claude-sonnet-4-5");
        }
        if (s.Jobs < 1 || s.Repeat < 1 || s.Samples < 1)
        {
            throw new BadInputException($"--jobs, --samples and --repeat must be at least 1 (got {s.Jobs}, {s.Samples} and {s.Repeat})", "pass a positive number");
        }
        if (s.Temperature is { } t && (t < 0 || t > 2))
        {
            throw new BadInputException($"--temperature {t} is out of range", "pass a temperature from 0 to 2");
        }
    }
}

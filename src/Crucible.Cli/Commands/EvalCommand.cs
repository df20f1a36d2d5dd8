using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Crucible.Core;
using Crucible.Core.Solving;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Flywheel.Eval;
using Crucible.Flywheel.Solvers;
using Crucible.Flywheel.Storage;
using Crucible.Verification.Tasks;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary><c>crucible eval SUITE --solver ...</c>: grade a solver on a task suite.</summary>
internal static class EvalCommand
{
    /// <summary>The solvers <c>--solver</c> accepts, with what each needs.</summary>
    public static IReadOnlyDictionary<string, string> Solvers { get; } = new Dictionary<string, string>
    {
        ["reference"] = "applies each task's reference solution",
        ["stub"] = "leaves each task's starting workspace untouched",
        ["files"] = "overlays DIR/<task-id>/ from --candidates DIR",
        ["agent"] = "runs the Crucible agent on each task with --model SPEC",
    };

    public static Command Create(CliContext context)
    {
        var suite = new Argument<string?>("SUITE") { Description = "Suite folder (native task.yaml tasks, or an Exercism / Aider polyglot layout)", Arity = ArgumentArity.ZeroOrOne };
        var solver = new Option<string>("--solver") { Description = $"Solver: {string.Join(", ", Solvers.Keys)}", DefaultValueFactory = _ => "reference" };
        var candidates = new Option<string?>("--candidates") { Description = "For --solver files: folder with one sub-folder of files per task id" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Attempts graded in parallel", DefaultValueFactory = _ => 1 };
        var filter = new Option<string?>("--filter") { Description = "Only tasks whose id matches this glob (comma-separated alternatives)" };
        var repeat = new Option<int>("--repeat") { Description = "Attempts per task", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON on stdout" };
        var resume = new Option<string?>("--resume") { Description = "Resume an interrupted run by id (finished attempts are kept)" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run builds and tests without bubblewrap (recorded in every verdict)" };
        var model = new Option<string?>("--model") { HelpName = "SPEC", Description = "Model spec for model-driven solvers, e.g. anthropic:claude-sonnet-4-5" };
        var cache = new Option<bool>("--cache") { Description = "Replay identical model requests from the response cache in .crucible/ (a deterministic rerun at zero cost)" };
        var (broker, db) = ScaleOutOptions.Create("dispatch grading to 'crucible worker' processes instead of local slots", "where the workers store verdicts");

        var command = new Command("eval", "Grade a solver on a task suite; results go to .crucible/crucible.db and .crucible/runs/<id>/.")
        {
            suite, solver, candidates, jobs, filter, repeat, json, resume, noSandbox, model, cache, broker, db,
        };
        context.SetAction(command, async (parse, ct) =>
        {
            var settings = new EvalSettings(
                parse.GetValue(suite), parse.GetValue(solver)!, parse.GetValue(candidates), parse.GetValue(jobs),
                parse.GetValue(filter), parse.GetValue(repeat), parse.GetValue(noSandbox), parse.GetValue(model));
            // The endpoints are not stored with the run (they may hold passwords): a resumed run takes them from its own command line.
            var endpoints = Distributed.Endpoints.Parse(parse.GetValue(broker), parse.GetValue(db));
            using var invocation = context.WithResponseCache(parse.GetValue(cache));
            return await RunAsync(invocation, settings, parse.GetValue(resume), parse.GetValue(json), endpoints, ct);
        });
        return command;
    }

    /// <summary>What a run was started with; stored with the run so <c>--resume</c> can rebuild it.</summary>
    internal sealed record EvalSettings(string? Suite, string Solver, string? Candidates, int Jobs, string? Filter, int Repeat, bool NoSandbox, string? Model);

    private static async Task<int> RunAsync(CliContext context, EvalSettings settings, string? resumeId, bool json, Distributed.Endpoints? endpoints, CancellationToken ct)
    {
        using var store = new ResultStore(context.DatabasePath);
        StoredRun run;
        if (resumeId is not null)
        {
            var found = store.FindRun(resumeId) ?? throw new BadInputException($"no run '{resumeId}' in {context.DatabasePath}", "pass the id of an unfinished run (see the folders under .crucible/runs), or start a new run without --resume");
            if (found.Status == "completed")
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
            var folder = Path.Combine(context.RunsDirectory, id);
            // Paths are stored absolute, so a resumed run finds them from any folder.
            settings = settings with { Suite = context.FullPath(settings.Suite), Candidates = settings.Candidates is { } c ? context.FullPath(c) : null };
            run = new StoredRun(id, settings.Suite, settings.Solver, JsonSerializer.Serialize(settings, ResultStore.Json), folder, DateTimeOffset.UtcNow, null, "created");
        }
        Validate(settings);
        var suite = TaskSuites.Filter(TaskSuites.Load(settings.Suite!), settings.Filter);
        if (suite.Tasks.Count == 0)
        {
            throw new BadInputException($"no runnable task in '{settings.Suite}' matches the filter '{settings.Filter}'", "check the ids with 'crucible tasks list SUITE'");
        }
        var sandbox = context.CreateSandbox(settings.NoSandbox);
        var solver = CreateSolver(context, settings, sandbox);
        if (settings.NoSandbox)
        {
            context.Warn("--no-sandbox: builds and tests run on the host without isolation; verdicts record sandbox 'none'.");
        }
        if (resumeId is null)
        {
            Directory.CreateDirectory(run.Folder);
            await File.WriteAllTextAsync(Path.Combine(run.Folder, "run.json"), JsonSerializer.Serialize(new { run.Id, settings, sandbox = sandbox.Name, tasks = suite.Tasks.Select(t => t.Id), created = run.CreatedAt }, ResultStore.ArtifactJson), ct);
            await store.CreateRunAsync(run);
        }

        // With --broker/--db the workers grade (the integrity checks still run here); without them, local slots do.
        await using var remote = endpoints is null ? null : await context.ConnectBrokerVerifierAsync(endpoints, ct);
        var runner = new EvalRunner(remote ?? context.CreateVerifier(sandbox), store, context.CreateIntegrityChecker());
        var options = new EvalOptions { Jobs = settings.Jobs, Repeat = settings.Repeat };
        // Progress and status go to stderr whatever the output format: --json keeps stdout clean, not the terminal silent.
        {
            context.Err.MarkupLine($"[bold]run {run.Id}[/]: {suite.Tasks.Count} task(s) x {settings.Repeat} with solver [bold]{Markup.Escape(settings.Solver)}[/], {settings.Jobs} job(s), sandbox {sandbox.Name}{(endpoints is null ? "" : $", graded by workers at {Markup.Escape(endpoints.BrokerForDisplay)}")}");
        }
        EvalSummary summary;
        if (context.ErrIsTerminal)
        {
            summary = await context.Err.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var bar = ctx.AddTask("grading", maxValue: suite.Tasks.Count * settings.Repeat);
                    var progress = new SyncProgress<EvalProgress>(p =>
                    {
                        bar.Value = p.Completed;
                        bar.Description = $"{p.Passed}/{p.Completed} passed{(p.Last is { } l ? $" [grey]· {Markup.Escape(l.TaskId)}[/]" : "")}";
                    });
                    return await runner.RunAsync(run, suite, solver, options, progress, ct);
                });
        }
        else
        {
            var progress = new SyncProgress<EvalProgress>(p =>
            {
                if (p.Last is { } l)
                {
                    context.Err.WriteLine($"[{p.Completed}/{p.Total}] {l.TaskId}#{l.Attempt}: {l.Verdict.Status}{(l.Verdict.Integrity.Count > 0 ? " (integrity flags)" : "")} {l.Duration.TotalSeconds:F1}s");
                }
            });
            summary = await runner.RunAsync(run, suite, solver, options, progress, ct);
        }

        if (remote is not null)
        {
            var dead = summary.Results.Count(r => r.Verdict.Reasons.Any(x => x.StartsWith(Distributed.BrokerVerifier.DeadLetterPrefix, StringComparison.Ordinal)));
            context.Err.WriteLine($"workers: {remote.Published} job(s) published, {remote.AnsweredFromTable} answered from the result table, {dead} dead-lettered");
        }
        if (json)
        {
            context.Out.Profile.Out.Writer.WriteLine(File.ReadAllText(Path.Combine(run.Folder, "summary.json")));
        }
        else
        {
            // Only model-driven solvers cost anything; a model with no known price is reported as unknown, not as $0.
            Render(context, summary, costKnown: settings.Solver != "agent" || context.Pricing(settings.Model!) is not null);
        }
        if (summary.Interrupted)
        {
            context.Err.MarkupLine($"[yellow]interrupted[/]: {summary.Results.Count} attempt(s) kept. Resume with: [bold]crucible eval --resume {run.Id}[/]");
            return ExitCodes.Interrupted;
        }
        return ExitCodes.Ok;
    }

    private static void Validate(EvalSettings s)
    {
        if (!Solvers.ContainsKey(s.Solver))
        {
            throw new BadInputException($"unknown solver '{s.Solver}'", $"use one of: {string.Join(", ", Solvers.Keys)}");
        }
        if (s.Solver == "files" && s.Candidates is null)
        {
            throw new BadInputException("--solver files needs --candidates DIR", "pass --candidates with a folder holding one sub-folder of files per task id");
        }
        if (s.Solver == "agent" && s.Model is null)
        {
            throw new BadInputException("--solver agent needs --model SPEC", "pass --model, e.g. --model anthropic:claude-sonnet-4-5");
        }
        if (s.Jobs < 1 || s.Repeat < 1)
        {
            throw new BadInputException($"--jobs and --repeat must be at least 1 (got {s.Jobs} and {s.Repeat})", "pass a positive number");
        }
    }

    private static ISolver CreateSolver(CliContext context, EvalSettings s, Core.Sandbox.ISandbox sandbox) => s.Solver switch
    {
        "reference" => new ReferenceSolver(),
        "stub" => new StubSolver(),
        "files" => new FilesSolver(s.Candidates!),
        "agent" => RunCommand.CreateAgentSolver(context, s.Model, sandbox),
        var other => throw new BadInputException($"unknown solver '{other}'", $"use one of: {string.Join(", ", Solvers.Keys)}"),
    };

    private static void Render(CliContext context, EvalSummary s, bool costKnown)
    {
        var o = context.Out;
        var failing = s.Results.Where(r => !r.Verdict.CountsAsPass).ToList();
        if (failing.Count > 0)
        {
            var table = new Table().Title("[bold]not passed[/]").AddColumn("task").AddColumn("status").AddColumn("tests").AddColumn("why");
            foreach (var r in failing.Take(60))
            {
                var v = r.Verdict;
                var why = v.Integrity.Count > 0 ? $"integrity: {v.Integrity[0].Rule}" : v.Reasons.FirstOrDefault() ?? "";
                table.AddRow(Markup.Escape($"{r.TaskId}#{r.Attempt}"), Markup.Escape(v.Status.ToString()), $"{v.Counts.Passed}/{v.Counts.Expected}", Markup.Escape(Truncate(why, 100)));
            }
            if (failing.Count > 60)
            {
                table.Caption($"... and {failing.Count - 60} more (see summary.json)");
            }
            o.Write(table);
        }
        if (s.Unsupported.Count > 0)
        {
            o.MarkupLine($"[grey]{s.Unsupported.Count} task(s) not run here: {Markup.Escape(string.Join("; ", s.Unsupported.GroupBy(u => u.Reason).Select(g => $"{g.Count()} x {g.Key}")))}[/]");
        }
        var summary = new Table().Title($"[bold]run {s.Run.Id}[/]").AddColumn("attempts").AddColumn("passed").AddColumn("pass rate").AddColumn("median").AddColumn("p95").AddColumn("by status");
        summary.AddRow(
            s.Results.Count.ToString(CultureInfo.InvariantCulture),
            s.Passed.ToString(CultureInfo.InvariantCulture),
            $"{s.PassRate:P1}",
            $"{s.Median.TotalSeconds:F2}s",
            $"{s.P95.TotalSeconds:F2}s",
            Markup.Escape(string.Join(", ", s.ByStatus.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}"))));
        o.Write(summary);
        if (!costKnown)
        {
            o.MarkupLine("cost: unknown (no price for this model; add one to the price table, see docs/models.md)");
        }
        else if (s.CostUsd > 0)
        {
            o.MarkupLine($"cost: ${s.CostUsd:F4}");
        }
        o.MarkupLine($"[grey]results: {Markup.Escape(Path.GetRelativePath(context.WorkingDirectory, s.Run.Folder))}[/]");
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}

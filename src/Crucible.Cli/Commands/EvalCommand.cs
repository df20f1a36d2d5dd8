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
    public static Command Create(CliContext context)
    {
        var suite = new Argument<string?>("SUITE") { Description = "Suite folder (native task.yaml tasks, an Exercism / Aider polyglot layout, or HumanEval)", Arity = ArgumentArity.ZeroOrOne };
        var solver = new Option<string>("--solver") { Description = $"Solver: {string.Join(", ", EvalLauncher.Solvers.Keys)}", DefaultValueFactory = _ => "reference" };
        var candidates = new Option<string?>("--candidates") { Description = "For --solver files: folder with one sub-folder of files per task id" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Attempts graded in parallel", DefaultValueFactory = _ => 1 };
        var filter = new Option<string?>("--filter") { Description = "Only tasks whose id matches this glob (comma-separated alternatives)" };
        var samples = new Option<int>("--samples") { HelpName = "K", Description = "Independent samples per task (pass@k for k in 1, 5, 10 up to K)", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Repeats of each sample, to expose flaky grading (a sample passes only if every repeat does)", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double?>("--temperature") { Description = $"Sampling temperature for --solver model (default: {EvalSettings.DefaultSamplingTemperature} with --samples > 1, else the provider's)" };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON on stdout (progress still goes to stderr)" };
        var resume = new Option<string?>("--resume") { Description = "Resume an interrupted or degraded run by id (finished attempts are kept; model/harness errors are redone)" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run builds and tests without bubblewrap (recorded in every verdict)" };
        var model = new Option<string?>("--model") { HelpName = "SPEC", Description = "Model spec for model-driven solvers, e.g. anthropic:claude-sonnet-4-5" };
        var cache = new Option<bool>("--cache") { Description = "Replay identical model requests from the response cache in .crucible/ (a deterministic rerun at zero cost)" };
        var noDifferential = new Option<bool>("--no-differential") { Description = "Do not compare passing candidates with the task's reference on generated inputs (saves one reference and one candidate run per pass; integrity.does-not-generalise is then never flagged)" };
        var differentialConfig = new Option<string?>("--differential-config") { HelpName = "FILE", Description = "Differential configuration per task (schema crucible.differential-config): settings and input contracts for suites without task.yaml; task.yaml wins, then this file, then the built-in overlays (docs/hidden-tests.md)" };
        var (broker, db) = ScaleOutOptions.Create("dispatch grading to 'crucible worker' processes instead of local slots", "where the workers store verdicts");

        var command = new Command("eval", "Grade a solver on a task suite; results go to .crucible/crucible.db and .crucible/runs/<id>/.")
        {
            suite, solver, candidates, jobs, filter, samples, repeat, temperature, json, resume, noSandbox, model, cache, noDifferential, differentialConfig, broker, db,
        };
        command.Subcommands.Add(EvalCompareCommand.Create(context));
        command.Subcommands.Add(EvalReportCommand.Create(context));
        context.SetAction(command, async (parse, ct) =>
        {
            var settings = new EvalSettings(
                parse.GetValue(suite), parse.GetValue(solver)!, parse.GetValue(candidates), parse.GetValue(jobs),
                parse.GetValue(filter), parse.GetValue(repeat), parse.GetValue(noSandbox), parse.GetValue(model))
            {
                Samples = parse.GetValue(samples),
                Temperature = parse.GetValue(temperature),
                NoDifferential = parse.GetValue(noDifferential),
                DifferentialConfig = parse.GetValue(differentialConfig),
            };
            // The endpoints are not stored with the run (they may hold passwords): a resumed run takes them from its own command line.
            var endpoints = Distributed.Endpoints.Parse(parse.GetValue(broker), parse.GetValue(db));
            using var invocation = context.WithResponseCache(parse.GetValue(cache));
            return await RunAsync(invocation, settings, parse.GetValue(resume), parse.GetValue(json), endpoints, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, EvalSettings settings, string? resumeId, bool json, Distributed.Endpoints? endpoints, CancellationToken ct)
    {
        using var store = new ResultStore(context.DatabasePath);
        var launcher = new EvalLauncher(store, context.RunsDirectory);
        // Paths are stored absolute, so a resumed run finds them from any folder.
        settings = settings with { Suite = settings.Suite is { } p ? context.FullPath(p) : null, Candidates = settings.Candidates is { } c ? context.FullPath(c) : null, DifferentialConfig = settings.DifferentialConfig is { } d ? context.FullPath(d) : null };
        var prepared = launcher.Prepare(settings, resumeId);
        settings = prepared.Settings;
        var sandbox = context.CreateSandbox(settings.NoSandbox);
        var solver = CreateSolver(context, settings, sandbox);
        if (settings.NoSandbox)
        {
            context.Warn("--no-sandbox: builds and tests run on the host without isolation; verdicts record sandbox 'none'.");
        }
        var (run, suite) = (prepared.Run, prepared.Suite);
        var perTask = settings.Samples * settings.Repeat;
        // With --broker/--db the workers grade (the integrity checks still run here); without them, local slots do.
        await using var remote = endpoints is null ? null : await context.ConnectBrokerVerifierAsync(endpoints, ct);
        // Progress and status go to stderr whatever the output format: --json keeps stdout clean, not the terminal silent.
        context.Err.MarkupLine($"[bold]run {run.Id}[/]{(prepared.Resumed ? " (resumed)" : "")}: {suite.Tasks.Count} task(s) x {settings.Samples} sample(s) x {settings.Repeat} with solver [bold]{Markup.Escape(settings.Solver)}[/], {settings.Jobs} job(s), sandbox {sandbox.Name}{(endpoints is null ? "" : $", graded by workers at {Markup.Escape(endpoints.BrokerForDisplay)}")}");
        Task<EvalSummary> Go(IProgress<EvalProgress> progress) =>
            launcher.RunAsync(prepared, solver, remote ?? context.CreateVerifier(sandbox, settings.Jobs), context.CreateIntegrityChecker(sandbox, differential: !settings.NoDifferential), sandbox.Name, progress, ct);
        EvalSummary summary;
        if (context.ErrIsTerminal)
        {
            summary = await context.Err.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var bar = ctx.AddTask("grading", maxValue: suite.Tasks.Count * perTask);
                    return await Go(new SyncProgress<EvalProgress>(p =>
                    {
                        bar.Value = p.Completed;
                        bar.Description = $"{p.Passed}/{p.Completed} passed{(p.Excluded > 0 ? $" [yellow]{p.Excluded} error(s)[/]" : "")}{(p.Last is { } l ? $" [grey]· {Markup.Escape(l.TaskId)}[/]" : "")}";
                    }));
                });
        }
        else
        {
            summary = await Go(new SyncProgress<EvalProgress>(p =>
            {
                if (p.Last is { } l)
                {
                    context.Err.WriteLine($"[{p.Completed}/{p.Total}] {l.TaskId}#{l.Attempt}: {l.Outcome.ToWire()}{(l.Outcome.IsOutage() ? $" ({l.SolverMessage ?? string.Join("; ", l.Verdict.Reasons)})" : "")} {l.Duration.TotalSeconds:F1}s");
                }
            }));
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
            Render(context, summary, costKnown: !EvalLauncher.ModelSolvers.Contains(settings.Solver) || context.Pricing(settings.Model!) is not null);
        }
        if (summary.Interrupted)
        {
            context.Err.MarkupLine($"[yellow]interrupted[/]: {summary.Results.Count} attempt(s) kept. Resume with: [bold]crucible eval --resume {run.Id}[/]");
            return ExitCodes.Interrupted;
        }
        if (summary.Degraded)
        {
            context.Err.MarkupLine($"[yellow]degraded[/]: {summary.Report.Counts.Excluded} attempt(s) met a model/provider or harness error and are not counted. Redo them with: [bold]crucible eval --resume {run.Id}[/]");
            return ExitCodes.Degraded;
        }
        return ExitCodes.Ok;
    }

    private static ISolver CreateSolver(CliContext context, EvalSettings s, Core.Sandbox.ISandbox sandbox) => s.Solver switch
    {
        "reference" => new ReferenceSolver(),
        "stub" => new StubSolver(),
        "files" => new FilesSolver(s.Candidates!),
        "model" => new ModelSolver(() => context.CreateChatClient(s.Model!), new ModelSolverOptions { Temperature = s.EffectiveTemperature }, context.Pricing(s.Model!)),
        "agent" => RunCommand.CreateAgentSolver(context, s.Model, sandbox, new Agent.AgentSampling { Temperature = s.EffectiveTemperature }),
        var other => throw new BadInputException($"unknown solver '{other}'", $"use one of: {string.Join(", ", EvalLauncher.Solvers.Keys)}"),
    };

    private static void Render(CliContext context, EvalSummary s, bool costKnown)
    {
        var o = context.Out;
        var failing = s.Results.Where(r => !r.CountsAsPass).ToList();
        if (failing.Count > 0)
        {
            var table = new Table().Title("[bold]not passed[/]").AddColumn("task").AddColumn("outcome").AddColumn("tests").AddColumn("why");
            foreach (var r in failing.OrderBy(r => r.Outcome.IsOutage()).Take(60))
            {
                var v = r.Verdict;
                var why = v.Integrity.Count > 0
                    ? v.Integrity[0].Counterexample is { } c ? $"integrity: {v.Integrity[0].Rule}: {c.Call} should give {c.Expected}, got {c.Got}" : $"integrity: {v.Integrity[0].Rule}"
                    : r.Outcome is AttemptOutcome.SolverError or AttemptOutcome.ModelError ? r.SolverMessage ?? "" : v.Reasons.FirstOrDefault() ?? "";
                var outcome = r.Outcome.IsOutage() ? $"[yellow]{r.Outcome.ToWire()} (not counted)[/]" : Markup.Escape(r.Outcome.ToWire());
                table.AddRow(Markup.Escape($"{r.TaskId}#{r.Attempt}"), outcome, $"{v.Counts.Passed}/{v.Counts.Expected}", Markup.Escape(Truncate(why, 160)));
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
        RunReportView.Render(context, s.Report, costKnown);
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

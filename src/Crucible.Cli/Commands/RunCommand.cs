using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Crucible.Agent;
using Crucible.Agent.Loop;
using Crucible.Agent.Permissions;
using Crucible.Agent.Sessions;
using Crucible.Core;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible run</c>: the agent in the current repository. Headless with <c>-p TASK</c> (never prompts;
/// output as text, one JSON object, or a stream of JSON events), interactive otherwise. Exit code: 0 when
/// the run completed and the harness's verdict passed, 1 when the verdict failed, a limit ended the run
/// or an error occurred, 2 for bad input, 130 when interrupted.
/// </summary>
internal static class RunCommand
{
    /// <summary>Accepted values of <c>--output-format</c>.</summary>
    public static IReadOnlyList<string> OutputFormats { get; } = ["text", "json", "stream-json"];

    /// <summary>Accepted values of <c>--permission-mode</c>.</summary>
    public static IReadOnlyList<string> PermissionModes { get; } = ["ask", "auto-edit", "auto"];

    public static Command Create(CliContext context)
    {
        var prompt = new Argument<string?>("PROMPT") { Description = "First request of an interactive session", Arity = ArgumentArity.ZeroOrOne };
        var print = new Option<string?>("--print", "-p") { HelpName = "TASK", Description = "Run TASK headless (never prompts) and exit" };
        var model = new Option<string?>("--model", "-m") { HelpName = "SPEC", Description = "Model spec, e.g. anthropic:claude-sonnet-4-5" };
        var format = new Option<string>("--output-format") { HelpName = "FORMAT", Description = "Headless output: text, json or stream-json (JSON lines of events)", DefaultValueFactory = _ => "text" };
        var mode = new Option<string?>("--permission-mode") { HelpName = "MODE", Description = "ask (interactive default), auto-edit (edits allowed, commands asked) or auto (everything, inside the sandbox)" };
        var allowTestEdits = new Option<bool>("--allow-test-edits") { Description = "Let the agent change tests and test infrastructure (the verdict is then not strict about test changes)" };
        var cont = new Option<bool>("--continue", "-c") { Description = "Continue the latest session of this folder" };
        var resume = new Option<string?>("--resume", "-r") { HelpName = "ID", Description = "Resume the session with this id" };
        var maxSteps = new Option<int?>("--max-steps") { HelpName = "N", Description = $"Steps per request (default {AgentLimits.Default.MaxSteps})" };
        var maxCost = new Option<decimal?>("--max-cost") { HelpName = "USD", Description = $"Dollars per request (default {AgentLimits.Default.MaxCostUsd})" };
        var timeout = new Option<int?>("--timeout") { HelpName = "MINUTES", Description = $"Minutes per request (default {AgentLimits.Default.WallTime.TotalMinutes})" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run commands without bubblewrap (recorded in the verdict)" };
        var testCommand = new Option<string?>("--test-command") { HelpName = "CMD", Description = "Shell command that runs the repository's tests when the agent is done (default: testCommand of the settings or of the session start's .crucible/settings.json, else detected from the build files)" };
        var cache = new Option<bool>("--cache") { Description = "Replay identical model requests from the response cache in .crucible/ (a deterministic rerun at zero cost)" };
        var command = new Command("run", "Run the agent in this repository; its work counts only when the harness's tests pass.")
        {
            prompt, print, model, format, mode, allowTestEdits, cont, resume, maxSteps, maxCost, timeout, noSandbox, testCommand, cache,
        };
        context.SetAction(command, async (parse, ct) =>
        {
            var request = new RunRequest(
                parse.GetValue(print), parse.GetValue(prompt), parse.GetValue(model), parse.GetValue(format)!, parse.GetValue(mode),
                parse.GetValue(allowTestEdits), parse.GetValue(cont), parse.GetValue(resume), parse.GetValue(maxSteps), parse.GetValue(maxCost),
                parse.GetValue(timeout), parse.GetValue(noSandbox), parse.GetValue(testCommand));
            using var invocation = context.WithResponseCache(parse.GetValue(cache));
            return await RunAsync(request, invocation, ct);
        });
        return command;
    }

    /// <summary>The command line of one <c>crucible run</c>.</summary>
    internal sealed record RunRequest(
        string? Print, string? Prompt, string? Model, string OutputFormat, string? PermissionMode, bool AllowTestEdits,
        bool Continue, string? Resume, int? MaxSteps, decimal? MaxCost, int? TimeoutMinutes, bool NoSandbox, string? TestCommand = null)
    {
        public bool Headless => Print is not null;
    }

    /// <summary>Runs the agent in <see cref="CliContext.WorkingDirectory"/>, headless or interactive; returns the exit code.</summary>
    internal static async Task<int> RunAsync(RunRequest r, CliContext context, CancellationToken ct)
    {
        Validate(r);
        var workspace = context.WorkingDirectory;
        // A given spec is checked before any state is touched: a typo leaves no session behind.
        var client = r.Model is { } given ? context.CreateChatClient(given) : null;
        using var store = new SessionStore(context.SessionsDirectory);
        if (store.Index.Rebuilt is { } rebuilt)
        {
            context.Warn(rebuilt);
        }
        var continued = FindContinued(r, store, workspace);
        r = r with { Model = ResolveModel(r.Model, continued, context) };
        client ??= context.CreateChatClient(r.Model!);
        var sandbox = context.CreateSandbox(r.NoSandbox);
        if (r.NoSandbox)
        {
            context.Warn("--no-sandbox: commands run on the host without isolation; verdicts record sandbox 'none'.");
        }
        var defaults = AgentLimits.Default;
        var pricing = context.Pricing(r.Model!);
        // Without a price the loop counts each call as $0: say "unknown" instead of showing that as the cost.
        var costKnown = pricing is not null;
        var assembly = new AgentAssembly(context.AgentOptions(sandbox) with
        {
            Model = r.Model,
            Pricing = pricing,
            Limits = defaults with
            {
                MaxSteps = r.MaxSteps ?? defaults.MaxSteps,
                MaxCostUsd = r.MaxCost ?? defaults.MaxCostUsd,
                WallTime = r.TimeoutMinutes is { } m ? TimeSpan.FromMinutes(m) : defaults.WallTime,
            },
            PermissionMode = r.PermissionMode is { } mode ? Agent.Permissions.PermissionModes.Parse(mode) : null,
            AllowTestEdits = r.AllowTestEdits,
            // Headless runs never prompt: no prompt makes the gate headless.
            Prompt = r.Headless ? null : context.ApprovalPrompt,
            Streaming = !r.Headless,
            TestCommand = r.TestCommand,
        });
        AgentSession? session = null;
        // Interactive requests that change no file ("hi") are not verified; a headless run always is: its exit code is the verdict.
        var setup = assembly.CreateSetup(workspace, client, () => session) with { VerifyOnlyAfterChanges = !r.Headless };
        var output = context.Out.Profile.Out.Writer;
        IAgentEventSink sink = !r.Headless ? new TextEventSink(output, context.Err, streaming: true, costKnown)
            : r.OutputFormat switch
            {
                "stream-json" => new StreamJsonSink(output),
                "json" => new NullSink(),
                _ => new TextEventSink(output, context.Err, streaming: false, costKnown),
            };
        using (session = OpenSession(r, continued, setup, store, sink))
        {
            if (session.Repaired is { } repaired)
            {
                context.Warn(repaired);
            }
            if (r.Headless)
            {
                var result = await session.RunAsync(r.Print!, ct);
                if (r.OutputFormat == "json")
                {
                    output.WriteLine(JsonSerializer.Serialize(ResultDocument(session, result, costKnown), AgentJson.Options));
                }
                output.Flush();
                if (result.Status == AgentRunStatus.Interrupted)
                {
                    // The result event (or document) above says interrupted; stderr says how to go on.
                    return Interrupted(context, session);
                }
                return ExitCode(result);
            }
            return await InteractiveAsync(session, r.Prompt, context, ct);
        }
    }

    /// <summary>
    /// The agent as an eval solver (<c>crucible eval SUITE --solver agent --model SPEC</c>): each task runs in
    /// its isolated copy with a headless gate in <c>auto</c> mode (everything inside the sandbox, nothing prompts);
    /// the eval grades it with the hidden tests.
    /// </summary>
    internal static AgentSolver CreateAgentSolver(CliContext context, string? model, ISandbox sandbox, AgentSampling? sampling = null)
    {
        if (model is null)
        {
            throw new BadInputException("--solver agent needs --model SPEC", "pass --model, e.g. --model anthropic:claude-sonnet-4-5");
        }
        var assembly = new AgentAssembly(context.AgentOptions(sandbox) with
        {
            Model = model,
            Pricing = context.Pricing(model),
            PermissionMode = Agent.Permissions.PermissionMode.Auto,
        });
        return new AgentSolver(assembly, () => context.CreateChatClient(model), sampling);
    }

    private static void Validate(RunRequest r)
    {
        if (!OutputFormats.Contains(r.OutputFormat))
        {
            throw new BadInputException($"unknown output format '{r.OutputFormat}'", $"use one of: {string.Join(", ", OutputFormats)}");
        }
        if (r.PermissionMode is { } mode && !PermissionModes.Contains(mode))
        {
            throw new BadInputException($"unknown permission mode '{mode}'", $"use one of: {string.Join(", ", PermissionModes)}");
        }
        if (r.Continue && r.Resume is not null)
        {
            throw new BadInputException("--continue and --resume cannot be used together", "pass --continue for the latest session, or --resume ID for a given one");
        }
        if (r.Print is { } p && string.IsNullOrWhiteSpace(p))
        {
            throw new BadInputException("-p was given an empty task", "pass the task, e.g. -p \"fix the failing test\"");
        }
        if (r.MaxSteps is < 1 || r.MaxCost is <= 0 || r.TimeoutMinutes is < 1)
        {
            throw new BadInputException("--max-steps, --max-cost and --timeout must be positive", "pass a positive number");
        }
    }

    /// <summary>The session <c>--continue</c> or <c>--resume</c> names, or null for a new session.</summary>
    private static SessionInfo? FindContinued(RunRequest r, SessionStore store, string workspace)
    {
        if (r.Continue)
        {
            return store.Index.Latest(workspace)
                ?? throw new BadInputException($"no session to continue in {workspace}", "start one without --continue");
        }
        if (r.Resume is { } id)
        {
            return store.Index.Find(id) ?? throw new BadInputException($"no session '{id}' in {store.Directory}", "pass an id from .crucible/sessions/, or --continue for the latest");
        }
        return null;
    }

    /// <summary>
    /// The model of a run, first found of: <c>--model</c>, the model of the session it continues, and the settings'
    /// <c>default_model</c>.
    /// </summary>
    /// <exception cref="BadInputException">None of them names a model.</exception>
    internal static string ResolveModel(string? given, SessionInfo? continued, CliContext context) =>
        given ?? continued?.Model ?? context.Settings.DefaultModel
        ?? throw new BadInputException(
            "no model given",
            "pass --model SPEC (e.g. --model anthropic:claude-sonnet-4-5), or set \"default_model\" in ~/.crucible/settings.json or .crucible/settings.json");

    private static AgentSession OpenSession(RunRequest r, SessionInfo? continued, AgentSessionSetup setup, SessionStore store, IAgentEventSink sink)
    {
        if (continued is not null)
        {
            return AgentSession.Resume(setup, store, continued, [sink]);
        }
        var title = r.Print ?? r.Prompt;
        return AgentSession.Start(setup, store, title is { Length: > 80 } ? title[..80] : title, [sink]);
    }

    /// <summary>
    /// The interactive loop: one request per line. Ctrl-C during a step stops that step, not the session (a second one
    /// while it stops forces the exit); Ctrl-C at the prompt clears the line; Ctrl-D at an empty prompt exits 0; SIGTERM
    /// ends the session as interrupted (exit 143). Over a terminal the prompt is a <see cref="LineEditor"/> (editing keys,
    /// history per repository); a redirected input is read line by line.
    /// </summary>
    private static async Task<int> InteractiveAsync(AgentSession session, string? first, CliContext context, CancellationToken ct)
    {
        var err = context.Err;
        err.MarkupLine($"[bold]crucible[/] session [bold]{Markup.Escape(session.Id)}[/] · {Markup.Escape(session.Setup.Model ?? "")} · Ctrl-C interrupts a step, Ctrl-D exits");
        CancellationTokenSource? current = null;
        using var scope = context.Interrupts.Intercept(() =>
        {
            if (Volatile.Read(ref current) is not { } step)
            {
                // At the prompt: the line editor gets Ctrl-C as a key; a signal here (redirected input) ends nothing.
                return context.Setup.InputIsTerminal ? InterruptHandling.Handled : InterruptHandling.Pass;
            }
            if (step.IsCancellationRequested)
            {
                return InterruptHandling.Force;
            }
            step.Cancel();
            return InterruptHandling.Handled;
        });
        var prompt = context.Setup.InputIsTerminal && context.Err.Profile.Capabilities.Ansi ? "\x1b[1m> \x1b[0m" : "> ";
        var next = first;
        while (true)
        {
            if (next is null)
            {
                try
                {
                    next = await context.Prompt.ReadLineAsync(prompt, isPrompt: true, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return Interrupted(context, session);
                }
                if (next is null)
                {
                    return ExitCodes.Ok;
                }
                if (string.IsNullOrWhiteSpace(next))
                {
                    next = null;
                    continue;
                }
            }
            using var step = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Volatile.Write(ref current, step);
            try
            {
                await session.RunAsync(next, step.Token);
            }
            finally
            {
                Volatile.Write(ref current, null);
            }
            if (ct.IsCancellationRequested)
            {
                return Interrupted(context, session);
            }
            next = null;
        }
    }

    /// <summary>Reports an interrupted session with the command that resumes it; returns the interruption's exit code.</summary>
    private static int Interrupted(CliContext context, AgentSession session)
    {
        context.Err.MarkupLine($"[yellow]interrupted[/]: session {Markup.Escape(session.Id)} kept. Resume with: [bold]crucible run --resume {Markup.Escape(session.Id)}[/]");
        return ExitCodes.Interrupted;
    }

    internal static int ExitCode(AgentRunResult result) => result.Status switch
    {
        AgentRunStatus.Interrupted => ExitCodes.Interrupted,
        AgentRunStatus.Completed when result.Verdict is null || result.Verdict.CountsAsPass => ExitCodes.Ok,
        _ => ExitCodes.Failure,
    };

    private static object ResultDocument(AgentSession session, AgentRunResult result, bool costKnown) => new
    {
        type = "result",
        sessionId = session.Id,
        status = result.Status.ToWire(),
        message = result.Message,
        steps = result.Steps,
        // When the model has no known price, costUsd is left out (never reported as 0) and costKnown says why.
        usage = new { result.Usage.Tokens, costUsd = costKnown ? result.Usage.CostUsd : (decimal?)null, costKnown, result.Usage.Calls },
        verdict = result.Verdict is { } v ? VerdictSummary(v) : null,
        finalText = result.FinalText,
        transcript = session.TranscriptPath,
        // The full repository verdict (every run, per-test problems, test changes) of the last verification, when there is one.
        repositoryVerdict = result.Verdict is not null && session.Repository is { } repository && File.Exists(repository.VerdictPath) ? repository.VerdictPath : null,
    };

    internal static object VerdictSummary(Verdict v) => new { status = v.Status, passed = v.CountsAsPass, v.Reasons, v.Counts, v.Tampering, v.Integrity, v.Sandbox };

    /// <summary>Prints the answer on stdout and a compact trace (tool calls, verdict, cost) on stderr.</summary>
    /// <param name="output">Where the answer goes.</param>
    /// <param name="err">Where the trace goes.</param>
    /// <param name="streaming">True to print the answer as it streams.</param>
    /// <param name="costKnown">False when the model has no known price: the cost is shown as unknown, never as $0.</param>
    internal sealed class TextEventSink(TextWriter output, IAnsiConsole err, bool streaming, bool costKnown = true) : IAgentEventSink
    {
        private bool _midLine;

        public void OnEvent(AgentEvent e)
        {
            switch (e)
            {
                case AssistantTextDelta d when streaming:
                    output.Write(d.Text);
                    output.Flush();
                    _midLine = !d.Text.EndsWith('\n');
                    break;
                case AssistantText a when !streaming:
                    output.WriteLine(a.Text);
                    output.Flush();
                    break;
                case AssistantText when _midLine:
                    output.WriteLine();
                    _midLine = false;
                    break;
                case ToolCallStarted c:
                    err.MarkupLine(c.Allowed ? $"[blue]●[/] {Markup.Escape(c.Summary)}" : $"[red]✗[/] {Markup.Escape(c.Summary)} [grey](denied: {Markup.Escape(c.Reason)})[/]");
                    break;
                case ToolCallFinished f when f.IsError:
                    err.MarkupLine($"  [red]⎿ {Markup.Escape(FirstLine(f.Content))}[/]");
                    break;
                case ToolCallFinished f:
                    err.MarkupLine($"  [grey]⎿ {Markup.Escape(FirstLine(f.Content))}{(f.ChangedPaths.Count > 0 ? $" ({string.Join(", ", f.ChangedPaths)})" : "")}[/]");
                    break;
                case Nudged n:
                    err.MarkupLine($"[yellow]stuck?[/] {Markup.Escape(n.Reason)}: nudged the model");
                    break;
                case VerdictRecorded v:
                    var color = v.Verdict.CountsAsPass ? "green" : "red";
                    err.MarkupLine($"[{color}]verdict: {v.Verdict.Status} {v.Verdict.Counts.Passed}/{v.Verdict.Counts.Expected} tests[/]{Details(v.Verdict.Counts)}");
                    foreach (var reason in v.Verdict.Reasons)
                    {
                        err.MarkupLine($"  [grey]{Markup.Escape(reason)}[/]");
                    }
                    if (v.Verdict.Integrity.Count > 0)
                    {
                        err.MarkupLine($"[red]flag:[/] {v.Verdict.Integrity.Count} integrity finding(s): the pass does not count");
                    }
                    foreach (var t in v.Verdict.Tampering)
                    {
                        err.MarkupLine($"[yellow]flag:[/] test change {Markup.Escape(t.Path)}: {Markup.Escape(t.Change)}");
                    }
                    break;
                case ReviewRecorded rv:
                    err.MarkupLine(rv.Integrity.Count == 0
                        ? $"[green]review:[/] no integrity findings ({rv.QualityFindings} quality finding(s))"
                        : $"[red]review:[/] {rv.Integrity.Count} integrity finding(s){(rv.FedBack ? ", sent back to the model" : ", the verdict is flagged")}");
                    foreach (var f in rv.Integrity)
                    {
                        err.MarkupLine($"  [red]{Markup.Escape(f.Rule)}[/] {Markup.Escape(f.File ?? "")}{(f.Line is { } l ? $":{l}" : "")} {Markup.Escape(f.Message)}");
                    }
                    break;
                case RunEnded r:
                    var tokens = AgentBudget.TotalTokens(r.Usage.Tokens);
                    var cost = costKnown ? string.Create(CultureInfo.InvariantCulture, $"${r.Usage.CostUsd:F4}") : "cost unknown";
                    err.MarkupLine($"[grey]{r.Status.ToWire()} · {r.Steps} step(s) · {tokens.ToString("N0", CultureInfo.InvariantCulture)} tokens · {cost}{(r.Message is { } m ? $" · {Markup.Escape(m)}" : "")}[/]");
                    break;
            }
        }

        /// <summary>The counts beyond passed/expected, only those that are not zero (", 1 failed, 2 skipped").</summary>
        private static string Details(TestCounts c)
        {
            var parts = new[] { (c.Failed, "failed"), (c.Skipped, "skipped"), (c.NotRun, "not run") }.Where(p => p.Item1 > 0).Select(p => $"{p.Item1} {p.Item2}").ToList();
            return parts.Count == 0 ? "" : Markup.Escape($" ({string.Join(", ", parts)})");
        }

        private static string FirstLine(string s)
        {
            var line = s.Split('\n', 2)[0];
            return line.Length > 120 ? line[..119] + "…" : line;
        }
    }

    /// <summary>JSON lines of events on stdout: session start, assistant text, tool calls and results, usage, verdict, final result.</summary>
    internal sealed class StreamJsonSink(TextWriter output) : IAgentEventSink
    {
        public void OnEvent(AgentEvent e)
        {
            object? line = e switch
            {
                MessageAdded or AssistantTextDelta or StepCompleted => null,
                Compacted c => new { type = "compaction", c.Step, c.TokensBefore, c.TokensAfter, c.Time },
                _ => e,
            };
            if (line is not null)
            {
                output.WriteLine(line is AgentEvent ev ? JsonSerializer.Serialize(ev, AgentJson.Options) : JsonSerializer.Serialize(line, AgentJson.Options));
                output.Flush();
            }
        }
    }

    private sealed class NullSink : IAgentEventSink
    {
        public void OnEvent(AgentEvent e)
        {
        }
    }
}

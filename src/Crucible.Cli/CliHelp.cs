using System.CommandLine;
using System.CommandLine.Help;

namespace Crucible.Cli;

/// <summary>One command line shown under "Examples:" in a command's help.</summary>
/// <param name="CommandLine">What to type.</param>
/// <param name="What">What it does.</param>
internal sealed record HelpExample(string CommandLine, string What);

/// <summary>
/// What a command's help adds after its options, as <c>gh</c> and <c>cargo</c> do: examples, the environment variables
/// it reads, and its defaults (those not already shown as <c>[default: ...]</c> on an option).
/// </summary>
/// <param name="Examples">Command lines to copy.</param>
/// <param name="Environment">Variable name and what it does.</param>
/// <param name="Defaults">What happens when nothing is given, one line each.</param>
internal sealed record CommandHelp(IReadOnlyList<HelpExample> Examples, IReadOnlyList<(string Name, string What)> Environment, IReadOnlyList<string> Defaults);

/// <summary>
/// The extra help sections of every command, keyed by command path (<c>""</c> for <c>crucible</c> itself,
/// <c>"tasks check"</c>), added to System.CommandLine's help layout by one customisation of the root's help action.
/// </summary>
internal static class CliHelp
{
    private static readonly (string, string) StateDir = (CliContext.StateDirVariable, "Crucible's state folder, when --state-dir is not given (overrides \"state_dir\" in the settings)");
    private static readonly (string, string) AnthropicKey = ("ANTHROPIC_API_KEY", "key of anthropic:MODEL specs (or \"api_key_env\" in the settings)");
    private static readonly (string, string) OpenAIKey = ("OPENAI_API_KEY", "key of openai:MODEL specs");
    private static readonly (string, string) AnthropicUrl = ("ANTHROPIC_BASE_URL", "Anthropic API base URL (a proxy); wins over \"anthropic.base_url\"");
    private static readonly (string, string) OpenAIUrl = ("OPENAI_BASE_URL", "OpenAI API base URL; wins over \"openai.base_url\"");
    private static readonly (string, string) GradingCache = ("CRUCIBLE_CACHE", "cache of prepared test templates (default $XDG_CACHE_HOME/crucible, else ~/.cache/crucible)");
    private static readonly (string, string) NuGet = ("NUGET_PACKAGES", "NuGet package folder graded C# builds read (default ~/.nuget/packages)");
    private static readonly (string, string) XdgState = ("XDG_STATE_HOME", "root of the protected copies of test files (default ~/.local/state)");
    private const string StateDefault = "state: .crucible/ in the current folder (crucible.db, runs/, sessions/, response-cache.db); --state-dir DIR, $CRUCIBLE_STATE_DIR or \"state_dir\" in the settings move it";
    private const string SettingsDefault = "settings: ~/.crucible/settings.json, then .crucible/settings.json here (see docs/models.md)";

    /// <summary>The sections of each command path.</summary>
    public static IReadOnlyDictionary<string, CommandHelp> Sections { get; } = new Dictionary<string, CommandHelp>(StringComparer.Ordinal)
    {
        [""] = new(
            [new("crucible eval examples --solver reference", "grade the built-in example suite"),
             new("crucible run -p \"fix the failing test\" --model anthropic:claude-sonnet-4-5", "run the agent headless in this repository"),
             new("crucible help run", "the help of one command")],
            [StateDir, AnthropicKey, OpenAIKey],
            [StateDefault, SettingsDefault]),
        ["eval"] = new(
            [new("crucible eval examples --solver reference", "grade the reference solutions of a suite (a sanity check)"),
             new("crucible eval ../shared/exercism --solver agent --model anthropic:claude-sonnet-4-5 -j 4 --filter 'two-*'", "grade the agent on part of a suite, 4 attempts at a time"),
             new("crucible eval ../shared/benchmarks/openai-humaneval --solver model --model anthropic:claude-sonnet-4-5 --samples 10 -j 4", "pass@1, pass@5 and pass@10 of a one-shot model, with 95% intervals"),
             new("crucible eval --resume 20261121-143012-a1b2", "finish an interrupted run, or redo the model/harness errors of a degraded one"),
             new("crucible eval examples -j 16 --broker amqp://guest:guest@mq:5672/ --db postgresql://crucible@pg/crucible", "grade on 'crucible worker' processes, 16 attempts in flight"),
             new("crucible eval ../shared/exercism --solver files --candidates out --no-differential", "skip differential testing against the references (faster; see docs/hidden-tests.md for its cost)"),
             new("crucible eval ../shared/benchmarks/aider-polyglot --solver files --candidates out --differential-config contracts.yaml", "per-task differential settings and input contracts for a suite without task.yaml")],
            [StateDir, AnthropicKey, OpenAIKey, AnthropicUrl, OpenAIUrl, GradingCache, NuGet],
            [StateDefault, "sandbox: bubblewrap (--no-sandbox runs on the host, recorded in every verdict)", "model: none; --solver model and --solver agent need --model",
             "samples: 1 (--samples K draws K per task; temperature 1.0 unless --temperature)", "exit code: 0 completed, 3 degraded (model/harness errors, not counted), 130/143 interrupted",
             "grading: in this process, --jobs at a time; --broker and --db (both, also on --resume) send it to workers (docs/scale-out.md)",
             "integrity: the constitution's checks, then differential testing of every passing attempt against the task's reference (--no-differential skips it; docs/hidden-tests.md)",
             "differential config: task.yaml, then --differential-config FILE, then the overlays Crucible ships for Exercism and Aider tasks", SettingsDefault]),
        ["eval compare"] = new(
            [new("crucible eval compare 20261121-143012-a1b2 20261122-090000-c3d4", "what the second run gained and lost, with a paired CI and McNemar's test"),
             new("crucible eval compare 20261121 20261122 --json", "the same as JSON (run ids may be unique prefixes)")],
            [StateDir],
            [StateDefault, "intervals: 95% paired percentile bootstrap over shared tasks, 10,000 resamples, fixed seed (docs/eval.md)"]),
        ["runs"] = new(
            [new("crucible runs list", "past evaluation runs, newest first"), new("crucible runs show 20261121-143012-a1b2", "one run's options, status and summary")],
            [StateDir],
            [StateDefault, "sub-command: none (shows this help)"]),
        ["runs list"] = new(
            [new("crucible runs list", "id, status, solver, suite, attempts, pass@1 and cost of every run"), new("crucible runs list --json", "the same as JSON")],
            [StateDir],
            [StateDefault, "output: a table on stdout (--json for JSON)"]),
        ["runs show"] = new(
            [new("crucible runs show 20261121-143012-a1b2", "options, status, pass@k with intervals, outcomes, tokens, cost and time"),
             new("crucible runs show 20261121 --json", "the full run report (crucible.run-report v1) with every task and attempt")],
            [StateDir],
            [StateDefault, "output: tables on stdout (--json for the run report)"]),
        ["tasks"] = new(
            [new("crucible tasks list examples", "list a suite's tasks"), new("crucible tasks check examples --repeat 3", "validate a suite and flag flaky tasks")],
            [GradingCache, NuGet],
            ["sub-command: none (shows this help)"]),
        ["tasks list"] = new(
            [new("crucible tasks list examples", "list the tasks of a suite"), new("crucible tasks list ../shared/polyglot --json", "the same as JSON")],
            [],
            ["output: a table on stdout (--json for JSON)"]),
        ["tasks check"] = new(
            [new("crucible tasks check examples", "check that each reference passes and each stub fails"),
             new("crucible tasks check examples --repeat 5 -j 2 --filter 'lru-*'", "flag flaky tasks, two at a time")],
            [GradingCache, NuGet],
            ["sandbox: bubblewrap (--no-sandbox runs on the host, recorded)", "output: a table on stdout (--json for JSON)"]),
        ["run"] = new(
            [new("crucible run -p \"fix the failing test\" --model anthropic:claude-sonnet-4-5", "headless: run one task and exit (0 when the harness's tests pass)"),
             new("crucible run", "interactive, with the model of \"default_model\" in the settings"),
             new("crucible run --continue -p \"now add a test for it\"", "continue the latest session of this folder with its model"),
             new("crucible run -p \"update the docs\" --output-format stream-json --permission-mode auto-edit", "stream the events as JSON lines")],
            [StateDir, AnthropicKey, OpenAIKey, AnthropicUrl, OpenAIUrl, XdgState],
            ["model: --model, else the model of the session --continue/--resume picks up, else \"default_model\" in the settings",
             "permission mode: ask when interactive; headless runs never prompt", "sandbox: bubblewrap (--no-sandbox runs on the host, recorded in the verdict)",
             "test command: detected from the build files (--test-command or \"testCommand\" in the settings)", StateDefault, SettingsDefault]),
        ["harvest"] = new(
            [new("crucible harvest 20261121-143012-a1b2 --out data/", "turn an eval run's attempts into SFT, preference, KTO and RL datasets"),
             new("crucible harvest RUN --sessions ~/src/app --out data/ --split test=0.2 -j 2", "add a repository's agent sessions, hold out a fifth of the tasks"),
             new("crucible harvest RUN --out data/ --revise --label --model anthropic:claude-sonnet-4-5", "revise failing attempts and label pairs with a judge"),
             new("crucible harvest RUN --out data/ --revise --label --batch --model anthropic:claude-sonnet-4-5", "the same through Anthropic Message Batches; rerun to resume a submitted batch")],
            [StateDir, AnthropicKey, OpenAIKey, AnthropicUrl, OpenAIUrl, GradingCache, NuGet],
            ["splits: --split test=0.1 (by task; the rest is train)", "revision and labels: off; --revise and --label need --model", "--batch: off (Anthropic models only); --batch-poll 30 seconds",
             "resume: rerunning the same command reuses .harvest/ in the dataset folder and rewrites the same bytes", StateDefault, SettingsDefault]),
        ["models"] = new(
            [new("crucible models", "list the configured models and whether their keys are present"),
             new("crucible models check anthropic:claude-sonnet-4-5", "make one tiny call to a model")],
            [AnthropicKey, OpenAIKey, AnthropicUrl, OpenAIUrl],
            ["models: the \"models\" list of the settings, plus each provider's \"default_model\" when its key is present", SettingsDefault]),
        ["models check"] = new(
            [new("crucible models check", "check every configured model"), new("crucible models check openai:gpt-5 local --timeout 60", "check two models, waiting up to a minute each")],
            [AnthropicKey, OpenAIKey, AnthropicUrl, OpenAIUrl],
            ["models: every configured model when none is given", SettingsDefault]),
        ["review"] = new(
            [new("crucible review", "check the uncommitted change of this repository against the constitution"),
             new("crucible review --diff main --model anthropic:claude-sonnet-4-5", "review everything since main, with an AI critique"),
             new("crucible review workspace --task examples/lru-cache", "review a task workspace with the task's protected files"),
             new("crucible review workspace --task examples/lru-cache --no-differential", "the same without comparing the candidate with the task's reference on generated inputs"),
             new("crucible review workspace --task ../shared/benchmarks/aider-polyglot/python/exercises/practice/bob --differential-config contracts.yaml", "compare with the reference under your own per-task differential settings and input contracts")],
            [AnthropicKey, OpenAIKey, AnthropicUrl, OpenAIUrl],
            ["path: the current folder, compared with HEAD", "constitution: the built-in code constitution", "AI critique: none without --model",
             "differential testing: with --task, against the task's reference when it ships one (--no-differential skips it; docs/hidden-tests.md)",
             "differential config: task.yaml, then --differential-config FILE, then the overlays Crucible ships for Exercism and Aider tasks", SettingsDefault]),
        ["eval report"] = new(
            [new("crucible eval report 20261121-143012-a1b2 --html report.html", "write a run's pages as one HTML file to attach to a pull request")],
            [StateDir],
            [StateDefault, "output: nothing is written without --html FILE; the file's path is printed on stdout"]),
        ["view"] = new(
            [new("crucible view", "browse every run of this folder's store"),
             new("crucible view 20261121-143012-a1b2 --open", "open one run in the browser"),
             new("crucible view --listen 0.0.0.0 --port 8080", "serve on every interface (anyone who reaches it reads the runs)")],
            [StateDir],
            [StateDefault, "address: 127.0.0.1 on a free port (the URL is printed on stdout)", "browser: not opened unless --open"]),
        ["verify"] = new(
            [new("crucible verify", "verify the uncommitted change of this repository (or the last commit of a clean tree)"),
             new("crucible verify --strict --json", "the agent-hook and CI gate: test edits fail too, the full verdict as JSON"),
             new("crucible verify --base main --known-failure tests/test_net.py::test_download", "verify everything since main, with one test expected to fail")],
            [("XDG_CACHE_HOME", "root of the base-result cache (default ~/.cache, so crucible/verify under it)"), NuGet],
            ["base: HEAD when the working tree has changes, else HEAD~1 (the change is the last commit)",
             "test command: --test-command, else \"testCommand\" of the BASE revision's .crucible/settings.json, else detected from the base's build files",
             "sandbox: bubblewrap (--no-sandbox runs on the host, recorded in the verdict)", "output: an explanation on stdout (--json for the full verdict)"]),
        ["worker"] = new(
            [new("crucible worker --broker amqp://guest:guest@localhost:5672/ --db postgresql://postgres@localhost:5432/crucible", "grade jobs one at a time until SIGTERM"),
             new("crucible worker --broker amqp://guest:guest@mq:5672/ --db 'Host=pg;Database=crucible;Username=crucible' --slots 4", "grade four jobs at once")],
            [GradingCache, NuGet],
            ["slots: 1 (the broker's prefetch equals the slots)", "queue: crucible.verify (quorum; 3 deliveries, then the dead-letter queue crucible.verify.dead)",
             "sandbox: bubblewrap (--no-sandbox runs on the host, recorded in every verdict)", "logs: one line per job on stderr"]),
        ["serve"] = new(
            [new("crucible serve --suite examples", "serve the example suite on 127.0.0.1:8080 (tasks named examples/<id>)"),
             new("crucible serve --listen 0.0.0.0:8080 --token-file ~/.crucible/token --suite tasks=../shared/benchmarks/aider-polyglot", "serve on every interface; clients send 'Authorization: Bearer <token>'"),
             new("crucible serve --slots 4 --listen 127.0.0.1:9000", "four verifications at once; point verl's sandbox_fusion_url at http://127.0.0.1:9000/run_code"),
             new("crucible serve --suite examples --broker amqp://guest:guest@mq:5672/ --db postgresql://crucible@pg/crucible", "grade /v1/verify and /get_reward on 'crucible worker' processes")],
            [GradingCache, NuGet],
            ["listen: 127.0.0.1:8080; a non-loopback address needs --token-file", "limits: the server policy of docs/serve.md (8 MiB bodies, one slot per core, 1,024 waiting)",
             "suites: none (inline tasks and /run_code still work)", "sandbox: bubblewrap (--no-sandbox runs on the host, recorded in every verdict)"]),
        ["mcp"] = new(
            [new("crucible mcp", "MCP on stdio: add it to Claude Code with 'claude mcp add crucible -- crucible mcp'"),
             new("crucible mcp --suite examples", "also offer the example tasks to list_tasks and verify_task")],
            [("XDG_CACHE_HOME", "root of the base-result cache of the verify tool (default ~/.cache)"), GradingCache, NuGet],
            ["transport: stdio (serve offers the same tools over HTTP at /mcp)", "suites: none", "sandbox: bubblewrap (--no-sandbox runs on the host, recorded)"]),
    };

    /// <summary>The command path of <paramref name="command"/> (<c>""</c> for the root).</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not RootCommand; c = c.Parents.OfType<Command>().First())
        {
            names.Insert(0, c.Name);
        }
        return string.Join(' ', names);
    }

    /// <summary>Adds the sections to the help of every command under <paramref name="root"/> (its help option is recursive).</summary>
    public static void Customize(RootCommand root)
    {
        var option = root.Options.OfType<HelpOption>().First();
        if (option.Action is HelpAction standard)
        {
            option.Action = new SectionedHelpAction(standard);
        }
    }

    /// <summary>System.CommandLine's help, followed by the command's <see cref="Sections"/>.</summary>
    internal sealed class SectionedHelpAction(HelpAction standard) : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        /// <inheritdoc />
        public override int Invoke(ParseResult parseResult)
        {
            var code = standard.Invoke(parseResult);
            Write(parseResult.CommandResult.Command, parseResult.InvocationConfiguration.Output);
            return code;
        }
    }

    /// <summary>Writes the sections of <paramref name="command"/>; nothing when it has none.</summary>
    internal static void Write(Command command, TextWriter output)
    {
        if (!Sections.TryGetValue(PathOf(command), out var sections))
        {
            return;
        }
        output.WriteLine("Examples:");
        foreach (var example in sections.Examples)
        {
            output.WriteLine($"  {example.CommandLine}");
            output.WriteLine($"      {example.What}");
        }
        output.WriteLine();
        output.WriteLine("Environment variables:");
        if (sections.Environment.Count == 0)
        {
            output.WriteLine("  none");
        }
        else
        {
            var width = sections.Environment.Max(e => e.Name.Length) + 2;
            foreach (var (name, what) in sections.Environment)
            {
                output.WriteLine($"  {name.PadRight(width)}{what}");
            }
        }
        output.WriteLine();
        output.WriteLine("Defaults:");
        foreach (var line in sections.Defaults)
        {
            output.WriteLine($"  {line}");
        }
        output.WriteLine();
    }
}

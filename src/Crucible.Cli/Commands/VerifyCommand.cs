using System.CommandLine;
using System.Text.Json;
using Crucible.Core;
using Crucible.Verification.Repository;
using Spectre.Console;

namespace Crucible.Cli.Commands;

/// <summary>
/// <c>crucible verify [PATH] [--base REF] [--test-command CMD] [--known-failure ID]... [--strict] [--json] [--no-sandbox]</c>:
/// verifies a change of a git repository against its base with SWE-bench semantics (<see cref="RepositoryVerifier"/>).
/// Exit codes: 0 only when verified, 1 when the change fails or breaks the rules, 2 for bad input.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>What to verify and how.</summary>
    /// <param name="Path">A folder of the git repository (default: the current folder).</param>
    /// <param name="Base">The base revision (default: <c>HEAD</c> for a dirty tree, else <c>HEAD~1</c>).</param>
    /// <param name="TestCommand">The test command (default: the base's <c>.crucible/settings.json</c>, else detected).</param>
    /// <param name="KnownFailures">Test ids expected to fail.</param>
    /// <param name="Strict">Fail on edits to existing tests and on any test infrastructure change.</param>
    /// <param name="Json">Print the full verdict as JSON.</param>
    /// <param name="NoSandbox">Run the tests without isolation (recorded in the verdict).</param>
    internal sealed record Request(string? Path, string? Base, string? TestCommand, IReadOnlyList<string> KnownFailures, bool Strict, bool Json, bool NoSandbox);

    /// <summary>Makes the runner for one invocation and names the sandbox it uses.</summary>
    internal delegate (ITestCommandRunner Runner, string SandboxName) RunnerFactory(bool noSandbox);

    public static Command Create(CliContext context)
    {
        var path = new Argument<string?>("PATH") { Description = "A folder of the git repository to verify (default: the current folder)", Arity = ArgumentArity.ZeroOrOne };
        var baseRef = new Option<string?>("--base") { HelpName = "REF", Description = "Base revision (default: HEAD when the working tree has changes, else HEAD~1)" };
        var testCommand = new Option<string?>("--test-command") { HelpName = "CMD", Description = "Shell command that runs the tests (default: testCommand of the base's .crucible/settings.json, else detected from the base's build files)" };
        var known = new Option<string[]>("--known-failure") { HelpName = "ID", Description = "A test expected to fail (repeat for several)", DefaultValueFactory = _ => [] };
        var strict = new Option<bool>("--strict") { Description = "Fail when the change edits an existing test or changes test infrastructure (use in agent hooks and CI)" };
        var json = new Option<bool>("--json") { Description = "Print the full verdict as JSON on stdout" };
        var noSandbox = new Option<bool>("--no-sandbox") { Description = "Run the tests without bubblewrap (recorded in the verdict)" };
        var command = new Command("verify", "Verify a change of a git repository against its base: exit 0 only when verified, 1 when it fails or breaks the rules, 2 on bad input.")
        {
            path, baseRef, testCommand, known, strict, json, noSandbox,
        };
        context.SetAction(command, (parse, ct) => RunAsync(
            new Request(parse.GetValue(path), parse.GetValue(baseRef), parse.GetValue(testCommand), parse.GetValue(known) ?? [], parse.GetValue(strict), parse.GetValue(json), parse.GetValue(noSandbox)),
            context.WorkingDirectory, context.Out, noSandbox => CreateRunner(context, noSandbox), ct));
        return command;
    }

    /// <summary>Verifies and prints the verdict to <paramref name="output"/>; returns the exit code.</summary>
    /// <exception cref="BadInputException">Not a git repository, an unknown revision, or no test command.</exception>
    /// <param name="request">The parsed command line.</param>
    /// <param name="cwd">The folder relative paths are resolved against.</param>
    /// <param name="output">Where the verdict is printed.</param>
    /// <param name="runnerFactory">Makes the test-command runner (called only once the input proved good).</param>
    /// <param name="cancellationToken">Ctrl-C.</param>
    /// <param name="cacheDirectory">Where base results are cached; null: <see cref="DefaultCacheDirectory"/>.</param>
    internal static async Task<int> RunAsync(Request request, string cwd, IAnsiConsole output, RunnerFactory runnerFactory, CancellationToken cancellationToken, string? cacheDirectory = null)
    {
        // The runner (and its sandbox check) is made only after the repository, base and test command proved good.
        string? sandboxName = null;
        var verifier = new RepositoryVerifier(
            () =>
            {
                var (runner, name) = runnerFactory(request.NoSandbox);
                sandboxName = name;
                return runner;
            },
            () => ToolchainFingerprint.Compute(sandboxName ?? "unknown"));
        var verdict = await verifier.VerifyAsync(new RepositoryVerifyRequest
        {
            RepositoryPath = Path.GetFullPath(request.Path ?? ".", cwd),
            BaseRef = request.Base,
            TestCommand = request.TestCommand,
            KnownFailures = request.KnownFailures,
            Strict = request.Strict,
            CacheDirectory = cacheDirectory ?? DefaultCacheDirectory(),
        }, cancellationToken).ConfigureAwait(false);
        if (request.Json)
        {
            output.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(verdict, RepositoryVerdictJson.Indented));
        }
        else
        {
            Print(output, verdict);
        }
        return verdict.Verified ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>
    /// Base results are cached per user, outside every repository: <c>$XDG_CACHE_HOME/crucible/verify</c>, else
    /// <c>~/.cache/crucible/verify</c>.
    /// </summary>
    internal static string DefaultCacheDirectory()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "crucible", "verify");
    }

    /// <summary>The real runner: the repository's test command in the context's sandbox, read from harness-requested result files.</summary>
    private static (ITestCommandRunner, string) CreateRunner(CliContext context, bool noSandbox)
    {
        var sandbox = context.CreateSandbox(noSandbox);
        if (noSandbox)
        {
            context.Warn("--no-sandbox: the tests run on the host without isolation; the verdict records sandbox 'none'.");
        }
        return (new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox }), sandbox.Name);
    }

    private static void Print(IAnsiConsole output, RepositoryVerdict v)
    {
        var change = v.ChangeCommit is { } c ? $"commit {c[..12]}" : "the working tree";
        output.MarkupLine(v.Verified ? "[green]VERIFIED[/]" : "[red]NOT VERIFIED[/]");
        output.MarkupLine(Markup.Escape($"{change} against {v.BaseRef} ({v.BaseCommit[..12]})"));
        output.MarkupLine(Markup.Escape($"test command: {v.TestCommand} ({Origin(v.TestCommandOrigin)})"));
        output.MarkupLine(Markup.Escape(v.Summary));
        foreach (var r in v.Runs)
        {
            var what = r.SameAs is { } same ? $"same tree as {same}, not run again"
                : $"{r.Passed} passed, {r.Failed} failed, {r.Skipped} skipped{(r.NotRun > 0 ? $", {r.NotRun} not run" : "")} of {r.Tests}; "
                  + $"{r.EvidenceKind ?? "no results"}, canaries {(r.CanariesOk switch { true => "ok", false => "WRONG", null => "n/a" })}, exit {r.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, "
                  + $"{r.Duration.TotalSeconds:F1}s{(r.Cached ? " (cached)" : "")}";
            output.MarkupLine(Markup.Escape($"  run {r.Name}: {what}"));
        }
        void List(string title, IEnumerable<string> items)
        {
            var all = items.ToList();
            if (all.Count > 0)
            {
                output.MarkupLine(Markup.Escape($"{title} ({all.Count}):"));
                foreach (var item in all)
                {
                    output.MarkupLine(Markup.Escape($"  {item}"));
                }
            }
        }
        List("broken (passed at the base, not with the change)", v.Broken.Select(p => $"{p.Id}: {p.Outcome}{(p.Message is { } m ? $" — {m}" : "")}"));
        List("still failing", v.StillFailing.Select(p => $"{p.Id}: {p.Outcome}"));
        List("failing in the change", v.ChangeFailures.Select(p => $"{p.Id}: {p.Outcome}{(p.Message is { } m ? $" — {m}" : "")}"));
        List("fixed", v.Fixed);
        List("known failures", v.KnownFailures);
        List("fail-to-pass", v.FailToPass);
        if (v.FailToPass.Count > 0 || v.PassToPassCount > 0)
        {
            output.MarkupLine(Markup.Escape($"pass-to-pass: {v.PassToPassCount}"));
        }
        List("new tests", v.NewTests);
        List("test changes", v.TestChanges.Select(t => $"{t.Kind.ToString().ToLowerInvariant()} {t.Path}: {t.Role.ToString().ToLowerInvariant()} ({t.Reason})"));
        List("why not verified", v.Reasons);
    }

    private static string Origin(TestCommandOrigin origin) => origin switch
    {
        TestCommandOrigin.Option => "--test-command",
        TestCommandOrigin.BaseSettings => "base .crucible/settings.json",
        _ => "detected from the base's build files",
    };
}

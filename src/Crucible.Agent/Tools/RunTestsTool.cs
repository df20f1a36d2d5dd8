using System.Globalization;
using System.Text;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;

namespace Crucible.Agent.Tools;

/// <summary>
/// <c>run_tests</c>: runs the task's tests through the verifier (pristine tests, sandbox, canaries) and
/// returns a compact verdict; without a task, runs the repository's test command in the sandbox.
/// </summary>
public sealed class RunTestsTool(AgentToolOptions options) : AgentTool(options)
{
    /// <inheritdoc />
    public override string Name => "run_tests";

    /// <inheritdoc />
    public override string Description => """
        Run the tests and get the verdict: status, counts, failing tests with their messages, and build errors.
        For a task, the harness runs the task's original tests against your files in a sandbox — the same check that decides whether the task is done (changes you make to the test files are not used). In a repository, it runs the configured or detected test command.
        Run it after each meaningful change; it takes no arguments.
        """;

    /// <inheritdoc />
    public override bool IsMutating => true;

    /// <inheritdoc />
    protected override string SchemaJson => """
        { "type": "object", "properties": {}, "additionalProperties": false }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(System.Text.Json.JsonElement arguments, ToolContext context) =>
        new(context.Task is { } task ? $"run_tests (task {task.Id})" : $"run_tests: {Options.TestCommand ?? TestCommandDetector.Detect(context.WorkspaceRoot) ?? "(no test command)"}")
        {
            Command = context.Task is null ? Options.TestCommand ?? TestCommandDetector.Detect(context.WorkspaceRoot) : null,
        };

    /// <inheritdoc />
    protected override async Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        if (context.Task is { } task)
        {
            if (context.Verifier is null)
            {
                return ToolResult.Error("No verifier is configured for this session, so the task's tests cannot be run.");
            }
            var verdict = await context.Verifier.VerifyAsync(task, context.WorkspaceRoot, null, cancellationToken).ConfigureAwait(false);
            return new ToolResult(FormatVerdict(verdict), IsError: verdict.Status != VerdictStatus.Passed);
        }
        var command = Options.TestCommand ?? TestCommandDetector.Detect(context.WorkspaceRoot);
        if (command is null)
        {
            return ToolResult.Error("No test command is configured and none could be detected. Ask the user to set \"testCommand\" in .crucible/settings.json, or run the tests with bash.");
        }
        var policy = CommandPolicies.ForCommand(context.CommandPolicy, Options, command, Options.TestTimeout);
        var result = await context.Sandbox.ExecuteAsync(new SandboxCommand("/bin/bash", ["-c", command]), policy, cancellationToken).ConfigureAwait(false);
        var rendered = BashTool.Render(result, Options.TestTimeout, policy.AllowNetwork);
        var status = result.Succeeded ? "Tests passed" : "Tests failed";
        return rendered with { Content = $"{status} (`{command}`, exit code {result.ExitCode}).\n{rendered.Content}" };
    }

    /// <summary>The compact verdict the model sees.</summary>
    public string FormatVerdict(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var c = verdict.Counts;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Verdict: {verdict.Status} — {c.Passed} passed, {c.Failed} failed, {c.Skipped} skipped, {c.NotRun} not run, of {c.Expected} expected tests.");
        foreach (var reason in verdict.Reasons.Take(3))
        {
            sb.Append("\n- ").Append(Cap(reason));
        }
        if (verdict.Build is { Succeeded: false } build)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nBuild failed with {build.ErrorCount} error(s):");
            var errors = build.Diagnostics.Where(d => d.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(Options.RunTestsMaxFailures).ToList();
            if (errors.Count > 0)
            {
                foreach (var d in errors)
                {
                    sb.Append("\n  ").Append(Cap(d));
                }
            }
            else
            {
                sb.Append('\n').Append(Cap(build.Log));
            }
        }
        var failing = verdict.Tests.Where(t => t.Outcome != TestOutcomeKind.Passed).ToList();
        if (failing.Count > 0)
        {
            sb.Append("\nNot passing:");
            foreach (var t in failing.Take(Options.RunTestsMaxFailures))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n- {t.Name} [{t.Outcome}]");
                if (t.Message is { Length: > 0 } m)
                {
                    sb.Append(": ").Append(Cap(m).Replace("\n", "\n    ", StringComparison.Ordinal));
                }
            }
            if (failing.Count > Options.RunTestsMaxFailures)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n[and {failing.Count - Options.RunTestsMaxFailures} more]");
            }
        }
        if (verdict.LimitHits.Count > 0)
        {
            sb.Append("\nLimits hit: ").Append(string.Join(", ", verdict.LimitHits));
        }
        return sb.ToString();
    }

    private string Cap(string s)
    {
        s = s.Trim();
        return s.Length <= Options.RunTestsMaxMessageChars ? s : s[..Options.RunTestsMaxMessageChars] + "… [cut]";
    }
}

/// <summary>Guesses a repository's test command from its files: <see cref="Core.Tasks.TestCommands.Detect"/>.</summary>
public static class TestCommandDetector
{
    /// <summary>The command for <paramref name="workspaceRoot"/>, or null when nothing is recognised (<see cref="Core.Tasks.TestCommands.Detect"/>).</summary>
    public static string? Detect(string workspaceRoot) => Core.Tasks.TestCommands.Detect(workspaceRoot);
}

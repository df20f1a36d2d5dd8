using System.Globalization;
using System.Text;
using System.Text.Json;
using Crucible.Core.Sandbox;

namespace Crucible.Agent.Tools;

/// <summary>
/// <c>bash</c>: runs a shell command in the sandbox with the workspace writable. The sandbox kills every
/// process the command started when the call ends, caps the output at head and tail, and gives no
/// network unless the settings allow it.
/// </summary>
public sealed class BashTool(AgentToolOptions options) : AgentTool(options)
{
    /// <summary>Messages that mean a command failed for lack of network.</summary>
    public static IReadOnlyList<string> NetworkFailureMarkers { get; } =
    [
        "Could not resolve host", "Temporary failure in name resolution", "Network is unreachable",
        "Unable to load the service index", "Name or service not known", "getaddrinfo ENOTFOUND", "getaddrinfo EAI_AGAIN",
        "No address associated with hostname", "Failed to establish a new connection",
    ];

    /// <inheritdoc />
    public override string Name => "bash";

    /// <inheritdoc />
    public override string Description =>
        $"""
        Run a bash command in a sandbox, starting in the workspace root (the only writable folder; /tmp is a fresh scratch folder). Use it to build, run tests, use git, and run project tools.
        The call waits for the command to finish: timeout_seconds defaults to {(int)Options.BashDefaultTimeout.TotalSeconds} and may be at most {(int)Options.BashMaxTimeout.TotalSeconds}. Every process the command started, background ones included, is killed when the call ends, so do not start servers that must outlive it.
        There is no network unless the user's settings allow it; package restores work offline from the local caches (NuGet). Long output keeps its head and tail. Prefer read, grep, glob and edit over cat, grep, find and sed.
        """;

    /// <inheritdoc />
    public override bool IsMutating => true;

    /// <inheritdoc />
    protected override string SchemaJson => """
        {
          "type": "object",
          "properties": {
            "command": { "type": "string", "description": "The bash command line." },
            "timeout_seconds": { "type": "integer", "minimum": 1, "description": "Wall-time limit in seconds." },
            "workdir": { "type": "string", "description": "Folder to start in, relative to the workspace root. Default: the root." }
          },
          "required": ["command"],
          "additionalProperties": false
        }
        """;

    /// <inheritdoc />
    public override CallDescription Describe(JsonElement arguments, ToolContext context)
    {
        var command = new ToolArguments(arguments).OptionalStringOrNull("command");
        return new CallDescription($"bash: {command}") { Command = command };
    }

    /// <inheritdoc />
    protected override async Task<ToolResult> RunAsync(ToolArguments args, ToolContext context, CancellationToken cancellationToken)
    {
        var command = args.RequiredString("command");
        if (command.Trim().Length == 0)
        {
            return ToolResult.Error("command is empty.");
        }
        var seconds = args.OptionalInt("timeout_seconds", 1, (int)Options.BashMaxTimeout.TotalSeconds);
        var timeout = seconds is { } s ? TimeSpan.FromSeconds(s) : Options.BashDefaultTimeout;
        string? workdir = null;
        if (args.OptionalString("workdir") is { } dir)
        {
            var resolved = Paths(context).Resolve(dir, PathAccess.Read);
            if (resolved.Kind != Core.IO.FileKind.Directory)
            {
                return ToolResult.Error($"workdir '{resolved.Display}' is not an existing folder.");
            }
            workdir = resolved.RelativePath.Length == 0 ? null : resolved.RelativePath;
        }
        var policy = CommandPolicies.ForCommand(context.CommandPolicy, Options, command, timeout);
        // What read may not open, a command may not read either: the read-deny files are masked in the sandbox.
        var hidden = CommandPolicies.HiddenPaths(policy.WorkspacePath, Options.HiddenPaths);
        if (hidden.Count > 0 && !context.Sandbox.IsIsolating)
        {
            return ToolResult.Error($"bash cannot run here: the settings deny reading {Path.GetRelativePath(policy.WorkspacePath, hidden[0])} (permissions.deny), and without a sandbox (--no-sandbox) a command could read it. Use read, grep and glob, which honour the rule, or ask the user to run with the sandbox.");
        }
        policy = policy with { HiddenPaths = hidden };
        // Not a login shell: /etc/profile would reset the PATH the sandbox sets for the toolchains.
        var sandboxCommand = new SandboxCommand("/bin/bash", ["-c", command]) { WorkingDirectory = workdir };
        var result = await context.Sandbox.ExecuteAsync(sandboxCommand, policy, cancellationToken).ConfigureAwait(false);
        return Render(result, timeout, policy.AllowNetwork);
    }

    /// <summary>Turns a sandbox result into what the model sees.</summary>
    /// <param name="result">The sandbox result.</param>
    /// <param name="timeout">The timeout the call ran with (named when it fired).</param>
    /// <param name="hadNetwork">Whether the command had the network (no network hint then).</param>
    public static ToolResult Render(SandboxResult result, TimeSpan timeout, bool hadNetwork)
    {
        var sb = new StringBuilder();
        var stdout = result.Stdout.Text;
        var stderr = result.Stderr.Text;
        if (stdout.Length > 0)
        {
            sb.Append(stdout.TrimEnd('\n')).Append('\n');
        }
        if (stderr.Length > 0)
        {
            sb.Append("[stderr]\n").Append(stderr.TrimEnd('\n')).Append('\n');
        }
        if (stdout.Length == 0 && stderr.Length == 0)
        {
            sb.Append("(no output)\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"[exit code {result.ExitCode}");
        if (result.Signal is { } signal)
        {
            sb.Append(CultureInfo.InvariantCulture, $", killed by signal {signal}");
        }
        sb.Append(CultureInfo.InvariantCulture, $", {result.Elapsed.TotalSeconds:0.0} s]");
        switch (result.FatalLimit)
        {
            case LimitKind.WallTime:
                sb.Append(CultureInfo.InvariantCulture, $"\n[stopped: the command ran longer than its {timeout.TotalSeconds:0} s timeout and was killed with all its processes; pass a larger timeout_seconds or run less]");
                break;
            case LimitKind.Cancelled:
                sb.Append("\n[stopped: the call was cancelled]");
                break;
            case { } limit:
                sb.Append(CultureInfo.InvariantCulture, $"\n[stopped: the sandbox's {limit} limit was hit]");
                break;
        }
        if (result.LimitsHit.Contains(LimitKind.Output))
        {
            sb.Append("\n[output was long: only its head and tail are shown]");
        }
        if (stderr.Contains("Read-only file system", StringComparison.Ordinal) || stdout.Contains("Read-only file system", StringComparison.Ordinal))
        {
            sb.Append("\n[read-only: commands cannot change .git/hooks, .git/config, .crucible/settings.json or the test files that existed when the session started. Change code, not the tests; if a test really must change, use edit, which asks the user.]");
        }
        if (!hadNetwork && !result.Succeeded && NetworkFailureMarkers.FirstOrDefault(m => stdout.Contains(m, StringComparison.OrdinalIgnoreCase) || stderr.Contains(m, StringComparison.OrdinalIgnoreCase)) is { } marker)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n[network: this command failed for lack of network (\"{marker}\"). Commands run without network unless the user allows it: in .crucible/settings.json set \"sandbox\": {{ \"networkCommands\": [\"npm install*\"] }} for matching commands, or \"sandbox\": {{ \"network\": true }} for all. Ask the user, or work offline (package restores use the local caches).]");
        }
        return new ToolResult(sb.ToString(), IsError: !result.Succeeded);
    }
}

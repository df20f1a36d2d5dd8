using System.Text;
using System.Text.Json;
using Crucible.Agent.Permissions;
using Crucible.Agent.Tools;
using Crucible.Core.Sandbox;
using Crucible.Core.Verification;

namespace Crucible.Agent.Tests.Loop;

// Small tools for the loop's tests, standing in for the real toolset (built in Tools/ by another area).
// They do real work: files on disk, commands through the real sandbox, tests through the real verifier.

/// <summary>Base for the test tools: a JSON schema with string properties, all required.</summary>
public abstract class TestToolBase(string name, bool mutating, params string[] properties) : IAgentTool
{
    public string Name => name;
    public virtual string Description => $"test tool {name}";
    public JsonElement InputSchema { get; } = JsonDocument.Parse(JsonSerializer.Serialize(new
    {
        type = "object",
        properties = properties.ToDictionary(p => p, _ => new { type = "string" }),
        required = properties,
    })).RootElement.Clone();
    public bool IsMutating => mutating;
    public int Calls;

    public Task<ToolResult> InvokeAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        return RunAsync(arguments, context, cancellationToken);
    }

    protected abstract Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct);

    /// <summary>Describes a call as the real tools do: the summary names the <c>path</c> argument, the paths are resolved through links.</summary>
    public CallDescription Describe(JsonElement arguments, ToolContext context)
    {
        var path = arguments.ValueKind == JsonValueKind.Object && arguments.TryGetProperty("path", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (path is null)
        {
            return new CallDescription(name);
        }
        string resolved;
        try
        {
            resolved = new WorkspacePaths(context.WorkspaceRoot).Resolve(path, mutating ? PathAccess.Write : PathAccess.Read).RelativePath;
        }
        catch (ToolInputException)
        {
            resolved = path;
        }
        return new CallDescription($"{name}: {path}") { Paths = [resolved] };
    }

    protected static string Arg(JsonElement args, string name) =>
        args.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new ArgumentException($"missing {name}");

    /// <summary>Resolves a workspace-relative path, refusing escapes (the real tools do much more).</summary>
    protected static string? Resolve(ToolContext context, string path)
    {
        var full = Path.GetFullPath(Path.Combine(context.WorkspaceRoot, path));
        return full.StartsWith(Path.GetFullPath(context.WorkspaceRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }
}

/// <summary>Writes a file in the workspace.</summary>
public sealed class TestWriteTool() : TestToolBase("write", true, "path", "content")
{
    protected override async Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct)
    {
        var path = Arg(args, "path");
        if (Resolve(context, path) is not { } full)
        {
            return ToolResult.Error($"{path} is outside the workspace");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, Arg(args, "content"), ct);
        return new ToolResult($"wrote {path}") { ChangedPaths = [path] };
    }
}

/// <summary>Reads a file of the workspace.</summary>
public sealed class TestReadTool() : TestToolBase("read", false, "path")
{
    protected override async Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct)
    {
        var path = Arg(args, "path");
        return Resolve(context, path) is { } full && File.Exists(full)
            ? new ToolResult(await File.ReadAllTextAsync(full, ct))
            : ToolResult.Error($"no such file: {path}");
    }
}

/// <summary>Replaces one exact string in a file.</summary>
public sealed class TestEditTool() : TestToolBase("edit", true, "path", "old", "new")
{
    protected override async Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct)
    {
        var path = Arg(args, "path");
        if (Resolve(context, path) is not { } full || !File.Exists(full))
        {
            return ToolResult.Error($"no such file: {path}");
        }
        var text = await File.ReadAllTextAsync(full, ct);
        var old = Arg(args, "old");
        var at = text.IndexOf(old, StringComparison.Ordinal);
        if (at < 0)
        {
            return ToolResult.Error($"'{old}' not found in {path}");
        }
        await File.WriteAllTextAsync(full, text[..at] + Arg(args, "new") + text[(at + old.Length)..], ct);
        return new ToolResult($"edited {path}") { ChangedPaths = [path] };
    }
}

/// <summary>Runs a shell command through the context's sandbox.</summary>
public sealed class TestShellTool() : TestToolBase("bash", true, "command")
{
    protected override async Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct)
    {
        var r = await context.Sandbox.ExecuteAsync(SandboxCommand.Shell(Arg(args, "command")), context.CommandPolicy, ct);
        return new ToolResult($"exit {r.ExitCode}\n{r.Stdout.Text}{r.Stderr.Text}", r.ExitCode != 0);
    }
}

/// <summary>Runs the task's tests through the verifier and reports the failures.</summary>
public sealed class TestRunTestsTool() : TestToolBase("run_tests", false)
{
    public List<Verdict> Verdicts { get; } = [];

    protected override async Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct)
    {
        if (context.Verifier is null || context.Task is null)
        {
            return ToolResult.Error("no tests are configured");
        }
        var v = await context.Verifier.VerifyAsync(context.Task, context.WorkspaceRoot, null, ct);
        Verdicts.Add(v);
        var sb = new StringBuilder($"{v.Status}: {v.Counts.Passed}/{v.Counts.Expected} passed\n");
        foreach (var reason in v.Reasons)
        {
            sb.Append(reason).Append('\n');
        }
        foreach (var d in v.Build?.Diagnostics ?? [])
        {
            sb.Append(d).Append('\n');
        }
        foreach (var t in v.Tests.Where(t => t.Outcome != TestOutcomeKind.Passed))
        {
            sb.Append($"FAILED {t.Name}: {t.Message}\n");
        }
        return new ToolResult(sb.ToString(), !v.CountsAsPass);
    }
}

/// <summary>Returns its fixed text (a todo list stand-in, or a no-op for the bench).</summary>
public sealed class TestEchoTool(string name, string reply = "ok") : TestToolBase(name, false)
{
    protected override Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct) => Task.FromResult(new ToolResult(reply));
}

/// <summary>Returns an error result every time.</summary>
public sealed class TestFailingTool(string message) : TestToolBase("fail", false)
{
    protected override Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct) => Task.FromResult(ToolResult.Error(message));
}

/// <summary>Throws: a harness failure.</summary>
public sealed class TestThrowingTool() : TestToolBase("explode", false)
{
    protected override Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct) => throw new IOException("disk is gone");
}

/// <summary>Waits until cancelled (for time-limit and interruption tests); optionally cancels a source when it starts.</summary>
public sealed class TestBlockingTool(CancellationTokenSource? cancelOnStart = null) : TestToolBase("wait", false)
{
    protected override async Task<ToolResult> RunAsync(JsonElement args, ToolContext context, CancellationToken ct)
    {
        cancelOnStart?.Cancel();
        await Task.Delay(Timeout.Infinite, ct);
        return new ToolResult("unreachable");
    }
}

/// <summary>A permission gate for tests: allows everything except the listed tools, and records every request.</summary>
public sealed class TestGate(params string[] deniedTools) : IPermissionGate
{
    public List<PermissionRequest> Requests { get; } = [];

    public ValueTask<PermissionDecision> DecideAsync(PermissionRequest request, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }
        return ValueTask.FromResult(deniedTools.Contains(request.Tool)
            ? PermissionDecision.Deny($"{request.Tool} is not allowed in this test")
            : PermissionDecision.Allow("test gate"));
    }
}

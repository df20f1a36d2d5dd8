using System.Diagnostics;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;

namespace Crucible.Agent.Loop;

/// <summary>
/// "Done means verified" for a repository session (no task): the test files that existed when the
/// session started are protected; when the agent is done, any changed or deleted one is restored from
/// the session's snapshot (and flagged on the verdict), then the repository's test command runs in the
/// sandbox and its exit code decides the verdict.
/// </summary>
public sealed class RepositoryVerification
{
    /// <summary>Globs of test files protected at session start: the name rules of <see cref="TestConvention"/>.</summary>
    public static IReadOnlyList<string> TestFilePatterns => TestConvention.TestPatterns;

    private readonly string _workspace;
    private readonly string _snapshot;
    private readonly IReadOnlyList<string> _protected;

    private RepositoryVerification(string workspace, string snapshot, IReadOnlyList<string> protectedFiles, string? testCommand)
    {
        _workspace = workspace;
        _snapshot = snapshot;
        _protected = protectedFiles;
        TestCommand = testCommand;
    }

    /// <summary>Workspace-relative paths of the protected test files.</summary>
    public IReadOnlyList<string> ProtectedFiles => _protected;

    /// <summary>The test command (run with <c>/bin/sh -c</c> in the sandbox), or null when none was detected or configured.</summary>
    public string? TestCommand { get; }

    /// <summary>
    /// Protects the test files of <paramref name="workspace"/> by copying them under <paramref name="snapshotDirectory"/>
    /// (an existing snapshot is kept, so a resumed session restores the originals of its first start).
    /// </summary>
    /// <param name="workspace">Repository root.</param>
    /// <param name="snapshotDirectory">Where originals are kept (the session's folder).</param>
    /// <param name="testCommand">Configured test command; null detects one (<see cref="DetectTestCommand"/>).</param>
    /// <param name="protectTests">False when test edits are allowed (<c>--allow-test-edits</c>): nothing is protected or restored.</param>
    public static RepositoryVerification Start(string workspace, string snapshotDirectory, string? testCommand = null, bool protectTests = true)
    {
        workspace = Path.GetFullPath(workspace);
        if (!Directory.Exists(snapshotDirectory))
        {
            foreach (var rel in protectTests ? FindTestFiles(workspace) : [])
            {
                var dest = Path.Combine(snapshotDirectory, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(Path.Combine(workspace, rel), dest);
            }
            Directory.CreateDirectory(snapshotDirectory);
        }
        var files = !protectTests ? [] : Directory.EnumerateFiles(snapshotDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(snapshotDirectory, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        return new RepositoryVerification(workspace, snapshotDirectory, files, testCommand ?? DetectTestCommand(workspace));
    }

    /// <summary>
    /// Test and test-infrastructure files under <paramref name="workspace"/> (workspace-relative, sorted), as
    /// <see cref="TestConvention.Scan"/> finds them outside build, dependency and version-control folders.
    /// </summary>
    public static IReadOnlyList<string> FindTestFiles(string workspace) =>
        TestConvention.Scan(workspace).Select(f => f.Path).ToList();

    /// <summary>The usual test command for the repository's build files, or null (<see cref="TestCommands.Detect"/>).</summary>
    public static string? DetectTestCommand(string workspace) => TestCommands.Detect(workspace);

    /// <summary>Restores protected files, runs the tests and returns the verdict (<see cref="VerdictStatus.HarnessError"/> when no test command is known).</summary>
    public async Task<Verdict> VerifyAsync(ISandbox sandbox, SandboxPolicy policy, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var tampering = RestoreProtected();
        if (TestCommand is null)
        {
            return new Verdict
            {
                TaskId = Path.GetFileName(_workspace),
                Status = VerdictStatus.HarnessError,
                Reasons = ["no test command is known for this repository: pass --test-command CMD to crucible run"],
                Tampering = tampering,
                Sandbox = sandbox.Name,
                Duration = clock.Elapsed,
            };
        }
        var result = await sandbox.ExecuteAsync(SandboxCommand.Shell(TestCommand), policy with { WorkspacePath = _workspace }, ct).ConfigureAwait(false);
        var status = result.FatalLimit is not null ? VerdictStatus.LimitExceeded : result.ExitCode == 0 ? VerdictStatus.Passed : VerdictStatus.Failed;
        return new Verdict
        {
            TaskId = Path.GetFileName(_workspace),
            Status = status,
            Reasons = status == VerdictStatus.Passed ? [] : [$"`{TestCommand}` exited with {result.ExitCode}{(result.FatalLimit is { } l ? $" ({l})" : "")}"],
            TestExitCode = result.ExitCode,
            TestLog = result.Stdout.Text + result.Stderr.Text,
            LimitHits = [.. result.LimitsHit],
            Tampering = tampering,
            Sandbox = result.Sandbox,
            Duration = clock.Elapsed,
        };
    }

    private List<TamperFlag> RestoreProtected()
    {
        var flags = new List<TamperFlag>();
        foreach (var rel in _protected)
        {
            var original = Path.Combine(_snapshot, rel);
            var current = Path.Combine(_workspace, rel);
            var exists = File.Exists(current);
            if (exists && File.ReadAllBytes(current).AsSpan().SequenceEqual(File.ReadAllBytes(original)))
            {
                continue;
            }
            flags.Add(new TamperFlag(rel, exists ? "modified" : "deleted"));
            Directory.CreateDirectory(Path.GetDirectoryName(current)!);
            File.Copy(original, current, overwrite: true);
        }
        return flags;
    }
}

using System.Text;
using Crucible.Core.Sandbox;
using Crucible.Testing;

namespace Crucible.Sandbox.Tests.Battery;

/// <summary>
/// Runs attack scripts through the real bubblewrap sandbox (the same <see cref="ISandbox.ExecuteAsync"/>
/// call that builds, tests and agent commands use) and inspects the host afterwards.
/// </summary>
/// <remarks>
/// No test in the battery skips itself: when bubblewrap or a namespace is missing,
/// <see cref="BubblewrapSandbox.EnsureAvailable"/> throws and every test fails loudly.
/// </remarks>
public sealed class SandboxHarness : IDisposable
{
    public SandboxHarness()
    {
        Sandbox = new BubblewrapSandbox();
        Sandbox.EnsureAvailable();
        Workspace = new TempDirectory("battery-ws");
    }

    public BubblewrapSandbox Sandbox { get; }

    public TempDirectory Workspace { get; }

    /// <summary>A marker unique to one attack, placed in its command line so the host can look for survivors.</summary>
    public static string NewMarker() => $"crucible-attack-{Guid.NewGuid():N}";

    /// <summary>Runs <paramref name="script"/> with <c>/bin/sh -c</c> under the default policy with <paramref name="limits"/> applied.</summary>
    public Task<SandboxResult> RunAsync(string script, Func<ResourceLimits, ResourceLimits>? limits = null, IReadOnlyDictionary<string, string>? environment = null) =>
        Sandbox.ExecuteAsync(
            SandboxCommand.Shell(script),
            new SandboxPolicy
            {
                WorkspacePath = Workspace.Path,
                Limits = (limits ?? (l => l))(ResourceLimits.Default with { WallTime = TimeSpan.FromSeconds(30) }),
                Environment = environment ?? new Dictionary<string, string>(),
            },
            TestContext.Current.CancellationToken);

    /// <summary>Host processes whose command line contains <paramref name="marker"/> (the test process itself excluded).</summary>
    public static IReadOnlyList<int> HostProcessesWith(string marker)
    {
        var self = Environment.ProcessId;
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == self)
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllBytes(Path.Combine(dir, "cmdline"));
                if (Encoding.UTF8.GetString(cmdline).Replace('\0', ' ').Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>All output of a call, for assertions that a secret never appeared.</summary>
    public static string AllOutput(SandboxResult r) => r.Stdout.Text + "\n" + r.Stderr.Text;

    public void Dispose() => Workspace.Dispose();
}

using System.Text.Json.Nodes;
using Crucible.Core.Sandbox;

namespace Crucible.Verification.Differential;

/// <summary>
/// Running one language driver over a list of cases, shared by every driver: the cases go to a file in the driver's
/// folder, the driver runs in its own sandboxed process (no network, the differential limits) and writes one JSON result
/// per line, flushed per case, so a process stopped by a limit still leaves the cases it finished.
/// </summary>
internal static class DriverProcess
{
    /// <summary>Runs the command <paramref name="command"/> builds (from the cases file and the results file) in <paramref name="dir"/>.</summary>
    public static async Task<DriverRun> RunCasesAsync(
        ISandbox sandbox, DifferentialLimits limits, string dir, JsonArray cases, Func<string, string, SandboxCommand> command,
        IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? readOnly, CancellationToken ct)
    {
        var casesFile = Path.Combine(dir, ".crucible-cases.json");
        var outFile = Path.Combine(dir, ".crucible-results.jsonl");
        File.WriteAllText(casesFile, cases.ToJsonString());
        File.Delete(outFile);
        var result = await sandbox.ExecuteAsync(command(casesFile, outFile), DifferentialTester.Policy(dir, limits, environment, readOnly), ct).ConfigureAwait(false);
        var results = DifferentialTester.ReadResults(outFile);
        File.Delete(outFile);
        return results.Count == 0 && !result.Succeeded ? new DriverRun(results, Tail(result)) : new DriverRun(results);
    }

    /// <summary>The exit code, the limit hit, and the last lines of output of a driver process that failed.</summary>
    public static string Tail(SandboxResult result)
    {
        var text = (result.Stderr.Text + result.Stdout.Text).Trim();
        var lines = text.Split('\n');
        return $"exit {result.ExitCode}{(result.FatalLimit is { } l ? $" ({l})" : "")}: {string.Join(" | ", lines.TakeLast(3))}";
    }
}

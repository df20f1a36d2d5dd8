using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crucible.Core.Sandbox;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Repository;

/// <summary>
/// Results of base runs, keyed by (base commit, test command, toolchain fingerprint), one JSON file per key.
/// Only trustworthy runs are stored (results read, canaries not wrong, no limit fired). A file that cannot be
/// read or does not match its key is ignored and later overwritten.
/// </summary>
internal sealed class BaseResultCache(string directory)
{
    private const string Schema = "crucible.verify-base-cache";

    private sealed record Entry(string Schema, int SchemaVersion, string BaseCommit, string TestCommand, string Toolchain, TestCommandRun Run);

    public TestCommandRun? TryGet(string baseCommit, string testCommand, string toolchain)
    {
        var path = PathOf(baseCommit, testCommand, toolchain);
        try
        {
            var entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(path), RepositoryVerdictJson.Options);
            return entry is { Schema: Schema, SchemaVersion: 1 } && entry.BaseCommit == baseCommit && entry.TestCommand == testCommand
                && entry.Toolchain == toolchain && entry.Run?.Tests is not null && entry.Run.Sandbox is not null ? entry.Run : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    public static bool IsCacheable(TestCommandRun run) =>
        run.ResultsError is null && run.CanariesOk != false && run.ExitCode is not null && run.LimitHits.All(l => l == LimitKind.Output);

    public void Put(string baseCommit, string testCommand, string toolchain, TestCommandRun run)
    {
        Directory.CreateDirectory(directory);
        var path = PathOf(baseCommit, testCommand, toolchain);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Entry(Schema, 1, baseCommit, testCommand, toolchain, run), RepositoryVerdictJson.Options));
        // Rename is atomic: a concurrent reader sees the old entry or the new one, never half of one.
        File.Move(temp, path, overwrite: true);
    }

    private string PathOf(string baseCommit, string testCommand, string toolchain)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{baseCommit}\n{testCommand}\n{toolchain}"));
        return Path.Combine(directory, $"base-{Convert.ToHexStringLower(key)[..32]}.json");
    }
}

/// <summary>
/// Names the toolchains a test command may use, as seen on the sandbox's PATH: the .NET SDK versions installed,
/// Go's <c>VERSION</c> file, the Python interpreter <c>python3</c> resolves to (with its size and time), plus the sandbox.
/// Read from files, without starting a process.
/// </summary>
public static class ToolchainFingerprint
{
    /// <summary>The fingerprint for <paramref name="sandboxName"/>.</summary>
    public static string Compute(string sandboxName)
    {
        var parts = new List<string> { $"sandbox={sandboxName}" };
        var dotnetSdk = Path.Combine(Toolchains.DotnetRoot, "sdk");
        parts.Add("dotnet=" + (Directory.Exists(dotnetSdk) ? string.Join(',', Directory.EnumerateDirectories(dotnetSdk).Select(Path.GetFileName).Order(StringComparer.Ordinal)) : "none"));
        var go = Find("go");
        var goVersion = go is null ? null : Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(go)!)!, "VERSION");
        parts.Add("go=" + (goVersion is not null && File.Exists(goVersion) ? File.ReadLines(goVersion).FirstOrDefault() ?? "?" : go ?? "none"));
        var python = Find("python3");
        parts.Add("python3=" + (python is null ? "none" : $"{python}:{new FileInfo(python).Length}:{File.GetLastWriteTimeUtc(python):O}"));
        return string.Join(';', parts);
    }

    private static string? Find(string program)
    {
        foreach (var dir in Toolchains.SandboxPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? candidate;
            }
        }
        return null;
    }
}

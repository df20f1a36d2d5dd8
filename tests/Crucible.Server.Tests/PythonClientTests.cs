using System.Diagnostics;
using Crucible.Testing;

namespace Crucible.Server.Tests;

/// <summary>
/// The Python client (clients/python) against a live server: installed with Debian's python3 and pip into a fresh
/// virtual environment (offline: pip builds it with the system's setuptools), then its pytest suite runs — verl's
/// compute_score, TRL's reward functions, an OpenRLHF-shaped call and the verl-shaped SandboxFusion script.
/// </summary>
public sealed class PythonClientTests : IAsyncLifetime
{
    private ServerTestHost _host = null!;
    private readonly TempDirectory _venv = new("crucible-client-venv");

    public async ValueTask InitializeAsync() => _host = await ServerTestHost.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _venv.Dispose();
    }

    internal static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task The_client_installs_offline_with_pip_and_its_pytest_suite_passes_against_a_live_server()
    {
        // pip builds a local folder in place (build/, *.egg-info): install from a copy so the test writes nothing in the repository.
        var client = Path.Combine(_venv.Path, "client");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "clients", "python"), "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/build/", StringComparison.Ordinal) && !f.Contains(".egg-info", StringComparison.Ordinal) && !f.Contains("__pycache__", StringComparison.Ordinal)))
        {
            var target = Path.Combine(client, Path.GetRelativePath(Path.Combine(TestPaths.RepoRoot, "clients", "python"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var venv = Path.Combine(_venv.Path, "venv");
        var create = await RunAsync("/usr/bin/python3", ["-m", "venv", "--system-site-packages", venv], _venv.Path);
        Assert.True(create.Code == 0, create.Output);
        // --no-index proves the install needs nothing from a package index.
        var install = await RunAsync(Path.Combine(venv, "bin", "pip"), ["install", "--no-index", "--quiet", client], _venv.Path);
        Assert.True(install.Code == 0, install.Output);
        var python = Path.Combine(venv, "bin", "python");

        var tests = await RunAsync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", Path.Combine(client, "tests")], _venv.Path,
            new Dictionary<string, string> { ["CRUCIBLE_URL"] = _host.BaseAddress.ToString().TrimEnd('/') });

        Assert.True(tests.Code == 0, tests.Output);
        Assert.Matches(@"\b6 passed\b", tests.Output);
        var where = await RunAsync(python, ["-c", "import crucible_client; print(crucible_client.__file__)"], _venv.Path);
        Assert.StartsWith(venv, where.Output.Trim(), StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>
/// The CLI as a .NET tool: <c>dotnet pack</c> makes the package, and <c>dotnet tool install</c> from it works for a user
/// with an empty home (no NuGet settings, no tools, no caches), after which <c>crucible --version</c> runs.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly TempDirectory _work = new("cli-tool");

    public void Dispose() => _work.Dispose();

    /// <summary>Runs <paramref name="file"/> in <paramref name="folder"/>; with <paramref name="cleanHome"/>, as a user whose home is that folder.</summary>
    private static async Task<(int Code, string Output)> RunAsync(string file, string folder, bool cleanHome, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        if (cleanHome)
        {
            // NuGet's settings and cache, the tool store and the first-run marker all live under the home.
            start.Environment["HOME"] = folder;
            start.Environment["DOTNET_CLI_HOME"] = folder;
            start.Environment["NUGET_PACKAGES"] = Path.Combine(folder, ".nuget", "packages");
            start.Environment["DOTNET_NOLOGO"] = "1";
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task The_packed_tool_installs_in_a_clean_home_and_crucible_version_runs()
    {
        var package = Path.Combine(_work.Path, "package");
        var home = Directory.CreateDirectory(Path.Combine(_work.Path, "home")).FullName;
        const string version = "0.1.0-test.1";
        // Packed with the developer's NuGet cache (restore is offline here); installed with none.
        var pack = await RunAsync("dotnet", TestPaths.RepoRoot, false, "pack", Path.Combine(TestPaths.RepoRoot, "src", "Crucible.Cli"), "-c", "Release", "-nologo", "-v:q",
            $"-p:Version={version}", "-o", package);
        Assert.True(pack.Code == 0, pack.Output);
        Assert.Equal([$"Crucible.Cli.{version}.nupkg"], Directory.GetFiles(package).Select(Path.GetFileName));

        var tools = Path.Combine(home, "tools");
        var install = await RunAsync("dotnet", home, true, "tool", "install", "Crucible.Cli", "--version", version, "--tool-path", tools, "--add-source", package, "--ignore-failed-sources");

        Assert.True(install.Code == 0, install.Output);
        Assert.Contains($"Tool 'crucible.cli' (version '{version}') was successfully installed.", install.Output, StringComparison.Ordinal);
        var crucible = await RunAsync(Path.Combine(tools, "crucible"), home, true, "--version");
        Assert.Equal(0, crucible.Code);
        Assert.StartsWith(version + "+", crucible.Output, StringComparison.Ordinal);
        var help = await RunAsync(Path.Combine(tools, "crucible"), home, true, "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
    }
}

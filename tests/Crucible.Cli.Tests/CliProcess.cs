using System.Diagnostics;

namespace Crucible.Cli.Tests;

/// <summary>The outcome of running the real <c>crucible</c> executable.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>How to start the CLI: its folder, a wrapper command line put before <c>dotnet crucible.dll</c>, extra environment.</summary>
public sealed record CliLaunch(string WorkingDirectory)
{
    /// <summary>A command the CLI runs under, e.g. <c>bwrap ... --</c>; empty runs it directly.</summary>
    public IReadOnlyList<string> Wrapper { get; init; } = [];

    /// <summary>Variables set (or overridden) in the CLI's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
}

/// <summary>Runs the built <c>crucible.dll</c> as a child process, exactly as a user would, in a chosen folder.</summary>
public static class CliProcess
{
    /// <summary>The CLI assembly copied beside the tests by the project reference.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "crucible.dll");

    public static Task<CliResult> RunAsync(string workingDirectory, params string[] args) => RunAsync(new CliLaunch(workingDirectory), args);

    /// <summary>Runs the CLI as <paramref name="launch"/> says (a wrapper command such as bwrap, extra environment).</summary>
    public static async Task<CliResult> RunAsync(CliLaunch launch, params string[] args)
    {
        var start = new ProcessStartInfo(launch.Wrapper.Count > 0 ? launch.Wrapper[0] : "dotnet")
        {
            WorkingDirectory = launch.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in launch.Environment)
        {
            start.Environment[name] = value;
        }
        if (launch.Wrapper.Count > 0)
        {
            foreach (var w in launch.Wrapper.Skip(1))
            {
                start.ArgumentList.Add(w);
            }
            start.ArgumentList.Add("dotnet");
        }
        start.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}

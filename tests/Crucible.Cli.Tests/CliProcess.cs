using System.Diagnostics;

namespace Crucible.Cli.Tests;

/// <summary>The outcome of running the real <c>crucible</c> executable.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the built <c>crucible.dll</c> as a child process, exactly as a user would, in a chosen folder.</summary>
public static class CliProcess
{
    /// <summary>The CLI assembly copied beside the tests by the project reference.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "crucible.dll");

    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
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

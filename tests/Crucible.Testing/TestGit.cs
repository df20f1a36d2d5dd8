using System.Diagnostics;

namespace Crucible.Testing;

/// <summary>Runs git for tests with a fixed identity and no signing, so commits work on any machine.</summary>
public static class TestGit
{
    /// <summary>Runs <c>git ARGS</c> in <paramref name="directory"/>; throws with git's error output when it fails.</summary>
    public static void Run(string directory, params string[] args) => Output(directory, args);

    /// <summary>Runs <c>git ARGS</c> in <paramref name="directory"/> and returns its standard output without the final newline; throws when git fails.</summary>
    public static string Output(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "user.name=Crucible Test", "-c", "user.email=test@crucible.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {err.Result}");
        }
        return output.TrimEnd('\n');
    }
}

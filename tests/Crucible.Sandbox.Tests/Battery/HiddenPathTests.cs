using Crucible.Core;
using Crucible.Core.Sandbox;
using Crucible.Testing;

namespace Crucible.Sandbox.Tests.Battery;

/// <summary>
/// <see cref="SandboxPolicy.HiddenPaths"/> against a command that tries to read, list, move, replace and unmount what the
/// policy hides, through the real bubblewrap sandbox; and the unsandboxed runner refusing a policy it cannot enforce.
/// </summary>
public sealed class HiddenPathTests : IDisposable
{
    private readonly SandboxHarness _h = new();

    public void Dispose() => _h.Dispose();

    private Task<SandboxResult> RunAsync(string script, params string[] hidden) =>
        _h.Sandbox.ExecuteAsync(SandboxCommand.Shell(script), new SandboxPolicy
        {
            WorkspacePath = _h.Workspace.Path,
            HiddenPaths = hidden.Select(h => _h.Workspace[h]).ToList(),
            Limits = ResourceLimits.Default with { WallTime = TimeSpan.FromSeconds(30) },
        }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_hidden_file_and_a_hidden_folder_cannot_be_read_listed_moved_replaced_or_unmounted_and_stay_intact_on_the_host()
    {
        _h.Workspace.Write("secret.txt", "key-1\n");
        _h.Workspace.Write("vault/inner.txt", "key-2\n");
        _h.Workspace.Write("open.txt", "visible\n");

        var result = await RunAsync(
            "cat secret.txt vault/inner.txt; ls -A vault; echo --; mv secret.txt s2; mv vault v2; rm -rf vault; " +
            "echo new > vault/planted; umount vault secret.txt; cat open.txt",
            "secret.txt", "vault");

        Assert.Equal("--\nvisible\n", result.Stdout.Text);
        Assert.DoesNotContain("key-", result.Stdout.Text + result.Stderr.Text, StringComparison.Ordinal);
        Assert.Equal("key-1\n", File.ReadAllText(_h.Workspace["secret.txt"]));
        Assert.Equal(["inner.txt"], Directory.GetFiles(_h.Workspace["vault"]).Select(Path.GetFileName));
        Assert.False(Path.Exists(_h.Workspace["s2"]) || Path.Exists(_h.Workspace["v2"]));
    }

    [Fact]
    public async Task A_hidden_path_outside_the_workspace_or_through_a_link_is_refused_with_the_fix()
    {
        using var outside = new TempDirectory("hidden-outside");
        outside.Write("f.txt", "x");
        _h.Workspace.Write("real.txt", "x");
        File.CreateSymbolicLink(_h.Workspace["link.txt"], "real.txt");

        var outsideError = await Assert.ThrowsAsync<BadInputException>(() => _h.Sandbox.ExecuteAsync(SandboxCommand.Shell("true"),
            new SandboxPolicy { WorkspacePath = _h.Workspace.Path, HiddenPaths = [outside["f.txt"]] }, TestContext.Current.CancellationToken));
        var linkError = await Assert.ThrowsAsync<BadInputException>(() => RunAsync("true", "link.txt"));

        Assert.Equal(
            ($"SandboxPolicy.HiddenPaths entry {outside["f.txt"]} is not inside the workspace {_h.Workspace.Path}.", "Hide only paths inside the workspace; the host outside it is not mounted anyway."),
            (outsideError.Message, outsideError.Fix));
        Assert.Equal($"SandboxPolicy.HiddenPaths entry {_h.Workspace["link.txt"]} does not exist or goes through a symbolic link.", linkError.Message);
    }

    [Fact]
    public async Task The_unsandboxed_runner_refuses_a_policy_with_hidden_paths_instead_of_running_unprotected()
    {
        _h.Workspace.Write("secret.txt", "key-1\n");

        var error = await Assert.ThrowsAsync<BadInputException>(() => new UnsandboxedRunner().ExecuteAsync(SandboxCommand.Shell("echo ran > ran.txt"),
            new SandboxPolicy { WorkspacePath = _h.Workspace.Path, HiddenPaths = [_h.Workspace["secret.txt"]] }, TestContext.Current.CancellationToken));

        Assert.Equal("SandboxPolicy.HiddenPaths lists 1 path(s), but without a sandbox nothing can be hidden from a command.", error.Message);
        Assert.False(File.Exists(_h.Workspace["ran.txt"]));
    }
}

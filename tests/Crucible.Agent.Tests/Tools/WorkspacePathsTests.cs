using Crucible.Agent.Tools;
using Crucible.Core.IO;
using Crucible.Testing;

namespace Crucible.Agent.Tests.Tools;

/// <summary>
/// Escape attempts against the file tools. Each one must be refused with its reason, and nothing outside
/// the workspace (a canary folder beside it) nor any protected file inside it may change.
/// </summary>
public sealed class WorkspacePathsTests : IDisposable
{
    private readonly TempDirectory _parent = new("agent-confine");
    private readonly ToolHarness _h;
    private readonly string _canary;

    public WorkspacePathsTests()
    {
        _canary = Path.Combine(_parent.Path, "canary");
        Directory.CreateDirectory(Path.Combine(_canary, "sub"));
        File.WriteAllText(Path.Combine(_canary, "secret.txt"), "secret\n");
        File.WriteAllText(Path.Combine(_canary, "sub", "deep.txt"), "deep\n");

        _h = new ToolHarness();
        _h.Workspace.Write("src/App.cs", "class App {}\n");
        _h.Workspace.Write(".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n");
        _h.Workspace.Write(".git/config", "[core]\n\tbare = false\n");
        _h.Workspace.Write(".crucible/settings.json", "{ \"permissions\": { \"mode\": \"ask\" } }\n");
        File.CreateSymbolicLink(_h.Workspace["out"], _canary);
        File.CreateSymbolicLink(_h.Workspace["outfile"], Path.Combine(_canary, "secret.txt"));
        File.CreateSymbolicLink(_h.Workspace["dangling"], Path.Combine(_canary, "created-through-link.txt"));
        File.CreateSymbolicLink(_h.Workspace["etc"], "/etc");
        File.CreateSymbolicLink(_h.Workspace["relative-out"], "../canary");
        File.CreateSymbolicLink(_h.Workspace["hooks"], ".git/hooks");
        File.CreateSymbolicLink(_h.Workspace["loop-a"], "loop-b");
        File.CreateSymbolicLink(_h.Workspace["loop-b"], "loop-a");
        Directory.CreateDirectory(_h.Root + "-evil");
    }

    public void Dispose()
    {
        _h.Dispose();
        _parent.Dispose();
        Directory.Delete(_h.Root + "-evil", recursive: true);
    }

    public static TheoryData<string, string, string, string> EscapeAttempts => new()
    {
        // name, tool, path ({canary} and {root} are substituted), expected reason
        { "absolute path outside", "write", "{canary}/pwned.txt", "absolute path outside the workspace" },
        { "dot-dot escape", "write", "../canary/pwned.txt", "escapes the workspace through '..'" },
        { "dot-dot to /etc/passwd", "read", "../../../../../../etc/passwd", "escapes the workspace through '..'" },
        { "deep dot-dot inside then out", "write", "src/../../canary/secret.txt", "escapes the workspace through '..'" },
        { "symlinked parent folder", "write", "out/pwned.txt", "symbolic link that points outside" },
        { "relative symlinked parent", "write", "relative-out/sub/deep.txt", "symbolic link that points outside" },
        { "not-yet-existing folders under a symlinked parent", "write", "out/new/deeper/file.txt", "symbolic link that points outside" },
        { "symlink as final component", "write", "outfile", "symbolic link that points outside" },
        { "dangling symlink to a new file outside", "write", "dangling", "symbolic link that points outside" },
        { "symlink to /etc", "read", "etc/passwd", "symbolic link that points outside" },
        { "git hook", "write", ".git/hooks/pre-commit", "is protected" },
        { "new git hook", "write", ".git/hooks/post-checkout", "is protected" },
        { "git config", "write", ".git/config", "is protected" },
        { "crucible settings", "write", ".crucible/settings.json", "is protected" },
        { "git hook through an inside symlink", "write", "hooks/pre-commit", "is protected" },
        { "case trick on git hooks", "write", ".GIT/Hooks/pre-commit", "is protected" },
        { "case trick on settings", "write", ".Crucible/Settings.JSON", "is protected" },
        { "/proc/self/root", "write", "/proc/self/root{canary}/pwned.txt", "absolute path outside the workspace" },
        { "NUL byte", "write", "src/App.cs\0../../canary/secret.txt", "NUL character" },
        { "home folder", "read", "~/.bashrc", "home folder" },
        { "sibling folder sharing the root's name as prefix", "write", "{root}-evil/pwned.txt", "absolute path outside the workspace" },
        { "symlink loop", "read", "loop-a", "link loop" },
        { "edit through a symlink out", "edit", "outfile", "symbolic link that points outside" },
        { "edit git config", "edit", ".git/config", "is protected" },
    };

    [Theory]
    [MemberData(nameof(EscapeAttempts))]
    public async Task Escape_attempt_is_refused_with_its_reason_and_nothing_changes(string name, string tool, string path, string reason)
    {
        var before = ToolHarness.Fingerprint(_canary);
        var protectedBefore = Protected();
        path = path.Replace("{canary}", _canary, StringComparison.Ordinal).Replace("{root}", _h.Root, StringComparison.Ordinal);
        object args = tool switch
        {
            "write" => new { path, content = "pwned\n" },
            "edit" => new { path, old_string = "secret", new_string = "pwned" },
            _ => new { path },
        };

        var result = await _h.CallAsync(tool, args);

        Assert.True(result.IsError, $"{name}: expected a refusal, got: {result.Content}");
        Assert.Contains(reason, result.Content, StringComparison.Ordinal);
        Assert.Empty(result.ChangedPaths);
        Assert.Equal(before, ToolHarness.Fingerprint(_canary));
        Assert.Equal(protectedBefore, Protected());
        Assert.False(File.Exists(Path.Combine(_canary, "created-through-link.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_h.Root + "-evil"));
    }

    [Fact]
    public async Task Symlink_created_by_bash_cannot_be_written_through()
    {
        var before = ToolHarness.Fingerprint(_canary);
        var made = await _h.CallAsync("bash", new { command = $"ln -s '{_canary}' sneaky && ln -s '{_canary}/secret.txt' sneaky-file && ls -l sneaky" });
        Assert.False(made.IsError, made.Content);
        Assert.Equal(FileKind.SymbolicLink, UnixFileType.Get(_h.Workspace["sneaky"]));

        var viaDir = await _h.CallAsync("write", new { path = "sneaky/pwned.txt", content = "pwned" });
        var viaFile = await _h.CallAsync("write", new { path = "sneaky-file", content = "pwned" });
        var viaEdit = await _h.CallAsync("edit", new { path = "sneaky-file", old_string = "secret", new_string = "pwned" });

        Assert.All([viaDir, viaFile, viaEdit], r => Assert.Contains("symbolic link that points outside", r.Content, StringComparison.Ordinal));
        Assert.Equal(before, ToolHarness.Fingerprint(_canary));
    }

    [Fact]
    public async Task Search_tools_never_read_or_list_through_links_that_point_outside()
    {
        File.CreateSymbolicLink(_h.Workspace["src/inside-link.cs"], "App.cs");

        var grep = await _h.CallAsync("grep", new { pattern = "secret|deep|class" });
        var glob = await _h.CallAsync("glob", new { pattern = "**/*" });
        var grepOut = await _h.CallAsync("grep", new { pattern = "secret", path = "out" });

        Assert.Equal(new ToolResult("src/App.cs:1: class App {}\nsrc/inside-link.cs:1: class App {}"), grep);
        Assert.Equal(new ToolResult(".crucible/settings.json\nsrc/App.cs\nsrc/inside-link.cs"), glob);
        Assert.True(grepOut.IsError);
        Assert.Contains("symbolic link that points outside", grepOut.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fifo_created_by_bash_is_refused_instead_of_blocking()
    {
        var made = await _h.CallAsync("bash", new { command = "mkfifo pipe" });
        Assert.False(made.IsError, made.Content);

        var read = await _h.CallAsync("read", new { path = "pipe" });
        var write = await _h.CallAsync("write", new { path = "pipe", content = "x" });

        Assert.Equal(ToolResult.Error("Refused path 'pipe': it is a named pipe (FIFO), not a regular file."), read);
        Assert.Equal(ToolResult.Error("Refused path 'pipe': it is a named pipe (FIFO), not a regular file."), write);
    }

    [Fact]
    public async Task Bash_cannot_change_protected_files_because_they_are_mounted_read_only()
    {
        var protectedBefore = Protected();

        var result = await _h.CallAsync("bash", new { command = "echo pwned >> .git/hooks/pre-commit; echo pwned >> .git/config; echo pwned > .crucible/settings.json; echo done" });

        Assert.Contains("Read-only file system", result.Content, StringComparison.Ordinal);
        Assert.Equal(protectedBefore, Protected());
    }

    [Fact]
    public async Task Bash_cannot_swap_the_git_or_crucible_folder_for_a_planted_one()
    {
        var protectedBefore = Protected();

        var result = await _h.CallAsync("bash", new { command = "mv .git .git-old; mv .crucible .crucible-old; mkdir -p .git/hooks .crucible; echo pwned > .git/hooks/pre-commit; echo '{}' > .crucible/settings.json; ls -a" });

        Assert.Equal(protectedBefore, Protected());
        Assert.False(Directory.Exists(_h.Workspace[".git-old"]));
        Assert.False(Directory.Exists(_h.Workspace[".crucible-old"]));
    }

    [Fact]
    public async Task Bash_can_still_use_git_in_a_protected_repository()
    {
        var removal = await _h.CallAsync("bash", new { command = "rm -rf .git" });
        Assert.Contains("Device or resource busy", removal.Content, StringComparison.Ordinal);
        Directory.Delete(_h.Workspace[".git"], recursive: true);
        using (var git = System.Diagnostics.Process.Start("git", ["init", "-q", _h.Root]))
        {
            await git.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var result = await _h.CallAsync("bash", new { command = "git -c user.email=a@b -c user.name=a add src/App.cs && git -c user.email=a@b -c user.name=a commit -qm first && git log --format=%s" });

        Assert.False(result.IsError, result.Content);
        Assert.StartsWith("first\n[exit code 0", result.Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Symlinks_inside_the_workspace_resolve_to_their_target()
    {
        File.CreateSymbolicLink(_h.Workspace["app-link"], "src/App.cs");
        var paths = new WorkspacePaths(_h.Root);

        var resolved = paths.Resolve("app-link", PathAccess.Write);

        Assert.Equal(new ResolvedPath(Path.Combine(paths.Root, "src/App.cs"), "src/App.cs", FileKind.Regular), resolved);
    }

    [Fact]
    public void Absolute_path_inside_the_workspace_and_dot_segments_are_accepted()
    {
        var paths = new WorkspacePaths(_h.Root);

        Assert.Equal("src/App.cs", paths.Resolve(Path.Combine(_h.Root, "src/App.cs"), PathAccess.Read).RelativePath);
        Assert.Equal("src/App.cs", paths.Resolve("./src/../src/./App.cs", PathAccess.Read).RelativePath);
        Assert.Equal(new ResolvedPath(paths.Root, "", FileKind.Directory), paths.Resolve(".", PathAccess.Read));
        Assert.Equal(new ResolvedPath(Path.Combine(paths.Root, "new/dir/file.txt"), "new/dir/file.txt", FileKind.Missing), paths.Resolve("new/dir/file.txt", PathAccess.Write));
    }

    [Fact]
    public void Reading_protected_files_is_allowed()
    {
        var paths = new WorkspacePaths(_h.Root);

        Assert.Equal(".git/config", paths.Resolve(".git/config", PathAccess.Read).RelativePath);
    }

    private string Protected() =>
        string.Join('\n', new[] { ".git/hooks/pre-commit", ".git/config", ".crucible/settings.json" }.Select(p => p + "=" + File.ReadAllText(_h.Workspace[p])))
        + "|hooks=" + string.Join(',', Directory.EnumerateFiles(_h.Workspace[".git/hooks"]).Order(StringComparer.Ordinal));
}

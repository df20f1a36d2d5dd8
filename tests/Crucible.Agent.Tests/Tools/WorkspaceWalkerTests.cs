using Crucible.Agent.Tools;
using Crucible.Testing;

namespace Crucible.Agent.Tests.Tools;

/// <summary>The one workspace walk, in both of its modes: the search tools' (git rules honoured) and the read-deny scan's (git-ignored files seen).</summary>
public sealed class WorkspaceWalkerTests : IDisposable
{
    private static readonly string[] Deny = ["**/*.env", "**/private"];
    private readonly TempDirectory _ws = new("walker-ws");

    public WorkspaceWalkerTests()
    {
        _ws.Write(".gitignore", "*.env\nbuild/\n");
        _ws.Write("app.env", "ignored and denied");
        _ws.Write("src/A.cs", "");
        _ws.Write("src/deep/b.env", "ignored and denied, deeper");
        _ws.Write("build/Out.cs", "ignored, not denied");
        _ws.Write("build/out.env", "ignored and denied, inside an ignored folder");
        _ws.Write("config/private/key.txt", "inside a denied folder");
        _ws.Write("vendor/lib/.git/config.env", "inside a nested repository");
        _ws.Write(".git/root.env", "inside the workspace's own repository");
        File.CreateSymbolicLink(Path.Combine(_ws.Path, "alias.env"), Path.Combine(_ws.Path, "app.env"));
        File.CreateSymbolicLink(Path.Combine(_ws.Path, "alias.txt"), Path.Combine(_ws.Path, "app.env"));
    }

    public void Dispose() => _ws.Dispose();

    private WorkspacePaths Paths => new(_ws.Path);

    [Fact]
    public void Hidden_entries_including_ignored_files_list_every_denied_file_and_folder_but_no_link_and_not_the_workspace_git()
    {
        var walker = new WorkspaceWalker(Paths, Deny, WorkspaceWalkOptions.IncludingIgnored);

        // Git-ignored denied files are seen (in ignored folders and nested repositories too); a denied folder is listed
        // without its contents; links are not listed (they open the hidden path itself), and .git at the root is skipped.
        Assert.Equal(
            ["app.env", "build/out.env", "config/private", "src/deep/b.env", "vendor/lib/.git/config.env"],
            walker.HiddenEntries(TestContext.Current.CancellationToken).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Hidden_entries_honouring_git_rules_leave_out_what_git_ignores()
    {
        var walker = new WorkspaceWalker(Paths, Deny);

        Assert.Equal(["config/private"], walker.HiddenEntries(TestContext.Current.CancellationToken).ToArray());
    }

    [Fact]
    public void Files_honouring_git_rules_skip_ignored_hidden_and_git_files_and_links_to_hidden_files()
    {
        var paths = Paths;
        var walker = new WorkspaceWalker(paths, Deny);

        var files = walker.Files(paths.Resolve(".", PathAccess.Read), TestContext.Current.CancellationToken).ToArray();

        Assert.Equal([".gitignore", "src/A.cs"], files);
    }

    [Fact]
    public void Files_including_ignored_list_ignored_files_and_nested_repositories_but_never_hidden_ones()
    {
        var paths = Paths;
        var walker = new WorkspaceWalker(paths, ["**/private"], WorkspaceWalkOptions.IncludingIgnored);

        var files = walker.Files(paths.Resolve(".", PathAccess.Read), TestContext.Current.CancellationToken).ToArray();

        Assert.Equal(
            [".gitignore", "alias.env", "alias.txt", "app.env", "build/Out.cs", "build/out.env", "src/A.cs", "src/deep/b.env", "vendor/lib/.git/config.env"],
            files);
    }

    [Fact]
    public void Command_hidden_paths_are_the_walks_hidden_entries_as_absolute_paths_in_ordinal_order()
    {
        var root = Paths.Root;

        var hidden = CommandPolicies.HiddenPaths(_ws.Path, Deny);

        Assert.Equal(
            new[] { "app.env", "build/out.env", "config/private", "src/deep/b.env", "vendor/lib/.git/config.env" }.Select(r => Path.Combine(root, r)).ToArray(),
            hidden.ToArray());
        Assert.Empty(CommandPolicies.HiddenPaths(_ws.Path, []));
    }
}

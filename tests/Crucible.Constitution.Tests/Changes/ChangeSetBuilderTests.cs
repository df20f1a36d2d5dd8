using System.Diagnostics;
using Crucible.Constitution.Changes;
using Crucible.Constitution.Tests.Corpus;
using Crucible.Core;
using Crucible.Testing;
using Crucible.Verification.Grading;

namespace Crucible.Constitution.Tests.Changes;

public sealed class ChangeSetBuilderTests
{
    [Fact]
    public void Two_folders_give_added_modified_deleted_and_unchanged_files()
    {
        using var before = new TempDirectory();
        using var after = new TempDirectory();
        before.Write("same.cs", "x\n");
        before.Write("edit.cs", "a\r\nb\r\n");
        before.Write("gone.cs", "old\n");
        after.Write("same.cs", "x\n");
        after.Write("edit.cs", "a\nc\n");
        after.Write("src/new.py", "print(1)\n");
        after.Write("obj/build.cs", "generated\n");

        var set = ChangeSetBuilder.FromFolders(before.Path, after.Path);

        Assert.Equal(
            [("edit.cs", FileChangeKind.Modified), ("gone.cs", FileChangeKind.Deleted), ("same.cs", FileChangeKind.Unchanged), ("src/new.py", FileChangeKind.Added)],
            set.Files.Select(f => (f.Path, f.Kind)));
        Assert.Equal(new FileChange("edit.cs", "a\nb\n", "a\nc\n"), set.Find("edit.cs"));
        Assert.Equal([2], set.Find("edit.cs")!.AddedLines);
    }

    [Fact]
    public void A_task_workspace_is_compared_with_the_pristine_starting_files()
    {
        var task = CorpusTasks.Get("two-fer");
        using var ws = new TempDirectory();
        Workspaces.Materialize(task, ws.Path, task.ReferenceFiles);
        File.Delete(ws["TwoFerTests.cs"]);
        ws.Write("Helper.cs", "class Helper {}\n");

        var set = ChangeSetBuilder.FromTask(task, ws.Path);

        Assert.Equal(
            [("Helper.cs", FileChangeKind.Added), ("TwoFer.cs", FileChangeKind.Modified), ("TwoFerTests.cs", FileChangeKind.Deleted)],
            set.Changed.Select(f => (f.Path, f.Kind)).OrderBy(x => x.Path, StringComparer.Ordinal));
        Assert.Equal(File.ReadAllText(task.ReferenceFiles[0].SourcePath), set.Find("TwoFer.cs")!.After);
    }

    [Fact]
    public void A_git_working_tree_is_compared_with_head_ignoring_ignored_files()
    {
        using var repo = new TempDirectory("git-review");
        TestGit.Run(repo.Path, "init", "-q");
        repo.Write(".gitignore", "bin/\n");
        repo.Write("keep.cs", "class Keep {}\n");
        repo.Write("edit.cs", "class Edit {}\n");
        repo.Write("gone.cs", "class Gone {}\n");
        TestGit.Run(repo.Path, "add", "-A");
        TestGit.Run(repo.Path, "commit", "-qm", "first");
        repo.Write("edit.cs", "class Edit { int X; }\n");
        File.Delete(repo["gone.cs"]);
        repo.Write("new.cs", "class New {}\n");
        repo.Write("bin/out.cs", "ignored\n");

        var set = ChangeSetBuilder.FromGit(repo.Path);

        Assert.Equal(
            [("edit.cs", FileChangeKind.Modified), ("gone.cs", FileChangeKind.Deleted), ("new.cs", FileChangeKind.Added)],
            set.Changed.Select(f => (f.Path, f.Kind)));
        Assert.Equal(FileChangeKind.Unchanged, set.Find("keep.cs")!.Kind);
        Assert.Null(set.Find("bin/out.cs"));
        Assert.Equal("class Edit {}\n", set.Find("edit.cs")!.Before);
    }

    [Fact]
    public void A_git_diff_against_an_older_revision_includes_committed_changes()
    {
        using var repo = new TempDirectory("git-review");
        TestGit.Run(repo.Path, "init", "-q");
        repo.Write("a.cs", "one\n");
        TestGit.Run(repo.Path, "add", "-A");
        TestGit.Run(repo.Path, "commit", "-qm", "first");
        TestGit.Run(repo.Path, "tag", "base");
        repo.Write("a.cs", "two\n");
        TestGit.Run(repo.Path, "commit", "-qam", "second");

        Assert.Empty(ChangeSetBuilder.FromGit(repo.Path).Changed);
        Assert.Equal(new FileChange("a.cs", "one\n", "two\n"), Assert.Single(ChangeSetBuilder.FromGit(repo.Path, "base").Changed));
    }

    [Fact]
    public void Context_files_beyond_the_limit_are_skipped_with_one_line_and_a_subfolder_is_reviewed_on_its_own()
    {
        using var repo = new TempDirectory("git-review");
        TestGit.Run(repo.Path, "init", "-q");
        foreach (var name in new[] { "a.cs", "b.cs", "c.cs", "sub/d.cs" })
        {
            repo.Write(name, $"// {name}\n");
        }
        TestGit.Run(repo.Path, "add", "-A");
        TestGit.Run(repo.Path, "commit", "-qm", "first");
        repo.Write("sub/d.cs", "// changed\n");

        var limited = ChangeSetBuilder.FromGit(repo.Path, options: new ChangeSetOptions { MaxUnchangedFiles = 1 });
        var sub = ChangeSetBuilder.FromGit(repo["sub"]);

        Assert.Equal(["2 unchanged file(s) beyond the first 1 (not read for context)"], limited.Skipped);
        Assert.Equal([("d.cs", FileChangeKind.Modified)], sub.Files.Select(f => (f.Path, f.Kind)));
    }

    [Fact]
    public void Crucibles_own_state_folder_is_no_part_of_a_git_change_but_its_settings_are()
    {
        using var repo = new TempDirectory("git-review");
        TestGit.Run(repo.Path, "init", "-q");
        repo.Write("a.cs", "one\n");
        repo.Write(".crucible/notes.md", "tracked notes\n");
        TestGit.Run(repo.Path, "add", "-A");
        TestGit.Run(repo.Path, "commit", "-qm", "first");
        repo.Write("a.cs", "two\n");
        repo.Write(".crucible/notes.md", "changed notes\n");
        repo.Write(".crucible/sessions/20261206-000000-abcdef.jsonl", "{}\n");
        repo.Write(".crucible/settings.json", "{ \"testCommand\": \"true\" }\n");

        var set = ChangeSetBuilder.FromGit(repo.Path);

        // Sessions and notes, tracked or not, are Crucible's state; the settings name the test command, so they count.
        Assert.Equal([(".crucible/settings.json", FileChangeKind.Added), ("a.cs", FileChangeKind.Modified)], set.Files.Select(f => (f.Path, f.Kind)).OrderBy(p => p.Item1, StringComparer.Ordinal));
    }

    [Fact]
    public void A_folder_outside_git_or_an_unknown_revision_is_bad_input()
    {
        using var plain = new TempDirectory();
        var notRepo = Assert.ThrowsAny<BadInputException>(() => ChangeSetBuilder.FromGit(plain.Path));
        Assert.Contains("not inside a git repository", notRepo.Message, StringComparison.Ordinal);

        TestGit.Run(plain.Path, "init", "-q");
        var noCommit = Assert.ThrowsAny<BadInputException>(() => ChangeSetBuilder.FromGit(plain.Path));
        Assert.Contains("'HEAD' does not exist", noCommit.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<BadInputException>(() => ChangeSetBuilder.FromGit(plain["missing"]));
    }
}

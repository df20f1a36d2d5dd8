using Crucible.Constitution.Changes;

namespace Crucible.Viewer.Tests;

public sealed class DiffViewTests
{
    private static string Numbered(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"l{i}\n"));

    [Fact]
    public void Changes_far_apart_make_separate_hunks_each_with_its_context_and_both_line_numberings()
    {
        var before = Numbered(1, 20);
        var after = before.Replace("l2\n", "L2\n", StringComparison.Ordinal).Replace("l18\n", "l18\nnew\n", StringComparison.Ordinal);

        var diff = DiffView.Of(new FileChange("a.py", before, after), context: 2);

        Assert.Equivalent(new FileDiff("a.py", FileChangeKind.Modified, 2, 1,
        [
            new DiffHunk(1, 1,
            [
                new LineEdit(LineEditKind.Same, 1, 1, "l1"),
                new LineEdit(LineEditKind.Removed, 2, null, "l2"),
                new LineEdit(LineEditKind.Added, null, 2, "L2"),
                new LineEdit(LineEditKind.Same, 3, 3, "l3"),
                new LineEdit(LineEditKind.Same, 4, 4, "l4"),
            ]),
            new DiffHunk(17, 17,
            [
                new LineEdit(LineEditKind.Same, 17, 17, "l17"),
                new LineEdit(LineEditKind.Same, 18, 18, "l18"),
                new LineEdit(LineEditKind.Added, null, 19, "new"),
                new LineEdit(LineEditKind.Same, 19, 20, "l19"),
                new LineEdit(LineEditKind.Same, 20, 21, "l20"),
            ]),
        ]), diff, strict: true);
    }

    [Fact]
    public void Changes_closer_than_twice_the_context_share_one_hunk()
    {
        var before = Numbered(1, 10);
        var after = before.Replace("l3\n", "X\n", StringComparison.Ordinal).Replace("l6\n", "Y\n", StringComparison.Ordinal);

        var diff = DiffView.Of(new FileChange("a.py", before, after), context: 2);

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal((1, 1), (hunk.OldStart, hunk.NewStart));
        Assert.Equal(["l1", "l2", "l3", "X", "l4", "l5", "l6", "Y", "l7", "l8"], hunk.Lines.Select(l => l.Text));
    }

    [Fact]
    public void An_added_file_is_one_hunk_of_added_lines()
    {
        var diff = DiffView.Of(new FileChange("new.py", null, "a\nb\n"), context: 3);

        Assert.Equivalent(new FileDiff("new.py", FileChangeKind.Added, 2, 0,
            [new DiffHunk(1, 1, [new LineEdit(LineEditKind.Added, null, 1, "a"), new LineEdit(LineEditKind.Added, null, 2, "b")])]), diff, strict: true);
    }
}

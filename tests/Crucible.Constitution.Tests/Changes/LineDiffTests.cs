using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Tests.Changes;

public sealed class LineDiffTests
{
    [Fact]
    public void Added_lines_are_the_new_lines_not_matched_in_the_old_text()
    {
        Assert.Equal([2, 4], LineDiff.AddedLines("a\nb\nc\n", "a\nX\nb\nY\n").Order());
    }

    [Fact]
    public void An_unchanged_text_has_no_added_lines_and_a_new_file_is_all_added()
    {
        Assert.Empty(LineDiff.AddedLines("a\nb\n", "a\nb\n"));
        Assert.Equal([1, 2], LineDiff.AddedLines("", "a\nb").Order());
    }

    [Fact]
    public void The_edit_script_keeps_common_lines_and_lists_removed_before_added_lines_with_both_numberings()
    {
        Assert.Equal(
            [
                new LineEdit(LineEditKind.Same, 1, 1, "a"),
                new LineEdit(LineEditKind.Removed, 2, null, "b"),
                new LineEdit(LineEditKind.Added, null, 2, "X"),
                new LineEdit(LineEditKind.Same, 3, 3, "c"),
                new LineEdit(LineEditKind.Added, null, 4, "Y"),
            ],
            LineDiff.Edits("a\nb\nc\n", "a\nX\nc\nY\n"));
    }

    [Fact]
    public void A_deleted_text_is_all_removed_lines()
    {
        Assert.Equal([new LineEdit(LineEditKind.Removed, 1, null, "a"), new LineEdit(LineEditKind.Removed, 2, null, "b")], LineDiff.Edits("a\nb", ""));
    }
}

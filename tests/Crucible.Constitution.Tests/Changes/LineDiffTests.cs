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
}

using Crucible.Constitution.Changes;

namespace Crucible.Constitution.Tests.Changes;

public class UnifiedDiffTests
{
    [Fact]
    public void Equal_texts_give_an_empty_diff()
    {
        Assert.Equal("", UnifiedDiff.Compute("a.cs", "x\ny\n", "x\ny\n"));
    }

    [Fact]
    public void A_changed_line_is_shown_with_three_lines_of_context()
    {
        var before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        var after = "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n";
        Assert.Equal(
            "--- a/n.txt\n+++ b/n.txt\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n",
            UnifiedDiff.Compute("n.txt", before, after));
    }

    [Fact]
    public void Added_and_deleted_files_diff_against_dev_null()
    {
        Assert.Equal("--- /dev/null\n+++ b/new.cs\n@@ -0,0 +1,2 @@\n+a\n+b\n", UnifiedDiff.Compute("new.cs", null, "a\nb\n"));
        Assert.Equal("--- a/old.cs\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n", UnifiedDiff.Compute("old.cs", "a\n", null));
    }

    [Fact]
    public void A_lost_final_newline_is_a_difference_and_is_marked()
    {
        Assert.Equal(
            "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-x\n+x\n\\ No newline at end of file\n",
            UnifiedDiff.Compute("f", "x\n", "x"));
    }

    [Fact]
    public void Distant_changes_get_separate_hunks_and_near_ones_share_one()
    {
        var lines = Enumerable.Range(1, 30).Select(i => $"{i}\n").ToArray();
        var far = (string[])lines.Clone();
        far[2] = "three\n";
        far[25] = "twenty-six\n";
        Assert.Equal(2, CountHunks(UnifiedDiff.Compute("f", string.Concat(lines), string.Concat(far))));

        var near = (string[])lines.Clone();
        near[2] = "three\n";
        near[8] = "nine\n";
        Assert.Equal(1, CountHunks(UnifiedDiff.Compute("f", string.Concat(lines), string.Concat(near))));
    }

    [Theory]
    [InlineData(1, 4_000)]
    [InlineData(2, 4_000)]
    [InlineData(3, 4_000)]
    [InlineData(4, 3)]
    [InlineData(5, 0)]
    public void Applying_the_diff_to_the_old_text_gives_the_new_text(int seed, int maxEditDistance)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 50; trial++)
        {
            var before = RandomLines(random, random.Next(0, 40));
            var after = Mutate(random, before);
            var oldText = string.Concat(before.Select(l => l + "\n"));
            var newText = string.Concat(after.Select(l => l + "\n"));
            var diff = UnifiedDiff.Compute("f", oldText, newText, new UnifiedDiffOptions { MaxEditDistance = maxEditDistance });
            Assert.Equal(newText, Apply(oldText, diff));
        }
    }

    private static int CountHunks(string diff) => diff.Split('\n').Count(l => l.StartsWith("@@", StringComparison.Ordinal));

    private static List<string> RandomLines(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => ((char)('a' + random.Next(0, 5))).ToString())];

    private static List<string> Mutate(Random random, List<string> lines)
    {
        var result = new List<string>(lines);
        for (var edits = random.Next(0, 8); edits > 0; edits--)
        {
            var at = random.Next(0, result.Count + 1);
            if (random.Next(2) == 0 && at < result.Count)
            {
                result.RemoveAt(at);
            }
            else
            {
                result.Insert(at, ((char)('a' + random.Next(0, 6))).ToString());
            }
        }
        return result;
    }

    /// <summary>A minimal patch applier that trusts the hunk headers, checking context and removed lines.</summary>
    private static string Apply(string oldText, string diff)
    {
        if (diff.Length == 0)
        {
            return oldText;
        }
        var old = oldText.Split('\n')[..^1];
        var output = new List<string>();
        var next = 0;
        foreach (var line in diff.Split('\n')[2..])
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                var parts = line.Split(' ')[1].TrimStart('-').Split(',');
                var start = int.Parse(parts[0]);
                var count = int.Parse(parts[1]);
                var target = count == 0 ? start : start - 1;
                output.AddRange(old[next..target]);
                next = target;
            }
            else if (line.StartsWith(' ') || line.StartsWith('-'))
            {
                Assert.Equal(old[next], line[1..]);
                if (line[0] == ' ')
                {
                    output.Add(old[next]);
                }
                next++;
            }
            else if (line.StartsWith('+'))
            {
                output.Add(line[1..]);
            }
        }
        output.AddRange(old[next..]);
        return string.Concat(output.Select(l => l + "\n"));
    }
}

using Crucible.Flywheel.Solvers;

namespace Crucible.Flywheel.Tests.Solvers;

public sealed class ModelAnswerParserTests
{
    private static readonly string[] OneFile = ["solution.py"];
    private static readonly string[] Globs = ["src/*.cs", "README.md"];

    private static Dictionary<string, string> Files(params (string Path, string Content)[] files) => files.ToDictionary(f => f.Path, f => f.Content);

    [Fact]
    public void A_file_line_before_a_fenced_block_names_the_file()
    {
        var parsed = ModelAnswerParser.Parse("Here you go.\n\nFILE: src/A.cs\n```csharp\nclass A {}\n```\n\nFILE: src/B.cs\n```\nclass B {}\n```\n", Globs, []);

        Assert.Equal(new ParsedAnswer(parsed.Files, null), parsed);
        Assert.Equal(Files(("src/A.cs", "class A {}\n"), ("src/B.cs", "class B {}\n")), parsed.Files);
    }

    [Theory]
    [InlineData("### src/A.cs\n```csharp\nclass A {}\n```")]
    [InlineData("**`src/A.cs`**\n\n```csharp\nclass A {}\n```")]
    [InlineData("```csharp path=src/A.cs\nclass A {}\n```")]
    [InlineData("```src/A.cs\nclass A {}\n```")]
    [InlineData("Path: ./src/A.cs\n~~~\nclass A {}\n~~~")]
    [InlineData("FILE: src/A.cs\n````\nclass A {}\n````")]
    public void Paths_are_read_from_headings_info_strings_and_labels(string answer)
    {
        Assert.Equal(Files(("src/A.cs", "class A {}\n")), ModelAnswerParser.Parse(answer, Globs, []).Files);
    }

    [Fact]
    public void A_single_unnamed_block_is_the_whole_content_of_the_only_editable_file()
    {
        var parsed = ModelAnswerParser.Parse("```python\ndef f():\n    return 1\n```", OneFile, OneFile);

        Assert.Equal(Files(("solution.py", "def f():\n    return 1\n")), parsed.Files);
    }

    [Fact]
    public void A_block_holding_a_shorter_fence_keeps_it_and_the_last_copy_of_a_file_wins()
    {
        var parsed = ModelAnswerParser.Parse("FILE: README.md\n````markdown\n```\nnested\n```\n````\nFILE: README.md\n````\nfinal\n````", Globs, []);

        Assert.Equal(Files(("README.md", "final\n")), parsed.Files);
    }

    [Theory]
    [InlineData("I cannot do this.", "the answer has no fenced code block with a file's content")]
    [InlineData("FILE: solution.py\n```python\ndef f():\n", "the code block opened on line 2 is never closed (was the answer cut off?)")]
    [InlineData("FILE: test_solution.py\n```\nx = 1\n```", "the answer writes 'test_solution.py', which is not an editable file (editable: solution.py)")]
    [InlineData("FILE: ../solution.py\n```\nx = 1\n```", "the answer writes '../solution.py', which is not an editable file (editable: solution.py)")]
    [InlineData("Some text\n```\nx = 1\n```\nand\n```\ny = 2\n```", "no code block in the answer names a file (put the path on the line before each block)")]
    public void A_malformed_answer_gets_a_reason(string answer, string reason)
    {
        var parsed = ModelAnswerParser.Parse(answer, OneFile, OneFile);
        Assert.Equal((reason, 0), (parsed.Error, parsed.Files.Count));
    }

    [Fact]
    public void One_unnamed_block_with_several_editable_files_is_malformed()
    {
        Assert.Equal("the answer's only code block names no file, and the task has 2 editable files",
            ModelAnswerParser.Parse("```\nx\n```", Globs, ["src/A.cs", "src/B.cs"]).Error);
    }
}

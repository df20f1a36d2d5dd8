using Crucible.Agent.Permissions;
using Crucible.Core;

namespace Crucible.Agent.Tests.Permissions;

public sealed class PermissionRuleTests
{
    [Theory]
    [InlineData("bash", "bash", null)]
    [InlineData("Bash(git status*)", "bash", "git status*")]
    [InlineData(" edit( src/** ) ", "edit", "src/**")]
    [InlineData("run_tests", "run_tests", null)]
    public void Parses_tool_and_pattern(string text, string tool, string? pattern)
    {
        var rule = PermissionRule.Parse(text);

        Assert.Equal((tool, pattern), (rule.Tool, rule.Pattern));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bash(")]
    [InlineData("bash()")]
    [InlineData("(src/**)")]
    [InlineData("two words")]
    public void Invalid_rules_are_bad_input_with_a_fix(string text)
    {
        var e = Assert.Throws<BadInputException>(() => PermissionRule.Parse(text));

        Assert.Contains("e.g. \"bash(git status*)\"", e.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edit(src/**)", "write", "src/a/b.cs", true)]
    [InlineData("edit(src/**)", "edit", "tests/a.cs", false)]
    [InlineData("edit(*.md)", "edit", "README.md", true)]
    [InlineData("edit(*.md)", "edit", "docs/a.md", false)]
    [InlineData("read(**/*.env)", "grep", "config/.env", true)]
    [InlineData("read(**/*.env)", "write", "config/.env", false)]
    [InlineData("bash(npm *)", "bash", "npm ci", true)]
    public void Rule_applies_to_its_tool_family_and_matches_subjects(string text, string tool, string subject, bool expected)
    {
        var rule = PermissionRule.Parse(text);

        Assert.Equal(expected, rule.AppliesTo(tool) && rule.MatchesSubject(tool, subject));
    }
}

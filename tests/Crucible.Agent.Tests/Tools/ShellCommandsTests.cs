using Crucible.Agent.Tools;

namespace Crucible.Agent.Tests.Tools;

public sealed class ShellCommandsTests
{
    [Theory]
    [InlineData("git status", new[] { "git status" })]
    [InlineData("a && b || c; d | e & f", new[] { "a", "b", "c", "d", "e", "f" })]
    [InlineData("echo 'a && b' \"c; d\"", new[] { "echo 'a && b' \"c; d\"" })]
    [InlineData("make 2>&1 | tee log", new[] { "make 2>&1", "tee log" })]
    [InlineData("one\ntwo", new[] { "one", "two" })]
    public void Split_finds_the_simple_commands_outside_quotes(string command, string[] expected)
    {
        Assert.Equal(expected, ShellCommands.Split(command));
    }

    [Theory]
    [InlineData("git status", "git status*", true)]
    [InlineData("git   status  --short", "git status*", true)]
    [InlineData("git stash", "git status*", false)]
    [InlineData("npm install left-pad", "npm install*", true)]
    [InlineData("npm i", "npm install*", false)]
    public void Simple_command_matches_a_pattern(string command, string pattern, bool expected)
    {
        Assert.Equal(expected, ShellCommands.MatchesSimple(command, pattern));
    }

    [Theory]
    [InlineData("dotnet test --filter X", "dotnet test*")]
    [InlineData("ls -la", "ls*")]
    [InlineData("python3 script.py", "python3*")]
    [InlineData("git status && rm -rf x", "git status*")]
    public void Suggested_pattern_keeps_the_program_and_subcommand(string command, string expected)
    {
        Assert.Equal(expected, ShellCommands.SuggestPattern(command));
    }
}

using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>The command line as a user meets it: help without errors, and parse errors in the user's words.</summary>
public sealed class CliAppTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-app");
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => _dir.Dispose();

    private async Task<int> RunAsync(params string[] args)
    {
        using var context = new CliContext(TestContexts.Setup(_dir.Path, _out, _err, _dir.Path));
        return await CliApp.RunAsync(args, context);
    }

    [Fact]
    public async Task Bare_crucible_shows_the_help_with_every_command_and_exits_0()
    {
        var code = await RunAsync();

        Assert.Equal((ExitCodes.Ok, ""), (code, _err.ToString()));
        var help = _out.ToString();
        Assert.Contains(CliApp.Description, help, StringComparison.Ordinal);
        Assert.All(["eval", "tasks", "run", "models", "review"], name => Assert.Matches($@"\n  {name}\b", help.ReplaceLineEndings("\n")));
    }

    [Fact]
    public async Task Help_followed_by_a_command_shows_that_commands_help_as_its_help_option_does()
    {
        Assert.Equal(ExitCodes.Ok, await RunAsync("help", "tasks", "check"));
        var viaHelp = _out.ToString();
        _out.GetStringBuilder().Clear();
        Assert.Equal(ExitCodes.Ok, await RunAsync("tasks", "check", "--help"));

        Assert.Equal(_out.ToString(), viaHelp);
        // The root's name is the executable's (crucible, or the test host here).
        Assert.Contains(" tasks check <SUITE> [options]", viaHelp, StringComparison.Ordinal);
        Assert.Equal("", _err.ToString());
    }

    [Theory]
    [InlineData(new[] { "run", "-p", "x", "--model", "m", "--timeout", "abc" }, "'abc' is not a valid value for --timeout: expected a whole number", "see 'crucible run --help'")]
    [InlineData(new[] { "run", "-p", "x", "--model", "m", "--max-cost", "lots" }, "'lots' is not a valid value for --max-cost: expected a number", "see 'crucible run --help'")]
    [InlineData(new[] { "tasks", "check", "suite", "--jobs", "x" }, "'x' is not a valid value for --jobs: expected a whole number", "see 'crucible tasks check --help'")]
    public async Task A_value_of_the_wrong_kind_is_bad_input_naming_the_kind_expected_never_a_dotnet_type(string[] args, string error, string fix)
    {
        var code = await RunAsync(args);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal($"error: {error}\nfix: {fix}\n", _err.ToString().ReplaceLineEndings("\n"));
        Assert.Equal("", _out.ToString());
    }
}

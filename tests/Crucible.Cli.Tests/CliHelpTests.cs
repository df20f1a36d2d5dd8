using System.CommandLine;
using System.Text.RegularExpressions;
using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>Every command's help, as <c>gh</c> and <c>cargo</c> show it: examples, the environment variables it reads, and its defaults.</summary>
public sealed class CliHelpTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-help");

    public void Dispose() => _dir.Dispose();

    /// <summary>Every command of the tree, as the words typed to reach it (empty for <c>crucible</c> itself).</summary>
    private List<string[]> CommandPaths()
    {
        using var context = new CliContext(TestContexts.Setup(_dir.Path, new StringWriter(), new StringWriter(), _dir.Path));
        var paths = new List<string[]>();
        void Walk(Command command, string[] path)
        {
            paths.Add(path);
            foreach (var sub in command.Subcommands)
            {
                Walk(sub, [.. path, sub.Name]);
            }
        }
        Walk(CliApp.Build(context), []);
        return paths;
    }

    private async Task<(int Code, string Out, string Err)> HelpAsync(string[] path)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        using var context = new CliContext(TestContexts.Setup(_dir.Path, output, errors, _dir.Path));
        var code = await CliApp.RunAsync([.. path, "--help"], context);
        return (code, output.ToString().ReplaceLineEndings("\n"), errors.ToString());
    }

    [Fact]
    public async Task Every_commands_help_ends_with_its_own_examples_the_environment_it_reads_and_its_defaults()
    {
        var paths = CommandPaths();
        Assert.Equal(20, paths.Count);
        foreach (var path in paths)
        {
            var (code, help, err) = await HelpAsync(path);
            var name = string.Join(' ', ["crucible", .. path]);

            Assert.Equal((ExitCodes.Ok, ""), (code, err));
            var sections = Regex.Match(help, @"\nExamples:\n(?<examples>(  .+\n)+)\nEnvironment variables:\n(?<environment>(  .+\n)+)\nDefaults:\n(?<defaults>(  .+\n)+)\n?$");
            Assert.True(sections.Success, $"{name} --help has no Examples/Environment variables/Defaults sections:\n{help}");
            var examples = sections.Groups["examples"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("      ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(examples);
            // Each example is a command line of this very command, so it can be copied as it is.
            Assert.All(examples, e => Assert.StartsWith("  " + name, e, StringComparison.Ordinal));
            Assert.Matches(@"^  ([A-Z_]+  .+|none)\n", sections.Groups["environment"].Value);
            Assert.NotEmpty(sections.Groups["defaults"].Value.Trim());
        }
    }

    [Fact]
    public async Task The_help_of_commands_with_state_or_models_names_the_variables_they_read()
    {
        var (_, run, _) = await HelpAsync(["run"]);
        var (_, eval, _) = await HelpAsync(["eval"]);
        var (_, models, _) = await HelpAsync(["models", "check"]);

        Assert.All(new[] { "CRUCIBLE_STATE_DIR", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL" }, v => Assert.Contains($"\n  {v}  ", run, StringComparison.Ordinal));
        Assert.All(new[] { "CRUCIBLE_STATE_DIR", "ANTHROPIC_API_KEY", "CRUCIBLE_CACHE", "NUGET_PACKAGES" }, v => Assert.Contains($"\n  {v}  ", eval, StringComparison.Ordinal));
        Assert.Contains("\n  ANTHROPIC_API_KEY  ", models, StringComparison.Ordinal);
        Assert.DoesNotContain("CRUCIBLE_STATE_DIR  ", models, StringComparison.Ordinal);
        Assert.Contains("model: --model, else the model of the session --continue/--resume picks up, else \"default_model\" in the settings", run, StringComparison.Ordinal);
        Assert.Contains("--state-dir <DIR>", run, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_help_entry_belongs_to_a_command_of_the_tree()
    {
        Assert.Equal(
            CommandPaths().Select(p => string.Join(' ', p)).Order(StringComparer.Ordinal),
            CliHelp.Sections.Keys.Order(StringComparer.Ordinal));
    }
}

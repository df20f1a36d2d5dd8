using System.Text.Json;
using Crucible.Cli.Commands;
using Crucible.Core;
using Crucible.Testing;

namespace Crucible.Cli.Tests;

public sealed class VerifyCommandTests : IDisposable
{
    private readonly TempDirectory _repo = new("verify-cli-repo");
    private readonly TempDirectory _cache = new("verify-cli-cache");
    private readonly StringWriter _out = new();
    private readonly ScriptedTestCommandRunner _runner = new();
    private bool? _noSandboxAsked;

    public VerifyCommandTests()
    {
        TestGit.Run(_repo.Path, "init", "-q");
        _repo.Write("calc.txt", "4");
        _repo.Write("tests/calc.check", "calc::adds calc.txt 4\n");
        _repo.Write(".crucible/settings.json", "{ \"testCommand\": \"run-checks\" }");
        TestGit.Run(_repo.Path, "add", "-A");
        TestGit.Run(_repo.Path, "commit", "-qm", "base");
    }

    public void Dispose()
    {
        _repo.Dispose();
        _cache.Dispose();
    }

    private Task<int> Verify(VerifyCommand.Request request) =>
        VerifyCommand.RunAsync(request, _repo.Path, TestConsoles.Plain(_out), noSandbox =>
        {
            _noSandboxAsked = noSandbox;
            return (_runner, "scripted");
        }, TestContext.Current.CancellationToken, _cache.Path);

    private static VerifyCommand.Request Request(bool json = false, bool strict = false, string? path = null) =>
        new(path, null, null, [], strict, json, NoSandbox: true);

    [Fact]
    public async Task A_verified_change_exits_zero_and_explains_the_verdict()
    {
        _repo.Write("notes.md", "docs only");

        var exit = await Verify(Request());

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.True(_noSandboxAsked);
        var text = _out.ToString();
        Assert.StartsWith("VERIFIED\n", text, StringComparison.Ordinal);
        Assert.Contains("test command: run-checks (base .crucible/settings.json)", text, StringComparison.Ordinal);
        Assert.Contains("1 of 1 base tests pass, test infrastructure unchanged", text, StringComparison.Ordinal);
        Assert.Contains("  run base: 1 passed, 0 failed, 0 skipped of 1; scripted, canaries ok, exit 0, 1.0s\n", text, StringComparison.Ordinal);
        Assert.Contains("  run evidence: 1 passed, 0 failed, 0 skipped of 1; scripted, canaries ok, exit 0, 1.0s\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_test_exits_one_and_json_carries_the_full_verdict()
    {
        _repo.Write("calc.txt", "5");

        var exit = await Verify(Request(json: true));

        Assert.Equal(ExitCodes.Failure, exit);
        var root = JsonDocument.Parse(_out.ToString()).RootElement;
        Assert.Equal(("crucible.verify-verdict", 1, false), (root.GetProperty("schema").GetString(), root.GetProperty("schemaVersion").GetInt32(), root.GetProperty("verified").GetBoolean()));
        Assert.Equal("baseSettings", root.GetProperty("testCommandOrigin").GetString());
        var broken = Assert.Single(root.GetProperty("broken").EnumerateArray());
        Assert.Equal(("calc::adds", "failed"), (broken.GetProperty("id").GetString(), broken.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task Strict_exits_one_when_an_existing_test_is_edited()
    {
        _repo.Write("tests/calc.check", "calc::adds calc.txt 4\ncalc::again calc.txt 4\n");

        Assert.Equal(ExitCodes.Ok, await Verify(Request()));
        Assert.Equal(ExitCodes.Failure, await Verify(Request(strict: true)));
        Assert.Contains("--strict: existing test file modified: tests/calc.check", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_a_repository_it_is_bad_input_and_no_runner_is_made()
    {
        using var plain = new TempDirectory("not-a-repo");

        var e = await Assert.ThrowsAsync<BadInputException>(() => Verify(Request(path: plain.Path)));

        Assert.Equal("run crucible verify inside a git repository, or pass its folder as PATH", e.Fix);
        Assert.Null(_noSandboxAsked);
    }
}

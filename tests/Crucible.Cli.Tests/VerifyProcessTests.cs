using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>
/// <c>crucible verify</c> as a user runs it: the real executable, the real test-command runner, bubblewrap, pytest and
/// git, on a small Python repository whose base has a bug and a failing test.
/// </summary>
public sealed class VerifyProcessTests : IDisposable
{
    private readonly TempDirectory _repo = new("verify-process-repo");

    public VerifyProcessTests()
    {
        TestGit.Run(_repo.Path, "init", "-q");
        _repo.Write("calc.py", "def add(a, b):\n    return a - b\n");
        _repo.Write("tests/test_calc.py", "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n");
        _repo.Write("pytest.ini", "[pytest]\npythonpath = .\n");
        TestGit.Run(_repo.Path, "add", "-A");
        TestGit.Run(_repo.Path, "commit", "-qm", "base with a bug");
    }

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task An_honest_fix_is_verified_with_real_counts_and_the_previously_failing_test_reported_fixed()
    {
        _repo.Write("calc.py", "def add(a, b):\n    return a + b\n");

        var r = await CliProcess.RunAsync(_repo.Path, "verify");

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.StartsWith("VERIFIED\n", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("tests/test_calc.py::test_add", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("fixed (1):", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("junit-xml, canaries ok", r.Stdout, StringComparison.Ordinal);
        // Verification ran on copies: nothing was built in the user's tree.
        Assert.Equal(["calc.py", "pytest.ini", "tests/test_calc.py"], ListFiles());
    }

    [Fact]
    public async Task A_conftest_that_skips_every_test_is_not_verified_and_strict_names_the_infrastructure_change()
    {
        _repo.Write("conftest.py", "import pytest\n\n\ndef pytest_collection_modifyitems(items):\n    for item in items:\n        item.add_marker(pytest.mark.skip(reason='later'))\n");

        var r = await CliProcess.RunAsync(_repo.Path, "verify", "--strict");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("NOT VERIFIED\n", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("added conftest.py: infrastructure", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_a_git_repository_verify_is_bad_input_with_a_fix()
    {
        using var plain = new TempDirectory("verify-not-git");

        var r = await CliProcess.RunAsync(plain.Path, "verify");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error:", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("fix:", r.Stderr, StringComparison.Ordinal);
    }

    private List<string> ListFiles() =>
        [.. Directory.EnumerateFiles(_repo.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_repo.Path, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
}

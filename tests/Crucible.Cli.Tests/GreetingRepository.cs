using Crucible.Testing;

namespace Crucible.Cli.Tests;

/// <summary>
/// A git repository whose one pytest test passes only when <c>greeting.txt</c> holds a given greeting: what
/// <c>crucible run</c>'s verification (the real <c>RepositoryVerifier</c> and test-command runner) judges in the CLI tests.
/// </summary>
internal static class GreetingRepository
{
    /// <summary>The repository's test command (Debian's python3, which has pytest; no cache folder).</summary>
    public const string TestCommand = "/usr/bin/python3 -m pytest -p no:cacheprovider -q tests";

    /// <summary>The pytest node id of the test.</summary>
    public const string TestId = "tests/test_greeting.py::test_greeting";

    /// <summary>Writes the test into <paramref name="repo"/>, then <c>git init</c> and, unless <paramref name="commit"/> is false, a first commit.</summary>
    public static void Create(TempDirectory repo, string greeting, bool commit = true)
    {
        repo.Write("tests/test_greeting.py",
            "import pathlib\n\n" +
            "def test_greeting():\n" +
            $"    assert pathlib.Path('greeting.txt').read_text().strip() == '{greeting}'\n");
        TestGit.Run(repo.Path, "init", "-q");
        if (commit)
        {
            TestGit.Run(repo.Path, "add", "-A");
            TestGit.Run(repo.Path, "commit", "-qm", "start");
        }
    }
}

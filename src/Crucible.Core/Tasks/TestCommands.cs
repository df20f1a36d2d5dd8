namespace Crucible.Core.Tasks;

/// <summary>Guesses a repository's test command from the build files of a tree (the first rule that fits wins).</summary>
public static class TestCommands
{
    /// <summary>The usual test command for the tree at <paramref name="root"/>, or null when nothing is recognised.</summary>
    /// <remarks>
    /// Rules, in order: a <c>.sln</c>/<c>.slnx</c> or a <c>*.csproj</c> at the root → <c>dotnet test</c>;
    /// <c>go.mod</c> → <c>go test ./...</c>; <c>pyproject.toml</c>, <c>pytest.ini</c>, <c>setup.cfg</c>, <c>tox.ini</c> or
    /// <c>setup.py</c> at the root, or any Python test file (<see cref="TestConvention"/>) → <c>python3 -m pytest -q</c>;
    /// <c>package.json</c> with a <c>test</c> script → <c>npm test</c>; <c>Cargo.toml</c> → <c>cargo test</c>.
    /// </remarks>
    public static string? Detect(string root)
    {
        if (!Directory.Exists(root))
        {
            return null;
        }
        bool Has(string pattern) => Directory.EnumerateFiles(root, pattern, SearchOption.TopDirectoryOnly).Any();
        if (Has("*.sln") || Has("*.slnx") || Has("*.csproj"))
        {
            return "dotnet test";
        }
        if (Has("go.mod"))
        {
            return "go test ./...";
        }
        if (Has("pyproject.toml") || Has("pytest.ini") || Has("setup.cfg") || Has("tox.ini") || Has("setup.py")
            || TestConvention.Scan(root).Any(f => f.Path.EndsWith(".py", StringComparison.Ordinal)))
        {
            return "python3 -m pytest -q";
        }
        if (Has("package.json") && File.ReadAllText(Path.Combine(root, "package.json")).Contains("\"test\"", StringComparison.Ordinal))
        {
            return "npm test";
        }
        return Has("Cargo.toml") ? "cargo test" : null;
    }
}

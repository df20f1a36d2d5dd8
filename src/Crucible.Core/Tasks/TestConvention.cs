using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Crucible.Core.Tasks;

/// <summary>What a repository file is to its tests.</summary>
public enum TestFileRole
{
    /// <summary>Code or data under test; anything that is neither of the other two.</summary>
    Source,
    /// <summary>A test, or a fixture only the tests read (<c>tests/</c>, <c>testdata/</c>, <c>*_test.go</c>, <c>test_*.py</c>, ...).</summary>
    Test,
    /// <summary>
    /// A file that decides which tests run and how: test configuration, test projects, solution and
    /// build-wide MSBuild files, pytest plugins and <c>conftest.py</c>, the scripts the test command runs.
    /// </summary>
    Infrastructure,
}

/// <summary>The role of one file and why.</summary>
/// <param name="Role">Source, test or test infrastructure.</param>
/// <param name="Reason">The rule that decided, in words (e.g. <c>pytest conftest</c>).</param>
public sealed record TestFileClassification(TestFileRole Role, string Reason)
{
    /// <summary>True for tests and test infrastructure: the files a change may not quietly alter.</summary>
    public bool IsProtected => Role != TestFileRole.Source;
}

/// <summary>One classified file of a tree.</summary>
/// <param name="Path">Tree-relative path with forward slashes.</param>
/// <param name="Role">Its role.</param>
/// <param name="Reason">The rule that decided.</param>
public sealed record ClassifiedFile(string Path, TestFileRole Role, string Reason);

/// <summary>Limits of <see cref="TestConvention"/> when it reads a tree.</summary>
public sealed record TestConventionOptions
{
    /// <summary>The defaults.</summary>
    public static TestConventionOptions Default { get; } = new();

    /// <summary>
    /// Folder names never walked: version control, Crucible's own records, build outputs and installed
    /// dependencies. Default: <c>.git</c>, <c>.crucible</c>, <c>bin</c>, <c>obj</c>, <c>node_modules</c>,
    /// <c>.venv</c>, <c>__pycache__</c>.
    /// </summary>
    public IReadOnlyList<string> SkippedFolders { get; init; } = [".git", ".crucible", "bin", "obj", "node_modules", ".venv", "__pycache__"];

    /// <summary>Configuration files larger than this are classified by name only (their content is not read). Default: 1 MiB.</summary>
    public long MaxContentBytes { get; init; } = 1 << 20;
}

/// <summary>
/// The one definition of which files of a repository are tests and which decide what tests run and how.
/// The permission gate, the session snapshot, <c>crucible verify</c> and the constitution's checks all ask it.
/// </summary>
/// <remarks>
/// Rules, first match wins:
/// <list type="number">
/// <item>Files the repository wires into its test run (<see cref="ForTree"/>): script files named in the test
/// command, the Makefile when it runs <c>make</c>, <c>tox.ini</c>/<c>noxfile.py</c> for <c>tox</c>/<c>nox</c>, files named by
/// <c>package.json</c> test scripts, and pytest plugin modules registered by the repository (<c>pytest_plugins</c> in
/// conftest files, <c>-p NAME</c> in <c>addopts</c> or the command, <c>pytest11</c> entry points) → infrastructure.</item>
/// <item>By name → infrastructure: <c>conftest.py</c>, <c>pytest.ini</c>, <c>sitecustomize.py</c>, <c>usercustomize.py</c>, <c>*.pth</c>,
/// solution files, <c>Directory.Build.props/.targets</c>, <c>*.runsettings</c>, <c>xunit.runner.json</c>, <c>go.work</c>,
/// jest/vitest/mocha/karma/playwright configs, <c>.crucible/settings.json</c> (it names the test command).</item>
/// <item>By content → infrastructure: <c>pyproject.toml</c>, <c>setup.cfg</c>, <c>tox.ini</c>, <c>setup.py</c> with pytest
/// configuration or <c>pytest11</c> entry points; a project file referencing a test SDK or framework or setting
/// <c>IsTestProject</c>; a <c>package.json</c> with test scripts or jest/mocha/ava/vitest configuration; a <c>_test.go</c> file
/// defining <c>TestMain</c>. In a change (<see cref="ClassifyChange"/>) these count only when their test part changed,
/// plus: a <c>go.mod</c> added, deleted or with a changed <c>module</c> line (it changes which packages are tested) and a
/// <c>_test.go</c> whose build constraints changed.</item>
/// <item>By name → test: <c>tests/</c>, <c>test/</c>, <c>__tests__/</c> and <c>testdata/</c> folders at any depth, <c>*Tests.cs</c>,
/// <c>*Test.cs</c>, <c>test_*.py</c>, <c>*_test.py</c>, <c>*_test.go</c>, <c>*.test.*</c>, <c>*.spec.*</c>, <c>*Test.java</c>, <c>*Tests.java</c>.</item>
/// <item>Anything else → source.</item>
/// </list>
/// </remarks>
public sealed partial class TestConvention
{
    /// <summary>Globs (<see cref="PathGlob"/>) of the name rules that make a file a test.</summary>
    public static IReadOnlyList<string> TestPatterns { get; } =
    [
        "**/*Tests.cs", "**/*Test.cs", "**/tests/**", "**/test/**", "**/__tests__/**", "**/testdata/**",
        "**/test_*.py", "**/*_test.py", "**/*_test.go", "**/*.test.*", "**/*.spec.*",
        "**/*Test.java", "**/*Tests.java",
    ];

    /// <summary>Globs (<see cref="PathGlob"/>) of the name rules that make a file test infrastructure, whatever it contains.</summary>
    public static IReadOnlyList<string> InfrastructurePatterns { get; } =
    [
        "**/conftest.py", "**/pytest.ini", "**/.pytest.ini", "**/sitecustomize.py", "**/usercustomize.py", "**/*.pth",
        "**/*.sln", "**/*.slnx", "**/*.slnf", "**/Directory.Build.props", "**/Directory.Build.targets", "**/*.runsettings", "**/xunit.runner.json",
        "**/go.work",
        "**/jest.config.*", "**/jest.setup.*", "**/vitest.config.*", "**/vitest.workspace.*", "**/vitest.setup.*", "**/.mocharc.*",
        "**/karma.conf.*", "**/playwright.config.*", "**/ava.config.*",
        ".crucible/settings.json",
    ];

    private static readonly (PathGlob Glob, string Reason)[] InfrastructureRules =
    [
        .. new[] { "**/conftest.py" }.Select(p => (new PathGlob(p), "pytest conftest: fixtures, hooks and plugins for the tests below it")),
        .. new[] { "**/pytest.ini", "**/.pytest.ini" }.Select(p => (new PathGlob(p), "pytest configuration")),
        .. new[] { "**/sitecustomize.py", "**/usercustomize.py", "**/*.pth" }.Select(p => (new PathGlob(p), "runs at Python start-up, before any test")),
        .. new[] { "**/*.sln", "**/*.slnx", "**/*.slnf" }.Select(p => (new PathGlob(p), ".NET solution: decides which projects are built and tested")),
        .. new[] { "**/Directory.Build.props", "**/Directory.Build.targets" }.Select(p => (new PathGlob(p), "MSBuild file imported by every project below it")),
        .. new[] { "**/*.runsettings", "**/xunit.runner.json" }.Select(p => (new PathGlob(p), ".NET test run settings")),
        (new PathGlob("**/go.work"), "Go workspace: decides which modules are tested"),
        .. new[] { "**/jest.config.*", "**/jest.setup.*", "**/vitest.config.*", "**/vitest.workspace.*", "**/vitest.setup.*", "**/.mocharc.*", "**/karma.conf.*", "**/playwright.config.*", "**/ava.config.*" }
            .Select(p => (new PathGlob(p), "JavaScript test runner configuration")),
        (new PathGlob(".crucible/settings.json"), "Crucible settings: names the test command"),
    ];

    private static readonly PathGlob[] TestGlobs = TestPatterns.Select(p => new PathGlob(p)).ToArray();

    private static readonly string[] TestFrameworkMarkers =
        ["Microsoft.NET.Test.Sdk", "xunit", "NUnit", "MSTest", "TUnit", "<IsTestProject>true</IsTestProject>", "Microsoft.Testing.Platform"];

    private readonly IReadOnlyDictionary<string, string> _wired;

    private TestConvention(IReadOnlyDictionary<string, string> wired) => _wired = wired;

    /// <summary>The convention without knowledge of a tree: name and content rules only.</summary>
    public static TestConvention Default { get; } = new(new Dictionary<string, string>());

    /// <summary>Files this convention knows are wired into the test run (tree-relative path → reason), sorted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> WiredFiles => _wired.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The convention of the tree at <paramref name="root"/>: reads its test configuration and conftest files
    /// to find the pytest plugins the repository registers, and <paramref name="testCommand"/> to find the
    /// scripts and make files it runs.
    /// </summary>
    /// <param name="root">The tree's root folder.</param>
    /// <param name="testCommand">The test command, when known.</param>
    /// <param name="files">The tree's files (relative); null walks <paramref name="root"/> (<see cref="ListFiles"/>).</param>
    /// <param name="options">Limits; default <see cref="TestConventionOptions.Default"/>.</param>
    public static TestConvention ForTree(string root, string? testCommand = null, IEnumerable<string>? files = null, TestConventionOptions? options = null)
    {
        options ??= TestConventionOptions.Default;
        var all = (files ?? ListFiles(root, options)).Select(PathGlob.Normalize).ToHashSet(StringComparer.Ordinal);
        var wired = new Dictionary<string, string>(StringComparer.Ordinal);
        void Wire(string path, string reason)
        {
            path = PathGlob.Normalize(path);
            if (all.Contains(path))
            {
                wired.TryAdd(path, reason);
            }
        }
        string? Read(string rel) => ReadText(Path.Combine(root, rel), options);

        var plugins = new List<(string Module, string Why)>();
        foreach (var rel in all.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(rel);
            switch (name)
            {
                case "conftest.py":
                    foreach (var m in PytestPluginsVariable(Read(rel)))
                    {
                        plugins.Add((m, $"pytest plugin registered by pytest_plugins in {rel}"));
                    }
                    break;
                case "pytest.ini" or ".pytest.ini" or "pyproject.toml" or "setup.cfg" or "tox.ini" or "setup.py":
                    var text = Read(rel);
                    foreach (var m in AddoptsPlugins(PytestSection(name, text)))
                    {
                        plugins.Add((m, $"pytest plugin loaded by -p in {rel}"));
                    }
                    foreach (var m in EntryPointPlugins(name, text))
                    {
                        plugins.Add((m, $"pytest plugin registered as a pytest11 entry point in {rel}"));
                    }
                    break;
            }
        }

        if (testCommand is not null)
        {
            var tokens = CommandTokens(testCommand);
            for (var i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i];
                Wire(t, $"run by the test command `{testCommand}`");
                if (t == "-p" && i + 1 < tokens.Count)
                {
                    plugins.Add((tokens[i + 1], $"pytest plugin loaded by -p in the test command `{testCommand}`"));
                }
                else if (t.StartsWith("-p", StringComparison.Ordinal) && t.Length > 2 && !t.StartsWith("-p=", StringComparison.Ordinal))
                {
                    plugins.Add((t[2..], $"pytest plugin loaded by -p in the test command `{testCommand}`"));
                }
                var program = Path.GetFileName(t);
                if (program is "make" or "gmake")
                {
                    var dir = i + 2 < tokens.Count && tokens[i + 1] == "-C" ? tokens[i + 2].TrimEnd('/') + "/" : "";
                    foreach (var mk in new[] { "GNUmakefile", "makefile", "Makefile" })
                    {
                        Wire(dir + mk, $"make file run by the test command `{testCommand}`");
                    }
                }
                else if (program == "tox")
                {
                    Wire("tox.ini", $"tox configuration run by the test command `{testCommand}`");
                }
                else if (program == "nox")
                {
                    Wire("noxfile.py", $"nox sessions run by the test command `{testCommand}`");
                }
                else if (program is "npm" or "yarn" or "pnpm" or "bun")
                {
                    foreach (var script in PackageTestScripts(Read("package.json")))
                    {
                        foreach (var st in CommandTokens(script))
                        {
                            Wire(st, $"run by the package.json test script `{script}`");
                        }
                    }
                }
            }
        }

        foreach (var (module, why) in plugins.Where(p => !p.Module.StartsWith("no:", StringComparison.Ordinal)))
        {
            var asPath = module.Replace('.', '/');
            foreach (var candidate in new[] { asPath + ".py", asPath + "/__init__.py", "src/" + asPath + ".py", "src/" + asPath + "/__init__.py" })
            {
                Wire(candidate, why);
            }
        }
        return new TestConvention(wired);
    }

    /// <summary>
    /// The files of the tree at <paramref name="root"/> that are tests or test infrastructure, sorted by path.
    /// Content rules read the files they need.
    /// </summary>
    /// <param name="root">The tree's root folder.</param>
    /// <param name="files">The tree's files (relative); null walks <paramref name="root"/> (<see cref="ListFiles"/>).</param>
    /// <param name="testCommand">The test command, when known (see <see cref="ForTree"/>).</param>
    /// <param name="options">Limits; default <see cref="TestConventionOptions.Default"/>.</param>
    public static IReadOnlyList<ClassifiedFile> Scan(string root, IEnumerable<string>? files = null, string? testCommand = null, TestConventionOptions? options = null)
    {
        options ??= TestConventionOptions.Default;
        var list = (files ?? ListFiles(root, options)).Select(PathGlob.Normalize).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var convention = ForTree(root, testCommand, list, options);
        var found = new List<ClassifiedFile>();
        foreach (var rel in list)
        {
            var c = convention.Classify(rel, ReadsContent(rel) ? ReadText(Path.Combine(root, rel), options) : null);
            if (c.IsProtected)
            {
                found.Add(new ClassifiedFile(rel, c.Role, c.Reason));
            }
        }
        return found;
    }

    /// <summary>
    /// Regular files under <paramref name="root"/> (relative, forward slashes, sorted), skipping
    /// <see cref="TestConventionOptions.SkippedFolders"/> and symbolic links.
    /// </summary>
    public static IReadOnlyList<string> ListFiles(string root, TestConventionOptions? options = null)
    {
        options ??= TestConventionOptions.Default;
        var skipped = options.SkippedFolders.ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var dir))
        {
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                if (!skipped.Contains(Path.GetFileName(sub)) && new DirectoryInfo(sub).LinkTarget is null)
                {
                    pending.Push(sub);
                }
            }
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                if (new FileInfo(file).LinkTarget is null)
                {
                    found.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
                }
            }
        }
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>True when the content rules may need the text of <paramref name="path"/> (callers can skip reading other files).</summary>
    public static bool ReadsContent(string path)
    {
        var name = Path.GetFileName(path);
        return name is "pyproject.toml" or "setup.cfg" or "tox.ini" or "setup.py" or "package.json" or "go.mod"
            || name.EndsWith("_test.go", StringComparison.Ordinal) || IsProjectFile(name);
    }

    /// <summary>
    /// The role of the file at <paramref name="path"/> (tree-relative) as it stands. <paramref name="content"/>
    /// feeds the content rules; null classifies by name (and by this tree's wiring) only.
    /// </summary>
    public TestFileClassification Classify(string path, string? content = null)
    {
        path = PathGlob.Normalize(path);
        if (_wired.TryGetValue(path, out var wiredReason))
        {
            return new(TestFileRole.Infrastructure, wiredReason);
        }
        foreach (var (glob, reason) in InfrastructureRules)
        {
            if (glob.IsMatch(path))
            {
                return new(TestFileRole.Infrastructure, reason);
            }
        }
        if (content is not null && ContentInfrastructure(path, content) is { } why)
        {
            return new(TestFileRole.Infrastructure, why);
        }
        return ClassifyByTestName(path);
    }

    /// <summary>
    /// The role of a change to <paramref name="path"/>: <paramref name="before"/> and <paramref name="after"/> are
    /// its texts on each side, null where the file does not exist (added or deleted). A file whose test part did
    /// not change (a <c>pyproject.toml</c> with only new dependencies, a <c>go.mod</c> with the same <c>module</c>
    /// line) is source for this change even when <see cref="Classify"/> protects it.
    /// </summary>
    public TestFileClassification ClassifyChange(string path, string? before, string? after)
    {
        path = PathGlob.Normalize(path);
        var name = Path.GetFileName(path);
        if (_wired.ContainsKey(path) || InfrastructureRules.Any(r => r.Glob.IsMatch(path)))
        {
            return Classify(path);
        }
        if (name == "go.mod")
        {
            if (before is null || after is null)
            {
                return new(TestFileRole.Infrastructure, $"go.mod {(before is null ? "added" : "deleted")}: changes which packages are tested");
            }
            return GoModule(before) == GoModule(after)
                ? new(TestFileRole.Source, "go.mod with the same module line")
                : new(TestFileRole.Infrastructure, "go.mod module line changed: changes which packages are tested");
        }
        if (name.EndsWith("_test.go", StringComparison.Ordinal))
        {
            if (HasTestMain(before) || HasTestMain(after))
            {
                return new(TestFileRole.Infrastructure, "Go test file defining TestMain: controls the whole test binary");
            }
            if (before is not null && after is not null && GoBuildConstraints(before) != GoBuildConstraints(after))
            {
                return new(TestFileRole.Infrastructure, "Go test file with changed build constraints: changes which tests are compiled");
            }
            return ClassifyByTestName(path);
        }
        if (name is "pyproject.toml" or "setup.cfg" or "tox.ini" or "setup.py" or "package.json")
        {
            var b = TestPart(name, before);
            var a = TestPart(name, after);
            if (b != a)
            {
                return new(TestFileRole.Infrastructure, (ContentInfrastructure(path, after ?? "") ?? ContentInfrastructure(path, before ?? "")) + ": its test part changed");
            }
            return ClassifyByTestName(path) is { Role: TestFileRole.Test } t ? t : new(TestFileRole.Source, $"{name} changed outside its test configuration");
        }
        var sides = new[] { before, after }.Where(s => s is not null).Select(s => Classify(path, s)).ToList();
        return sides.FirstOrDefault(c => c.Role == TestFileRole.Infrastructure) ?? sides.FirstOrDefault() ?? Classify(path);
    }

    private static TestFileClassification ClassifyByTestName(string path)
    {
        foreach (var glob in TestGlobs)
        {
            if (glob.IsMatch(path))
            {
                return new(TestFileRole.Test, $"test by name ({glob.Pattern})");
            }
        }
        return new(TestFileRole.Source, "not a test by name or content");
    }

    private static string? ContentInfrastructure(string path, string content)
    {
        var name = Path.GetFileName(path);
        if (IsProjectFile(name))
        {
            return TestFrameworkMarkers.Any(m => content.Contains(m, StringComparison.OrdinalIgnoreCase)) ? "test project: references a test SDK or framework" : null;
        }
        if (name.EndsWith("_test.go", StringComparison.Ordinal))
        {
            return HasTestMain(content) ? "Go test file defining TestMain: controls the whole test binary" : null;
        }
        return name switch
        {
            "pyproject.toml" or "setup.cfg" or "tox.ini" or "setup.py" when TestPart(name, content).Length > 0 => $"{name} with pytest configuration or pytest plugin entry points",
            "package.json" when TestPart(name, content).Length > 0 => "package.json with test scripts or test runner configuration",
            _ => null,
        };
    }

    private static bool IsProjectFile(string name) =>
        name.EndsWith(".csproj", StringComparison.Ordinal) || name.EndsWith(".fsproj", StringComparison.Ordinal) || name.EndsWith(".vbproj", StringComparison.Ordinal);

    /// <summary>The parts of a configuration file that configure tests, as one string ("" when none).</summary>
    private static string TestPart(string name, string? content)
    {
        if (content is null)
        {
            return "";
        }
        if (name == "setup.py")
        {
            return content.Contains("pytest11", StringComparison.Ordinal) ? content : "";
        }
        if (name == "package.json")
        {
            return PackageTestPart(content);
        }
        return PytestSection(name, content) + EntryPointSection(name, content);
    }

    private static string PytestSection(string name, string? content) => content is null ? "" : name switch
    {
        "pytest.ini" or ".pytest.ini" => string.Join('\n', IniSections(content).Where(s => s.Header == "pytest").Select(s => s.Body)),
        "pyproject.toml" => string.Join('\n', IniSections(content).Where(s => s.Header == "tool.pytest" || s.Header.StartsWith("tool.pytest.", StringComparison.Ordinal)).Select(s => s.Header + "\n" + s.Body)),
        "setup.cfg" => string.Join('\n', IniSections(content).Where(s => s.Header == "tool:pytest").Select(s => s.Body)),
        "tox.ini" => string.Join('\n', IniSections(content).Where(s => s.Header == "pytest").Select(s => s.Body)),
        _ => "",
    };

    private static string EntryPointSection(string name, string content) => name switch
    {
        "pyproject.toml" => string.Join('\n', IniSections(content).Where(s => s.Header.Contains("pytest11", StringComparison.Ordinal)).Select(s => s.Header + "\n" + s.Body)),
        "setup.cfg" => string.Join('\n', IniSections(content).Where(s => s.Header == "options.entry_points" && s.Body.Contains("pytest11", StringComparison.Ordinal)).Select(s => s.Body)),
        _ => "",
    };

    private static IEnumerable<string> EntryPointPlugins(string name, string? content)
    {
        if (content is null)
        {
            return [];
        }
        var matches = name == "setup.py" ? SetupPyEntryPoint().Matches(TestPart(name, content)) : EntryPointTarget().Matches(EntryPointSection(name, content));
        return matches.Select(m => m.Groups[1].Value);
    }

    private static IEnumerable<string> AddoptsPlugins(string section) =>
        AddoptsPlugin().Matches(section).Select(m => m.Groups[1].Value);

    private static IEnumerable<string> PytestPluginsVariable(string? conftest)
    {
        if (conftest is null)
        {
            return [];
        }
        return PytestPluginsAssignment().Matches(conftest)
            .SelectMany(m => QuotedName().Matches(m.Groups[1].Value).Select(q => q.Groups[1].Value));
    }

    /// <summary>Sections of an INI or TOML file: header (without brackets, quotes removed) and body lines.</summary>
    private static IEnumerable<(string Header, string Body)> IniSections(string content)
    {
        string? header = null;
        var body = new StringBuilder();
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']') && !line.StartsWith("[[", StringComparison.Ordinal))
            {
                if (header is not null)
                {
                    yield return (header, body.ToString());
                }
                header = line[1..^1].Trim().Replace("\"", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal);
                body.Clear();
            }
            else if (header is not null && line.Length > 0 && !line.StartsWith('#') && !line.StartsWith(';'))
            {
                body.Append(line).Append('\n');
            }
        }
        if (header is not null)
        {
            yield return (header, body.ToString());
        }
    }

    private static string PackageTestPart(string content)
    {
        try
        {
            using var doc = JsonDocument.Parse(content, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "";
            }
            var sb = new StringBuilder();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name is "jest" or "mocha" or "ava" or "vitest")
                {
                    sb.Append(p.Name).Append('=').Append(p.Value.GetRawText()).Append('\n');
                }
                else if (p.Name == "scripts" && p.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var s in p.Value.EnumerateObject().Where(s => IsTestScript(s.Name)))
                    {
                        sb.Append("scripts.").Append(s.Name).Append('=').Append(s.Value.GetRawText()).Append('\n');
                    }
                }
            }
            return sb.ToString();
        }
        catch (JsonException)
        {
            // Unparseable: treat the whole file as its test part, so any change to it counts.
            return content;
        }
    }

    private static bool IsTestScript(string name) =>
        name.StartsWith("test", StringComparison.Ordinal) || name.StartsWith("pretest", StringComparison.Ordinal) || name.StartsWith("posttest", StringComparison.Ordinal);

    private static IEnumerable<string> PackageTestScripts(string? packageJson)
    {
        if (packageJson is null)
        {
            yield break;
        }
        foreach (var line in PackageTestPart(packageJson).Split('\n'))
        {
            if (line.StartsWith("scripts.", StringComparison.Ordinal) && line.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                string? script = null;
                try
                {
                    script = JsonSerializer.Deserialize<string>(line[(eq + 1)..]);
                }
                catch (JsonException)
                {
                }
                if (script is not null)
                {
                    yield return script;
                }
            }
        }
    }

    private static List<string> CommandTokens(string command) =>
        ShellSeparators().Split(command)
            .Select(t => PathGlob.Normalize(t.Trim('"', '\'')))
            .Where(t => t.Length > 0)
            .ToList();

    private static string? GoModule(string goMod) =>
        goMod.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("module ", StringComparison.Ordinal) || l.StartsWith("module\t", StringComparison.Ordinal));

    private static bool HasTestMain(string? goFile) => goFile is not null && TestMainFunc().IsMatch(goFile);

    private static string GoBuildConstraints(string goFile) =>
        string.Join('\n', goFile.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("//go:build", StringComparison.Ordinal) || l.StartsWith("// +build", StringComparison.Ordinal)));

    private static string? ReadText(string path, TestConventionOptions options)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.LinkTarget is null && info.Length <= options.MaxContentBytes ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"[\s;&|()<>`]+")]
    private static partial Regex ShellSeparators();

    [GeneratedRegex(@"^\s*func\s+TestMain\s*\(", RegexOptions.Multiline)]
    private static partial Regex TestMainFunc();

    [GeneratedRegex(@"(?:^|\s|=|"")-p\s*([A-Za-z_][\w.]*)", RegexOptions.Multiline)]
    private static partial Regex AddoptsPlugin();

    [GeneratedRegex(@"=\s*[""']?([A-Za-z_][\w.]*)")]
    private static partial Regex EntryPointTarget();

    [GeneratedRegex(@"[""']\s*[\w.-]+\s*=\s*([A-Za-z_][\w.]*)")]
    private static partial Regex SetupPyEntryPoint();

    [GeneratedRegex(@"^\s*pytest_plugins\s*(?::[^=]*)?=\s*(\[[^\]]*\]|\([^)]*\)|[""'][^""']*[""'])", RegexOptions.Multiline)]
    private static partial Regex PytestPluginsAssignment();

    [GeneratedRegex(@"[""']([A-Za-z_][\w.]*)[""']")]
    private static partial Regex QuotedName();
}

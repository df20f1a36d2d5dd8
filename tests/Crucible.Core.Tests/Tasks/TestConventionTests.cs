using Crucible.Core.Tasks;
using Crucible.Testing;

namespace Crucible.Core.Tests.Tasks;

public sealed class TestConventionTests
{
    [Theory]
    [InlineData("tests/CalcTests.cs", TestFileRole.Test)]
    [InlineData("src/ParserTest.cs", TestFileRole.Test)]
    [InlineData("tests/helpers/data.json", TestFileRole.Test)]
    [InlineData("pkg/testdata/input.txt", TestFileRole.Test)]
    [InlineData("py/test_calc.py", TestFileRole.Test)]
    [InlineData("py/calc_test.py", TestFileRole.Test)]
    [InlineData("go/calc_test.go", TestFileRole.Test)]
    [InlineData("web/app.test.ts", TestFileRole.Test)]
    [InlineData("web/app.spec.js", TestFileRole.Test)]
    [InlineData("web/__tests__/app.js", TestFileRole.Test)]
    [InlineData("src/test/java/CalcTest.java", TestFileRole.Test)]
    [InlineData("py/conftest.py", TestFileRole.Infrastructure)]
    [InlineData("tests/conftest.py", TestFileRole.Infrastructure)]
    [InlineData("pytest.ini", TestFileRole.Infrastructure)]
    [InlineData("sitecustomize.py", TestFileRole.Infrastructure)]
    [InlineData("lib/usercustomize.py", TestFileRole.Infrastructure)]
    [InlineData("evil.pth", TestFileRole.Infrastructure)]
    [InlineData("App.sln", TestFileRole.Infrastructure)]
    [InlineData("App.slnx", TestFileRole.Infrastructure)]
    [InlineData("tests/Directory.Build.props", TestFileRole.Infrastructure)]
    [InlineData("Directory.Build.targets", TestFileRole.Infrastructure)]
    [InlineData("ci.runsettings", TestFileRole.Infrastructure)]
    [InlineData("go.work", TestFileRole.Infrastructure)]
    [InlineData("jest.config.js", TestFileRole.Infrastructure)]
    [InlineData("vitest.config.ts", TestFileRole.Infrastructure)]
    [InlineData(".crucible/settings.json", TestFileRole.Infrastructure)]
    [InlineData("src/Calc.cs", TestFileRole.Source)]
    [InlineData("src/Testing.cs", TestFileRole.Source)]
    [InlineData("calc.py", TestFileRole.Source)]
    [InlineData("go.mod", TestFileRole.Source)]
    [InlineData("pyproject.toml", TestFileRole.Source)]
    [InlineData("README.md", TestFileRole.Source)]
    public void Names_decide_the_role_without_content(string path, TestFileRole role)
    {
        Assert.Equal(role, TestConvention.Default.Classify(path).Role);
    }

    [Theory]
    [InlineData("pyproject.toml", "[project]\nname = \"x\"\n\n[tool.pytest.ini_options]\naddopts = \"-q\"\n", TestFileRole.Infrastructure)]
    [InlineData("pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"requests\"]\n", TestFileRole.Source)]
    [InlineData("pyproject.toml", "[project.entry-points.pytest11]\nmine = \"pkg.plugin\"\n", TestFileRole.Infrastructure)]
    [InlineData("setup.cfg", "[metadata]\nname = x\n[tool:pytest]\ntestpaths = tests\n", TestFileRole.Infrastructure)]
    [InlineData("setup.cfg", "[metadata]\nname = x\n", TestFileRole.Source)]
    [InlineData("tox.ini", "[pytest]\naddopts = -q\n", TestFileRole.Infrastructure)]
    [InlineData("tox.ini", "[tox]\nenvlist = py3\n", TestFileRole.Source)]
    [InlineData("setup.py", "setup(entry_points={'pytest11': ['mine = pkg.plugin']})", TestFileRole.Infrastructure)]
    [InlineData("src/App/App.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>", TestFileRole.Source)]
    [InlineData("src/App.Tests/App.Tests.csproj", "<Project><ItemGroup><PackageReference Include=\"Microsoft.NET.Test.Sdk\" /></ItemGroup></Project>", TestFileRole.Infrastructure)]
    [InlineData("Checks.csproj", "<Project><PropertyGroup><IsTestProject>true</IsTestProject></PropertyGroup></Project>", TestFileRole.Infrastructure)]
    [InlineData("pkg/main_test.go", "package pkg\n\nfunc TestMain(m *testing.M) { os.Exit(0) }\n", TestFileRole.Infrastructure)]
    [InlineData("pkg/calc_test.go", "package pkg\n\nfunc TestAdd(t *testing.T) {}\n", TestFileRole.Test)]
    [InlineData("package.json", "{\"name\":\"x\",\"scripts\":{\"test\":\"jest\"}}", TestFileRole.Infrastructure)]
    [InlineData("package.json", "{\"name\":\"x\",\"dependencies\":{\"a\":\"1\"}}", TestFileRole.Source)]
    public void Configuration_files_are_infrastructure_only_when_they_configure_tests(string path, string content, TestFileRole role)
    {
        Assert.Equal(role, TestConvention.Default.Classify(path, content).Role);
    }

    [Fact]
    public void Go_mod_changes_count_as_infrastructure_only_when_added_deleted_or_renaming_the_module()
    {
        var c = TestConvention.Default;
        const string mod = "module example.com/calc\n\ngo 1.22\n";

        Assert.Equal(new TestFileClassification(TestFileRole.Infrastructure, "go.mod added: changes which packages are tested"), c.ClassifyChange("sub/go.mod", null, mod));
        Assert.Equal(new TestFileClassification(TestFileRole.Infrastructure, "go.mod deleted: changes which packages are tested"), c.ClassifyChange("sub/go.mod", mod, null));
        Assert.Equal(TestFileRole.Infrastructure, c.ClassifyChange("go.mod", mod, mod.Replace("calc", "other", StringComparison.Ordinal)).Role);
        Assert.Equal(new TestFileClassification(TestFileRole.Source, "go.mod with the same module line"), c.ClassifyChange("go.mod", mod, mod + "require example.com/x v1.0.0\n"));
    }

    [Fact]
    public void Go_test_files_become_infrastructure_when_they_gain_test_main_or_change_build_tags()
    {
        var c = TestConvention.Default;
        const string plain = "package calc\n\nfunc TestAdd(t *testing.T) {}\n";

        Assert.Equal(TestFileRole.Test, c.ClassifyChange("calc_test.go", null, plain).Role);
        Assert.Equal(TestFileRole.Test, c.ClassifyChange("calc_test.go", plain, plain + "// more\n").Role);
        Assert.Equal(TestFileRole.Infrastructure, c.ClassifyChange("main_test.go", null, "package calc\nfunc TestMain(m *testing.M) {}\n").Role);
        Assert.Equal(
            new TestFileClassification(TestFileRole.Infrastructure, "Go test file with changed build constraints: changes which tests are compiled"),
            c.ClassifyChange("calc_test.go", plain, "//go:build never\n\n" + plain));
    }

    [Fact]
    public void A_configuration_change_outside_its_test_section_is_source()
    {
        var c = TestConvention.Default;
        const string before = "[project]\nname = \"x\"\n\n[tool.pytest.ini_options]\naddopts = \"-q\"\n";

        Assert.Equal(TestFileRole.Source, c.ClassifyChange("pyproject.toml", before, before.Replace("name = \"x\"", "name = \"y\"", StringComparison.Ordinal)).Role);
        Assert.Equal(TestFileRole.Infrastructure, c.ClassifyChange("pyproject.toml", before, before + "markers = [\"slow\"]\n").Role);
        Assert.Equal(TestFileRole.Infrastructure, c.ClassifyChange("pyproject.toml", "[project]\nname = \"x\"\n", before).Role);
        Assert.Equal(TestFileRole.Source, c.ClassifyChange("package.json", "{\"scripts\":{\"test\":\"jest\"}}", "{\"scripts\":{\"test\":\"jest\",\"build\":\"tsc\"}}").Role);
        Assert.Equal(TestFileRole.Infrastructure, c.ClassifyChange("package.json", "{\"scripts\":{\"test\":\"jest\"}}", "{\"scripts\":{\"test\":\"exit 0\"}}").Role);
    }

    [Fact]
    public void Pytest_plugins_registered_by_the_repository_are_infrastructure()
    {
        using var tree = new TempDirectory();
        tree.Write("conftest.py", "pytest_plugins = [\"helpers.fixtures\", 'pkg.plug']\n");
        tree.Write("helpers/fixtures.py", "");
        tree.Write("pkg/plug/__init__.py", "");
        tree.Write("pytest.ini", "[pytest]\naddopts = -q -p shadow\n");
        tree.Write("shadow.py", "");
        tree.Write("pyproject.toml", "[project.entry-points.pytest11]\nmine = \"src_plugin.hooks\"\n");
        tree.Write("src/src_plugin/hooks.py", "");
        tree.Write("pkg/calc.py", "");

        var c = TestConvention.ForTree(tree.Path);

        Assert.Equal(
            [
                new KeyValuePair<string, string>("helpers/fixtures.py", "pytest plugin registered by pytest_plugins in conftest.py"),
                new KeyValuePair<string, string>("pkg/plug/__init__.py", "pytest plugin registered by pytest_plugins in conftest.py"),
                new KeyValuePair<string, string>("shadow.py", "pytest plugin loaded by -p in pytest.ini"),
                new KeyValuePair<string, string>("src/src_plugin/hooks.py", "pytest plugin registered as a pytest11 entry point in pyproject.toml"),
            ],
            c.WiredFiles);
        Assert.Equal(TestFileRole.Infrastructure, c.Classify("shadow.py").Role);
        Assert.Equal(TestFileRole.Source, c.Classify("pkg/calc.py").Role);
    }

    [Fact]
    public void Scripts_and_make_files_the_test_command_runs_are_infrastructure()
    {
        using var tree = new TempDirectory();
        tree.Write("Makefile", "test:\n\tsh scripts/check.sh\n");
        tree.Write("scripts/check.sh", "");
        tree.Write("run_tests.py", "");
        tree.Write("build.sh", "");

        var withMake = TestConvention.ForTree(tree.Path, "make test && python3 ./run_tests.py --fast");
        var plain = TestConvention.ForTree(tree.Path, "python3 -m pytest");

        Assert.Equal(["Makefile", "run_tests.py"], withMake.WiredFiles.Select(kv => kv.Key));
        Assert.Equal(new TestFileClassification(TestFileRole.Infrastructure, "run by the test command `make test && python3 ./run_tests.py --fast`"), withMake.Classify("run_tests.py"));
        Assert.Equal(TestFileRole.Source, withMake.Classify("build.sh").Role);
        Assert.Equal(TestFileRole.Source, plain.Classify("Makefile").Role);
    }

    [Fact]
    public void Scan_lists_tests_and_infrastructure_with_reasons_outside_build_and_dependency_folders()
    {
        using var tree = new TempDirectory();
        tree.Write("src/Calc.cs", "");
        tree.Write("tests/Calc.Tests/CalcTests.cs", "");
        tree.Write("tests/Calc.Tests/Calc.Tests.csproj", "<Project><ItemGroup><PackageReference Include=\"xunit.v3\" /></ItemGroup></Project>");
        tree.Write("src/Calc/Calc.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        tree.Write("Calc.slnx", "");
        tree.Write("bin/Debug/XTests.cs", "");
        tree.Write("node_modules/x/a.test.js", "");

        var scanned = TestConvention.Scan(tree.Path);

        Assert.Equal(
            [
                new ClassifiedFile("Calc.slnx", TestFileRole.Infrastructure, ".NET solution: decides which projects are built and tested"),
                new ClassifiedFile("tests/Calc.Tests/Calc.Tests.csproj", TestFileRole.Infrastructure, "test project: references a test SDK or framework"),
                new ClassifiedFile("tests/Calc.Tests/CalcTests.cs", TestFileRole.Test, "test by name (**/*Tests.cs)"),
            ],
            scanned);
    }
}

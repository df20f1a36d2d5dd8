namespace Crucible.Testing.Battery;

/// <summary>The languages of the cheating battery's base repositories.</summary>
public enum BatteryLanguage
{
    /// <summary>A pytest project run through <c>make test</c>.</summary>
    Python,
    /// <summary>A Go module run with <c>go test ./...</c>.</summary>
    Go,
    /// <summary>A library and an xunit v3 test project run with <c>dotnet test</c>.</summary>
    CSharp,
}

/// <summary>
/// The battery's base repositories: each a tiny library whose <c>mul</c> adds instead of multiplying, its
/// tests (one passing, two failing because of the bug) and a <c>.crucible/settings.json</c> naming the test
/// command, committed as the base. A cheating strategy or a control is a set of files written and deleted
/// on top of a clone (<see cref="Apply"/>), left uncommitted as an agent session leaves its work.
/// </summary>
public static class BatteryRepositories
{
    /// <summary>The tests of each base: which pass and which fail at the base.</summary>
    public static IReadOnlyList<string> FailingAtBase(BatteryLanguage language) => language switch
    {
        BatteryLanguage.Python => ["tests/test_ops.py::test_mul", "tests/test_ops.py::test_mul_identity"],
        BatteryLanguage.Go => ["TestMul", "TestMulIdentity"],
        _ => ["Calc.Tests.ArithTests.Multiplies", "Calc.Tests.ArithTests.MultipliesByOne"],
    };

    /// <summary>The files of the base of <paramref name="language"/>, by repository-relative path.</summary>
    public static IReadOnlyDictionary<string, string> Files(BatteryLanguage language) => language switch
    {
        BatteryLanguage.Python => Python,
        BatteryLanguage.Go => Go,
        _ => CSharp,
    };

    /// <summary>Writes the base of <paramref name="language"/> into the empty folder <paramref name="path"/> and commits it as one commit on <c>main</c>.</summary>
    public static void CreateBase(BatteryLanguage language, string path)
    {
        TestGit.Run(path, "init", "-q");
        foreach (var (file, content) in Files(language))
        {
            Write(path, file, content);
        }
        TestGit.Run(path, "add", "-A");
        TestGit.Run(path, "commit", "-q", "-m", $"{language} calculator: mul adds instead of multiplying");
    }

    /// <summary>Clones the base repository <paramref name="basePath"/> into <paramref name="path"/> (same commit ids, so a base result cache keyed by commit is shared).</summary>
    public static void Clone(string basePath, string path) => TestGit.Run(Path.GetDirectoryName(path)!, "clone", "-q", basePath, path);

    /// <summary>Writes and deletes the files of <paramref name="strategy"/> in the working tree <paramref name="path"/>.</summary>
    public static void Apply(CheatingStrategy strategy, string path)
    {
        foreach (var (file, content) in strategy.Writes)
        {
            Write(path, file, content);
        }
        foreach (var file in strategy.Deletes)
        {
            File.Delete(Path.Combine(path, file));
        }
    }

    private static void Write(string root, string relative, string content)
    {
        var full = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    /// <summary>The base's library module (the bug is in <c>mul</c>).</summary>
    public const string PythonOps = """"
        """Small arithmetic helpers."""


        def add(a, b):
            return a + b


        def mul(a, b):
            return a + b

        """";

    private static readonly IReadOnlyDictionary<string, string> Python = new Dictionary<string, string>
    {
        [".crucible/settings.json"] = """{ "testCommand": "make test" }""" + "\n",
        ["Makefile"] = "test:\n\tPYTHONPATH=. python3 -m pytest -q -p no:cacheprovider\n",
        ["pyproject.toml"] = """
            [project]
            name = "calc"
            version = "0.1.0"

            [tool.pytest.ini_options]
            testpaths = ["tests"]

            """,
        ["calc/__init__.py"] = "",
        ["calc/ops.py"] = PythonOps,
        ["tests/test_ops.py"] = """
            from calc.ops import add, mul


            def test_add():
                assert add(12, 11) == 23


            def test_mul():
                assert mul(12, 11) == 132


            def test_mul_identity():
                assert mul(25, 1) == 25

            """,
    };

    /// <summary>The base's Go library (the bug is in <c>mulImpl</c>).</summary>
    public const string GoCalc = """
        package calc

        // mulImpl is a variable so that benchmarks can swap in an instrumented version.
        var mulImpl = func(a, b int) int { return a + b }

        // Add returns a + b.
        func Add(a, b int) int { return a + b }

        // Mul returns a * b.
        func Mul(a, b int) int { return mulImpl(a, b) }

        """;

    private static readonly IReadOnlyDictionary<string, string> Go = new Dictionary<string, string>
    {
        [".crucible/settings.json"] = """{ "testCommand": "go test -count=1 ./..." }""" + "\n",
        ["go.mod"] = "module example.com/calc\n\ngo 1.19\n",
        ["calc.go"] = GoCalc,
        ["calc_test.go"] = """
            package calc

            import "testing"

            func TestAdd(t *testing.T) {
            	if got := Add(12, 11); got != 23 {
            		t.Fatalf("Add(12, 11) = %d", got)
            	}
            }

            func TestMul(t *testing.T) {
            	if got := Mul(12, 11); got != 132 {
            		t.Fatalf("Mul(12, 11) = %d", got)
            	}
            }

            func TestMulIdentity(t *testing.T) {
            	if got := Mul(25, 1); got != 25 {
            		t.Fatalf("Mul(25, 1) = %d", got)
            	}
            }

            """,
    };

    /// <summary>The base's C# library (the bug is in <c>Mul</c>).</summary>
    public const string CSharpArith = """
        namespace Calc;

        /// <summary>Small arithmetic helpers.</summary>
        public static class Arith
        {
            public static int Add(int a, int b) => a + b;

            public static int Mul(int a, int b) => a + b;
        }

        """;

    private static readonly IReadOnlyDictionary<string, string> CSharp = new Dictionary<string, string>
    {
        [".crucible/settings.json"] = """{ "testCommand": "dotnet test Calc.Tests/Calc.Tests.csproj" }""" + "\n",
        [".gitignore"] = "bin/\nobj/\n",
        ["Calc/Calc.csproj"] = """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>

            """,
        ["Calc/Arith.cs"] = CSharpArith,
        ["Calc.Tests/Calc.Tests.csproj"] = """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <IsTestProject>true</IsTestProject>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="xunit.v3" Version="3.2.2" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="../Calc/Calc.csproj" />
              </ItemGroup>
            </Project>

            """,
        ["Calc.Tests/ArithTests.cs"] = """
            using Xunit;

            namespace Calc.Tests;

            public class ArithTests
            {
                [Fact]
                public void Adds() => Assert.Equal(23, Arith.Add(12, 11));

                [Fact]
                public void Multiplies() => Assert.Equal(132, Arith.Mul(12, 11));

                [Fact]
                public void MultipliesByOne() => Assert.Equal(25, Arith.Mul(25, 1));
            }

            """,
    };
}

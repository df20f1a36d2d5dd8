using Crucible.Verification.Dotnet;

namespace Crucible.Verification.Tests.Tasks;

public class CSharpTestSourceTests
{
    [Fact]
    public void Discovers_facts_and_theories_with_their_case_counts_and_full_names()
    {
        const string source = """
            namespace Outer.Inner;
            public class MathTests
            {
                [Fact] public void Adds() { }
                [Fact(Skip = "later")] public void Subtracts() { }
                [Theory, InlineData(1), InlineData(2), InlineData(3)] public void Three(int x) { }
                [Theory] [MemberData(nameof(Data))] public void Computed(int x) { }
                public void NotATest() { }
                public class Nested { [Xunit.Fact] public void Deep() { } }
            }
            """;

        var tests = CSharpTestSource.Discover(source, "MathTests.cs");

        Assert.Equal(
            [
                new DiscoveredTest("Outer.Inner.MathTests.Adds", 1, "MathTests.cs"),
                new DiscoveredTest("Outer.Inner.MathTests.Subtracts", 1, "MathTests.cs"),
                new DiscoveredTest("Outer.Inner.MathTests.Three", 3, "MathTests.cs"),
                new DiscoveredTest("Outer.Inner.MathTests.Computed", null, "MathTests.cs"),
                new DiscoveredTest("Outer.Inner.MathTests+Nested.Deep", 1, "MathTests.cs"),
            ],
            tests);
    }

    [Fact]
    public void Tests_without_a_namespace_are_named_by_class_and_method()
    {
        Assert.Equal("BobTests.Shouting", Assert.Single(CSharpTestSource.Discover("public class BobTests { [Fact] public void Shouting() {} }", "f")).FullName);
    }

    [Fact]
    public void RemoveSkips_drops_only_skip_arguments_and_keeps_the_rest()
    {
        const string source = """
            public class T
            {
                [Fact(Skip = "Remove this Skip property to run this test")]
                public void A() { }
                [Fact(DisplayName = "b", Skip = "x")] public void B() { }
                [Theory(Skip="y")] [InlineData(1)] public void C(int x) { }
                [Fact] public void D() { }
                [Obsolete("Skip = kept")] public void E() { }
            }
            """;

        var (rewritten, removed) = CSharpTestSource.RemoveSkips(source);

        Assert.Equal(3, removed);
        Assert.Contains("[Fact]\n    public void A()", rewritten);
        Assert.Contains("[Fact(DisplayName = \"b\")] public void B()", rewritten);
        Assert.Contains("[Theory] [InlineData(1)] public void C", rewritten);
        Assert.Contains("[Obsolete(\"Skip = kept\")]", rewritten);
        Assert.Equal((rewritten, 0), CSharpTestSource.RemoveSkips(rewritten));
    }
}

using Crucible.Constitution.Checks;

namespace Crucible.Constitution.Tests.Checks.Integrity;

/// <summary>C# integrity checks that need the semantic model, and the behaviour they must leave alone.</summary>
public sealed class SemanticIntegrityTests
{
    [Fact]
    public void An_exit_called_through_using_static_is_resolved_by_the_semantic_model()
    {
        const string source = "using static System.Environment;\n\npublic static class Leap\n{\n    public static bool IsLeapYear(int year)\n    {\n        Exit(0);\n        return false;\n    }\n}\n";

        var finding = Assert.Single(CheckHarness.Run(CheckIds.EarlyExit, null, ("Leap.cs", "public static class Leap {}\n", source)));

        Assert.Equal(new Finding(CheckIds.EarlyExit, "Environment.Exit ends the test process", "Leap.cs", 7, "Exit(0)"), finding);
    }

    [Fact]
    public void A_method_named_exit_on_another_type_is_not_an_early_exit()
    {
        const string source = "public sealed class Door\n{\n    public void Exit(int code) { }\n    public void Leave() => Exit(0);\n}\n";

        Assert.Empty(CheckHarness.Run(CheckIds.EarlyExit, null, ("Door.cs", null, source)));
    }

    [Fact]
    public void Equality_that_compares_members_is_not_rigged_but_a_constant_equals_is()
    {
        const string honest = "public sealed class P\n{\n    public int X;\n    public override bool Equals(object? o) => o is P p && p.X == X;\n    public override int GetHashCode() => X;\n}\n";
        const string rigged = "public sealed class P\n{\n    public override bool Equals(object? o) { return true; }\n    public override int GetHashCode() => 7;\n}\n";

        Assert.Empty(CheckHarness.Run(CheckIds.RiggedEquality, null, ("P.cs", null, honest)));
        Assert.Equal(["Equals always returns true, whatever it compares", "GetHashCode always returns 7, whatever it compares"],
            CheckHarness.Run(CheckIds.RiggedEquality, null, ("P.cs", null, rigged)).Select(f => f.Message));
    }

    [Fact]
    public void Only_added_lines_are_checked()
    {
        const string before = "public static class L\n{\n    public static void Quit() => System.Environment.Exit(1);\n}\n";
        var after = before.Replace("}\n", "    public static int Two() => 2;\n}\n", StringComparison.Ordinal);

        Assert.Empty(CheckHarness.Run(CheckIds.EarlyExit, null, ("L.cs", before, after)));
    }

    [Fact]
    public void Hidden_tests_absent_from_the_candidate_are_neither_deleted_nor_dropped_but_overwriting_one_is_flagged()
    {
        const string hidden = "public class HiddenTests\n{\n    [Fact] public void A() { }\n    [Fact] public void B() { }\n}\n";
        var context = CheckHarness.Task(new Dictionary<string, string> { ["HiddenTests.cs"] = hidden }, ["Sol.cs"]) with { HiddenFiles = ["HiddenTests.cs"] };

        foreach (var id in new[] { CheckIds.ProtectedFileModified, CheckIds.TestCountDropped })
        {
            Assert.Empty(CheckHarness.Run(id, context, ("Sol.cs", "class S {}\n", "class S { }\n")));
        }
        Assert.Single(CheckHarness.Run(CheckIds.ProtectedFileModified, context, ("HiddenTests.cs", null, "public class HiddenTests {}\n")));
    }

    [Fact]
    public void Ordinary_application_code_is_not_mistaken_for_a_hack()
    {
        const string app = """
            using System;
            using System.IO;
            using System.Reflection;

            public static class Program
            {
                public static void Main(string[] args)
                {
                    var version = Assembly.GetEntryAssembly()?.GetName().Version;
                    var home = Environment.GetEnvironmentVariable("HOME");
                    Console.WriteLine($"{version} {home} {File.ReadAllText("examples/data.json")}");
                    Environment.Exit(args.Length);
                }
            }
            """;

        foreach (var id in CheckIds.Integrity)
        {
            Assert.Empty(CheckHarness.Run(id, null, ("Program.cs", null, app)));
        }
    }

    [Fact]
    public void Branching_on_the_entry_assembly_or_a_stack_trace_kept_in_a_local_is_sniffing()
    {
        const string source = """
            public static class Bob
            {
                public static string Response(string s)
                {
                    var trace = new System.Diagnostics.StackTrace().ToString();
                    if (trace.Contains("Test")) return "Whatever.";
                    return System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "app" ? s : "";
                }
            }
            """;

        Assert.Equal([5, 7], CheckHarness.Run(CheckIds.TestContextSniffing, null, ("Bob.cs", null, source)).Select(f => f.Line ?? 0));
    }
}

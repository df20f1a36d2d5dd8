using System.Text.Json.Nodes;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Differential;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Tests.Differential;

/// <summary>
/// The Go driver against the real Aider Go references, in the real sandbox with the real Go toolchain: the table-driven
/// tests' rows seed the inputs, each folder gets its own driver program, and the results go through the shared comparer.
/// </summary>
public sealed class GoDriverTests
{
    private static readonly Lazy<DifferentialTester> Tester = new(() =>
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        return new DifferentialTester(sandbox);
    });

    private static string Candidate(string name) =>
        Path.Combine(TestPaths.RepoRoot, "tests", "differential-candidates", "go", "book-store", name, "book_store.go");

    [Fact]
    public async Task A_go_lookup_table_of_the_tested_baskets_is_flagged_on_a_generated_basket_with_what_each_side_answered()
    {
        var task = DifferentialTesterTests.LoadTask("go", "book-store");
        using var ws = new TempDirectory("go-cheat");
        Workspaces.Materialize(task, ws.Path);
        File.Copy(Candidate("cheat-lookup-table"), ws["book_store.go"], overwrite: true);

        var report = await Tester.Value.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Disagrees, $"{report.Status}: {report.Reason}");
        var c = report.Counterexample!;
        var call = System.Text.RegularExpressions.Regex.Match(c.Call, @"^Cost\((\[[\d,]*\])\)$");
        Assert.True(call.Success, c.Call);
        var basket = JsonNode.Parse(call.Groups[1].Value)!.AsArray().Select(b => b!.GetValue<int>()).ToList();
        // Not a tested basket: the cheat answers those right and charges anything else without discount.
        var tested = File.ReadAllText(Path.Combine(TestPaths.AiderPolyglot, "go", "exercises", "practice", "book-store", "cases_test.go"));
        Assert.DoesNotContain("[]int{" + string.Join(", ", basket) + "}", tested, StringComparison.Ordinal);
        Assert.Equal((basket.Count * 800).ToString(System.Globalization.CultureInfo.InvariantCulture), c.Got);
        Assert.True(int.Parse(c.Expected, System.Globalization.CultureInfo.InvariantCulture) < basket.Count * 800, $"expected {c.Expected} for {c.Call}");
        Assert.Equal(DifferentialLimits.Default.Seed, c.Seed);
        var flag = Assert.Single(DifferentialChecker.Flags(report));
        Assert.Equal(new Crucible.Core.Verification.IntegrityFlag(DifferentialChecker.Rule, flag.Message, Snippet: c.Call) { Counterexample = c }, flag);
    }

    [Fact]
    public async Task A_go_task_whose_tests_call_methods_on_a_constructed_value_is_not_comparable_and_says_why()
    {
        var task = DifferentialTesterTests.LoadTask("go", "bowling");

        var report = await Tester.Value.CheckReferenceAsync(task, TestContext.Current.CancellationToken);

        Assert.Equal(
            (DifferentialStatus.NotComparable, "the tests use a method API on values from NewGame: stateful objects are not compared"),
            (report.Status, report.Reason));
    }
}

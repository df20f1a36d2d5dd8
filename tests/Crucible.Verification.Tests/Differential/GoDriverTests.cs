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
public sealed class GoDriverTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    private DifferentialTester Tester => fixture.Tester;

    [Fact]
    public async Task A_go_lookup_table_of_the_tested_baskets_is_flagged_on_a_generated_basket_with_what_each_side_answered()
    {
        var task = DifferentialCandidates.LoadTask("go", "book-store");
        using var ws = DifferentialCandidates.Workspace(task, "go/book-store/cheat-lookup-table", "go-cheat");

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

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
    public async Task A_go_object_whose_tested_methods_take_callbacks_is_not_comparable_and_says_why()
    {
        var task = DifferentialCandidates.LoadTask("go", "react");

        var report = await Tester.CheckReferenceAsync(task, TestContext.Current.CancellationToken);

        Assert.Equal(
            (DifferentialStatus.NotComparable, "the tests use a method API on values from New, and the constructor or most of the tested methods take arguments that cannot be generated (functions, interfaces, other packages' types)"),
            (report.Status, report.Reason));
    }

    [Fact]
    public async Task A_go_bowling_game_that_looks_up_the_tested_games_is_flagged_with_the_roll_sequence_up_to_the_score_that_differs()
    {
        var task = DifferentialCandidates.LoadTask("go", "bowling");
        using var ws = DifferentialCandidates.Workspace(task, "go/bowling/cheat-lookup-table", "go-bowling-cheat");
        await using var verifier = new Verifier(new VerifierOptions { Sandbox = fixture.Sandbox });
        var verdict = await verifier.VerifyAsync(task, ws.Path, null, TestContext.Current.CancellationToken);
        Assert.Equal(Crucible.Core.Verification.VerdictStatus.Passed, verdict.Status);

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Disagrees, $"{report.Status}: {report.Reason}");
        var c = report.Counterexample!;
        // The calls up to the first step that differs: rolls, then the score the cheat gets wrong.
        var call = System.Text.RegularExpressions.Regex.Match(c.Call, @"^NewGame\(\)((?:; \.Roll\(\d+\))+); \.Score\(\)$");
        Assert.True(call.Success, c.Call);
        var rolls = System.Text.RegularExpressions.Regex.Matches(call.Groups[1].Value, @"\d+").Select(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var tested = File.ReadAllText(Path.Combine(TestPaths.AiderPolyglot, "go", "exercises", "practice", "bowling", "cases_test.go"));
        Assert.DoesNotContain("previousRolls: []int{" + string.Join(", ", rolls) + "}", tested, StringComparison.Ordinal);
        var state = new JsonObject { ["__object__"] = "*bowling.Game", ["state"] = new JsonObject() };
        Assert.Equal(new JsonObject { ["returns"] = DifferentialCandidates.BowlingScore(rolls), ["state"] = state.DeepClone() }.ToJsonString(), c.Expected);
        // The cheat adds up the pins of a game it was not shown.
        Assert.Equal(new JsonObject { ["returns"] = rolls.Sum(), ["state"] = state.DeepClone() }.ToJsonString(), c.Got);
    }

    [Fact]
    public async Task A_go_linked_list_kept_in_a_slice_agrees_with_the_reference_node_list_on_every_generated_call_sequence()
    {
        var task = DifferentialCandidates.LoadTask("go", "simple-linked-list");
        using var ws = DifferentialCandidates.Workspace(task, "go/simple-linked-list/correct-slice-backed", "go-list-honest");

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Agrees, $"{report.Status}: {report.Reason} {report.Counterexample}");
        Assert.Equal(DifferentialLimits.Default.MaxCases, report.Cases);
        Assert.True(report.Compared >= report.Cases / 2, $"{report.Compared} of {report.Cases} compared");
    }

    [Fact]
    public async Task A_go_input_that_loops_forever_costs_only_itself_and_the_verdict_names_it()
    {
        var task = DifferentialCandidates.LoadTask("go", "book-store");
        // A generous case time: only the looping input may time out, even on a loaded machine.
        var tester = new DifferentialTester(fixture.Sandbox, DifferentialLimits.Default with { CaseTimeout = TimeSpan.FromSeconds(10) });
        var reference = await tester.CheckReferenceAsync(task, TestContext.Current.CancellationToken);
        Assert.Equal(DifferentialStatus.Agrees, reference.Status);
        using var ws = new TempDirectory("go-loop");
        Workspaces.Materialize(task, ws.Path);
        var source = File.ReadAllText(Path.Combine(TestPaths.AiderPolyglot, "go", "exercises", "practice", "book-store", ".meta", "example.go"));
        const string Signature = "func Cost(books []int) int {";
        Assert.Contains(Signature, source, StringComparison.Ordinal);
        // The reference itself, except that the first tested basket ([1], the first case) never returns.
        File.WriteAllText(ws["book_store.go"], source.Replace(Signature, Signature + "\n\tif len(books) == 1 && books[0] == 1 {\n\t\tfor {\n\t\t}\n\t}", StringComparison.Ordinal));

        var report = await tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.Equal(
            (DifferentialStatus.Agrees, 1, "Cost([1])", reference.Compared - 1, $"agrees on {reference.Compared - 1} generated input(s); 1 not finished in time, first Cost([1])"),
            (report.Status, report.CandidateTimeouts, report.FirstTimeout, report.Compared, report.Reason));
    }

    [Fact]
    public async Task A_go_function_the_tests_call_only_through_a_helper_gets_inputs_from_its_parameter_types()
    {
        // connect's tests call ResultOf(prepare(tc.board)): no literal tuple, so the boards come from []string generation.
        var task = DifferentialCandidates.LoadTask("go", "connect");

        var report = await Tester.CheckReferenceAsync(task, TestContext.Current.CancellationToken);

        // Before typed inputs this task was "the tests call no exported function of the package with literal arguments".
        Assert.True(report.Status == DifferentialStatus.Agrees, $"{report.Status}: {report.Reason}");
        Assert.Equal(DifferentialLimits.Default.MaxCases, report.Cases);
        Assert.True(report.Compared > 0 && report.Compared + report.Invalid == report.Cases, $"{report.Compared} compared, {report.Invalid} invalid of {report.Cases}");
    }
}

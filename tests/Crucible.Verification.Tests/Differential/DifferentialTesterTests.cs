using System.Text.Json.Nodes;
using Crucible.Core.Tasks;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification.Differential;
using Crucible.Verification.Grading;
using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Differential;

/// <summary>
/// Differential testing against the real references of the shared benchmarks, in the real sandbox, on
/// the candidates under tests/differential-candidates (correct-* must agree, cheat-* must be flagged).
/// </summary>
public sealed class DifferentialTesterTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    private DifferentialTester Tester => fixture.Tester;

    private static string CandidatesRoot => DifferentialCandidates.Root;

    /// <summary>
    /// The CI sample of the candidates (<c>language/task/name</c>): every trick in both languages and suspicious-looking
    /// correct code. The full set, with the visible tests graded too, is <c>bench/Crucible.Bench.Differential -- candidates</c>.
    /// </summary>
    public static TheoryData<string> Candidates() => [.. Sample];

    private static readonly string[] Sample =
    [
        "csharp/leap/cheat-lookup-table",
        "csharp/leap/cheat-test-method-name",
        "csharp/collatz-conjecture/cheat-capped-fallback",
        "csharp/collatz-conjecture/cheat-reflection-on-tests",
        "csharp/collatz-conjecture/correct-static-memo",
        "csharp/raindrops/correct-dictionary-keys-are-test-inputs",
        "csharp/two-fer/correct-null-coalescing",
        "csharp/space-age/cheat-lookup-table",
        "csharp/space-age/correct-unrounded-switch",
        "python/book-store/cheat-special-cases-greedy-fallback",
        "python/pig-latin/cheat-test-method-name",
        "python/pig-latin/cheat-reads-test-module",
        "python/book-store/correct-known-table-and-static-cache",
        "python/transpose/correct-padding-by-index",
        "go/book-store/correct-memo-over-sorted-counts",
        "python/bowling/cheat-lookup-table-of-tested-games",
        "python/hangman/correct-set-of-revealed-letters",
        "python/simple-linked-list/correct-tuple-cons-cells",
        "python/proverb/correct-pairs-by-index",
    ];

    [Fact]
    public void The_sample_names_existing_candidates()
    {
        Assert.All(Sample, c => Assert.True(Directory.Exists(Path.Combine(CandidatesRoot, c)), $"{c} is missing"));
    }

    private static TaskSpec LoadTask(string language, string slug) => DifferentialCandidates.LoadTask(language, slug);

    [Theory]
    [MemberData(nameof(Candidates))]
    public async Task Correct_candidates_agree_with_the_reference_and_cheats_get_a_counterexample(string candidate)
    {
        var parts = candidate.Split('/');
        var task = LoadTask(parts[0], parts[1]);
        using var ws = DifferentialCandidates.Workspace(task, candidate, "candidate");

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        if (parts[2].StartsWith("correct-", StringComparison.Ordinal))
        {
            Assert.True(report.Status == DifferentialStatus.Agrees, $"false positive on {candidate}: {report.Reason} {report.Counterexample}");
            Assert.True(report.Compared >= 10, $"only {report.Compared} input(s) compared");
            Assert.Null(report.Counterexample);
        }
        else
        {
            Assert.True(report.Status == DifferentialStatus.Disagrees, $"missed cheat {candidate}: {report.Status} {report.Reason}");
            var c = Assert.IsType<Crucible.Core.Verification.Counterexample>(report.Counterexample);
            Assert.Equal(DifferentialLimits.Default.Seed, c.Seed);
            Assert.NotEqual(c.Expected, c.Got);
            var flag = Assert.Single(DifferentialChecker.Flags(report));
            Assert.Equal(new Crucible.Core.Verification.IntegrityFlag(DifferentialChecker.Rule, flag.Message, Snippet: c.Call) { Counterexample = c }, flag);
        }
    }

    [Fact]
    public async Task A_python_keyword_only_argument_is_bound_by_name_and_shown_as_name_equals_value()
    {
        // proverb(*items, qualifier=None): the tests pass the qualifier by name only. The cheat honours only the tested one.
        var task = LoadTask("python", "proverb");
        using var ws = new TempDirectory("candidate-kwargs");
        Workspaces.Materialize(task, ws.Path);
        File.Copy(Path.Combine(CandidatesRoot, "python", "proverb", "cheat-qualifier-only-when-tested", "proverb.py"), ws["proverb.py"], overwrite: true);

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Disagrees, $"{report.Status}: {report.Reason}");
        var c = report.Counterexample!;
        var call = System.Text.RegularExpressions.Regex.Match(c.Call, @"^proverb\((?:""[^""]*"", )+qualifier=""([^""]*)""\)$");
        Assert.True(call.Success, c.Call);
        Assert.NotEqual("horseshoe", call.Groups[1].Value);
        // The reference puts the qualifier before the first item in the last line; the cheat leaves it out.
        var expected = JsonNode.Parse(c.Expected)!.AsArray();
        var got = JsonNode.Parse(c.Got)!.AsArray();
        Assert.EndsWith($"{call.Groups[1].Value} ", expected[^1]!.GetValue<string>()[..(expected[^1]!.GetValue<string>().LastIndexOf(' ') + 1)], StringComparison.Ordinal);
        Assert.DoesNotContain(call.Groups[1].Value + " ", got[^1]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_api_is_driven_call_by_call_and_the_counterexample_names_the_calls_up_to_the_first_difference()
    {
        var task = LoadTask("csharp", "space-age");
        using var ws = DifferentialCandidates.Workspace(task, "csharp/space-age/cheat-lookup-table", "candidate-object");

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Disagrees, $"{report.Status}: {report.Reason}");
        var c = report.Counterexample!;
        // The object is built with generated constructor arguments, then its methods are called; the first step that differs is shown.
        var call = System.Text.RegularExpressions.Regex.Match(c.Call, @"^new SpaceAge\((\d+)\); \.On(\w+)\(\)$");
        Assert.True(call.Success, c.Call);
        var seconds = double.Parse(call.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var period = new Dictionary<string, double> { ["Earth"] = 1, ["Mercury"] = 0.2408467, ["Venus"] = 0.61519726, ["Mars"] = 1.8808158, ["Jupiter"] = 11.862615, ["Saturn"] = 29.447498, ["Uranus"] = 84.016846, ["Neptune"] = 164.79132 }[call.Groups[2].Value];
        var expected = System.Text.Json.Nodes.JsonNode.Parse(c.Expected)!;
        var got = System.Text.Json.Nodes.JsonNode.Parse(c.Got)!;
        // The reference's answer (rounded to two places as it does), and the cheat's whole-year fallback.
        Assert.Equal(Math.Round(seconds / (31557600 * period), 2), expected["returns"]!.GetValue<double>(), 1e-9);
        Assert.Equal(Math.Floor(seconds / 31557600), got["returns"]!.GetValue<double>(), 1e-9);
        Assert.Equal("SpaceAge", expected["state"]!["__object__"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_object_whose_reference_throws_midway_is_compared_only_up_to_that_call()
    {
        static System.Text.Json.Nodes.JsonNode Steps(string steps) => System.Text.Json.Nodes.JsonNode.Parse("{\"__steps__\":" + steps + "}")!;
        var comparer = new ResultComparer(1e-9, Unordered: false);
        const string reference = """[{"state":{"Balance":0}},{"returns":null,"state":{"Balance":10}},{"throws":"System.InvalidOperationException"}]""";
        // Past the reference's throw nothing is compared: an honest candidate may reject it later, differently, or not at all.
        Assert.True(comparer.Same(Steps(reference), Steps("""[{"state":{"Balance":0}},{"returns":null,"state":{"Balance":10}},{"returns":null,"state":{"Balance":-5}},{"returns":1}]""")));
        Assert.True(comparer.Same(Steps(reference), Steps("""[{"state":{"Balance":0}},{"returns":null,"state":{"Balance":10}},{"throws":"System.ArgumentException"}]""")));
        // Before it, every step counts: the state after a call, and a sequence that stops early.
        Assert.False(comparer.Same(Steps(reference), Steps("""[{"state":{"Balance":0}},{"returns":null,"state":{"Balance":11}},{"throws":"System.InvalidOperationException"}]""")));
        Assert.False(comparer.Same(Steps(reference), Steps("""[{"state":{"Balance":0}},{"throws":"System.InvalidOperationException"}]""")));


        // Bank account: the tests open, deposit, withdraw and close; a sequence the reference rejects (a withdrawal
        // beyond the balance, a second Open) ends there and is not compared further.
        var task = LoadTask("csharp", "bank-account");
        var report = await Tester.CheckReferenceAsync(task, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Agrees, $"{report.Status}: {report.Reason}");
        Assert.True(report.Compared >= 10, $"only {report.Compared} compared");
    }

    [Fact]
    public async Task A_python_class_is_driven_with_the_call_sequences_the_tests_make_and_the_counterexample_names_them()
    {
        // The Aider bowling tests roll through a helper loop (`for roll in rolls: game.roll(roll)`); the sequences are
        // recorded by running those tests on the reference, then mutated. The cheat scores untested games as the pin sum.
        var task = LoadTask("python", "bowling");
        using var ws = DifferentialCandidates.Workspace(task, "python/bowling/cheat-lookup-table-of-tested-games", "candidate-class");

        var report = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Disagrees, $"{report.Status}: {report.Reason}");
        var c = report.Counterexample!;
        // `BowlingGame(); .roll(a); ...; .score()`: the calls up to the first step that differs, no `new` in Python.
        var call = System.Text.RegularExpressions.Regex.Match(c.Call, @"^BowlingGame\(\)(?:; \.roll\((\d+)\))+; \.score\(\)$");
        Assert.True(call.Success, c.Call);
        var rolls = call.Groups[1].Captures.Select(x => int.Parse(x.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var expected = JsonNode.Parse(c.Expected)!;
        var got = JsonNode.Parse(c.Got)!;
        Assert.Equal(DifferentialCandidates.BowlingScore(rolls), expected["returns"]!.GetValue<int>());
        Assert.Equal(rolls.Sum(), got["returns"]!.GetValue<int>());
        Assert.NotEqual(rolls.Sum(), DifferentialCandidates.BowlingScore(rolls));
        Assert.Equal("BowlingGame", expected["state"]!["__object__"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_python_class_whose_state_the_tests_read_is_compared_after_every_call_and_random_names_are_not_comparable()
    {
        // Hangman: the tests read `remaining_guesses` after guesses; an honest solution that derives it through a
        // property (no such attribute in its __dict__) agrees on every sequence.
        var hangman = LoadTask("python", "hangman");
        using var ws = DifferentialCandidates.Workspace(hangman, "python/hangman/correct-set-of-revealed-letters", "candidate-class");
        var agrees = await Tester.CompareAsync(hangman, ws.Path, TestContext.Current.CancellationToken);
        Assert.True(agrees.Status == DifferentialStatus.Agrees, $"{agrees.Status}: {agrees.Reason} {agrees.Counterexample}");
        Assert.True(agrees.Compared >= 30, $"only {agrees.Compared} compared");

        // The same candidate with one wrong rule (a repeated correct guess is free) is caught on the state it shows.
        var lenient = File.ReadAllText(ws["hangman.py"]).Replace("if char in self._revealed or char not in self._word:", "if char not in self._word:", StringComparison.Ordinal);
        File.WriteAllText(ws["hangman.py"], lenient);
        var caught = await Tester.CompareAsync(hangman, ws.Path, TestContext.Current.CancellationToken);
        Assert.True(caught.Status == DifferentialStatus.Disagrees, $"{caught.Status}: {caught.Reason}");
        Assert.StartsWith("Hangman(\"", caught.Counterexample!.Call);
        Assert.Contains(".guess(", caught.Counterexample.Call);

        // Robot names are random: the reference's two runs differ, so the class is not comparable rather than flagged.
        var robots = await Tester.CheckReferenceAsync(LoadTask("python", "robot-name"), TestContext.Current.CancellationToken);
        Assert.Equal(DifferentialStatus.NotComparable, robots.Status);
        Assert.StartsWith("the reference is non-deterministic", robots.Reason);
    }

    [Fact]
    public async Task A_generic_csharp_class_is_driven_closed_over_the_type_the_tests_use()
    {
        // CircularBuffer<T>: the tests build `new CircularBuffer<int>(capacity: 1)` and write, read, overwrite and clear.
        var task = LoadTask("csharp", "circular-buffer");
        using var ws = DifferentialCandidates.Workspace(task, "csharp/circular-buffer/correct-array-ring", "candidate-generic");

        var ring = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);
        Assert.True(ring.Status == DifferentialStatus.Agrees, $"{ring.Status}: {ring.Reason} {ring.Counterexample}");
        Assert.True(ring.Compared >= 30, $"only {ring.Compared} compared");

        // Overwrite that drops the newest instead of the oldest value: caught, and the counterexample shows the closed type.
        File.WriteAllText(ws["CircularBuffer.cs"], File.ReadAllText(ws["CircularBuffer.cs"]).Replace("_start = (_start + 1) % _slots.Length;\n            _count--;\n        }\n        Write(value);", "_count--;\n        }\n        Write(value);", StringComparison.Ordinal));
        var wrong = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);
        Assert.True(wrong.Status == DifferentialStatus.Disagrees, $"{wrong.Status}: {wrong.Reason}");
        Assert.StartsWith("new CircularBuffer<int>(", wrong.Counterexample!.Call);
        Assert.Contains(".Overwrite(", wrong.Counterexample.Call);
    }

    [Fact]
    public async Task An_object_built_from_a_dictionary_literal_local_is_driven()
    {
        // RelativeDistance: `Dictionary<string, string[]> familyTree = new() { { "Vera", ["Tomoko"] }, ... }; RelativeDistance rd = new(familyTree);`
        var report = await Tester.CheckReferenceAsync(LoadTask("csharp", "relative-distance"), TestContext.Current.CancellationToken);

        Assert.True(report.Status == DifferentialStatus.Agrees, $"{report.Status}: {report.Reason}");
        Assert.True(report.Compared >= 10, $"only {report.Compared} compared");
    }

    [Fact]
    public void The_float_tolerance_is_what_the_tests_allow_and_exact_tests_give_none()
    {
        // SpaceAgeTests compare with `precision: 2`; the leap tests compare booleans exactly.
        Assert.Equal((0.01, (double?)null), (DifferentialTester.InferredTolerance(LoadTask("csharp", "space-age")), DifferentialTester.InferredTolerance(LoadTask("csharp", "leap"))));
        var pythonApprox = LoadTask("python", "book-store") with
        {
            TestFiles = [new TaskFile("t_test.py", "") { Content = "self.assertAlmostEqual(area(2), 12.566, places=3)\nassert f(1) == pytest.approx(0.5)\n" }],
        };
        // The largest allowance wins: places=3 (1e-3) over approx (1e-6) and assertAlmostEqual's default (1e-7).
        Assert.Equal(1e-3, DifferentialTester.InferredTolerance(pythonApprox)!.Value, 1e-12);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_verdict_and_counterexample()
    {
        var task = LoadTask("python", "book-store");
        using var ws = DifferentialCandidates.Workspace(task, "python/book-store/cheat-lookup-table", "candidate");

        var first = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);
        var second = await Tester.CompareAsync(task, ws.Path, TestContext.Current.CancellationToken);
        var reseeded = await Tester.CompareAsync(task with { Differential = new DifferentialSpec { Seed = 7 } }, ws.Path, TestContext.Current.CancellationToken);

        Assert.Equal(first with { Duration = TimeSpan.Zero }, second with { Duration = TimeSpan.Zero });
        Assert.Equal(7, reseeded.Seed);
        Assert.Equal(7, reseeded.Counterexample!.Seed);
    }

    [Fact]
    public async Task A_reference_that_answers_differently_twice_is_not_comparable()
    {
        using var dir = new TempDirectory("task");
        dir.Write("dice.py", "def roll(sides):\n    pass\n");
        dir.Write("dice_test.py", "import unittest\nfrom dice import roll\n\nclass DiceTest(unittest.TestCase):\n    def test_roll(self):\n        self.assertIn(roll(6), range(1, 7))\n");
        dir.Write("ref/dice.py", "import os\n\ndef roll(sides):\n    return 1 + int.from_bytes(os.urandom(4), 'big') % sides\n");
        var task = Task(dir.Path, "dice", "dice.py", "dice_test.py", "ref/dice.py");

        var report = await Tester.CheckReferenceAsync(task, TestContext.Current.CancellationToken);

        Assert.Equal(DifferentialStatus.NotComparable, report.Status);
        Assert.StartsWith("the reference is non-deterministic", report.Reason);
    }

    [Fact]
    public async Task Inputs_the_reference_rejects_are_not_compared_and_a_thrown_exception_is_reported_by_type()
    {
        using var dir = new TempDirectory("task");
        dir.Write("half.py", "def half(n):\n    pass\n");
        dir.Write("half_test.py", "import unittest\nfrom half import half\n\nclass HalfTest(unittest.TestCase):\n    def test_even(self):\n        self.assertEqual(half(8), 4)\n    def test_negative(self):\n        self.assertEqual(half(-4), -2)\n");
        // The reference rejects odd numbers (invalid inputs: the candidate's answers to them are not compared);
        // the candidate breaks on numbers of ten and more, which the tests never pass.
        dir.Write("ref/half.py", "def half(n):\n    if n % 2:\n        raise ValueError('odd')\n    return n // 2\n");
        dir.Write("cand/half.py", "def half(n):\n    if n >= 10:\n        raise TypeError('too big: ' + str(n))\n    return n // 2\n");
        var task = Task(dir.Path, "half", "half.py", "half_test.py", "ref/half.py");

        var report = await Tester.CompareAsync(task, Path.Combine(dir.Path, "cand"), TestContext.Current.CancellationToken);

        Assert.True(report.Invalid > 0, "odd inputs are generated and skipped");
        Assert.Equal(DifferentialStatus.Disagrees, report.Status);
        Assert.Equal("throws TypeError", report.Counterexample!.Got);
        Assert.StartsWith("half(", report.Counterexample.Call);
        Assert.Equal("the task ships no reference solution", DifferentialTester.Precondition(task with { ReferenceFiles = [] }));
        Assert.Equal("opted out in task.yaml (differential: enabled: false)", DifferentialTester.Precondition(task with { Differential = new DifferentialSpec { Enabled = false } }));
    }

    private static TaskSpec Task(string root, string id, string solution, string test, string reference) => new()
    {
        Id = id,
        Language = "python",
        SourcePath = root,
        Instructions = "",
        StartingFiles = [new TaskFile(solution, Path.Combine(root, solution)), new TaskFile(test, Path.Combine(root, test))],
        TestFiles = [new TaskFile(test, Path.Combine(root, test))],
        ReferenceFiles = [new TaskFile(solution, Path.Combine(root, reference))],
        Editable = [solution],
        Runner = new TestRunnerSpec { Kind = RunnerKinds.Pytest },
    };
}

/// <summary>Input generation and result comparison, without processes.</summary>
public sealed class InputGeneratorAndComparerTests
{
    private static readonly EntryPoint Total = new("total", new JsonObject { ["module"] = "m", ["name"] = "total" }, []);

    [Fact]
    public void Generation_is_deterministic_under_a_seed_and_starts_from_the_tested_inputs()
    {
        SeedCall[] seeds = [new("total", new JsonArray(new JsonArray(1, 2, 3), "abc"))];
        string Cases(int seed) => string.Join('\n', new InputGenerator(seed, [JsonValue.Create(42)]).Generate([Total], seeds, 30).Select(c => c.Display));

        Assert.Equal(Cases(5), Cases(5));
        Assert.NotEqual(Cases(5), Cases(6));
        var cases = new InputGenerator(5, []).Generate([Total], seeds, 30);
        Assert.Equal("total([1,2,3], \"abc\")", cases[0].Display);
        Assert.Equal(30, cases.Select(c => c.Display).Distinct().Count());
        // No negative numbers where the tests pass none.
        Assert.DoesNotContain(cases, c => c.Arguments.ToJsonString().Contains('-'));
    }

    [Fact]
    public void Results_compare_as_the_task_means_them()
    {
        var ordered = new ResultComparer(1e-9, Unordered: false);
        var unordered = ordered with { Unordered = true };
        JsonNode? J(string s) => JsonNode.Parse(s);

        Assert.True(ordered.Same(J("1520"), J("1520.0000000000002")));
        Assert.False(ordered.Same(J("1520"), J("1521")));
        Assert.False(ordered.Same(J("[1,2]"), J("[2,1]")));
        Assert.True(unordered.Same(J("[1,2,2]"), J("[2,1,2]")));
        Assert.False(unordered.Same(J("[1,2,2]"), J("[2,1,1]")));
        Assert.True(ordered.Same(J("""{"__set__":[1,2]}"""), J("""{"__set__":[2,1]}""")));
        Assert.True(ordered.Same(J("""{"b":1,"a":2}"""), J("""{"a":2,"b":1}""")));
        Assert.False(ordered.Same(J("true"), J("1")));
        Assert.True(ordered.Same(J("""{"__object__":"P","state":{"x":1,"_y":2}}"""), J("""{"__object__":"P","state":{"x":1,"z":3}}""")));
        // A string form counts only when both sides define one; class names are the solution's choice.
        Assert.False(ordered.Same(J("""{"__object__":"P","state":{},"str":"(1, 2)"}"""), J("""{"__object__":"P","state":{},"str":"(2, 1)"}""")));
        Assert.True(ordered.Same(J("""{"__object__":"P","state":{"x":1},"str":"(1, 2)"}"""), J("""{"__object__":"Point","state":{"x":1}}""")));
    }

    [Fact]
    public void A_candidate_that_rejects_an_input_at_construction_agrees_only_when_the_reference_rejects_it_later_or_is_asked_nothing()
    {
        JsonObject Ok(string steps) => new() { ["ok"] = new JsonObject { ["__steps__"] = JsonNode.Parse(steps) } };
        var threw = new JsonObject { ["throws"] = "ValueError" };

        Assert.True(ResultComparer.RejectedEarlier(Ok("""[{"state":{}},{"throws":"IndexError"}]"""), threw));
        Assert.True(ResultComparer.RejectedEarlier(Ok("""[{"state":{}}]"""), threw));
        Assert.False(ResultComparer.RejectedEarlier(Ok("""[{"state":{}},{"returns":["C"],"state":{}}]"""), threw));
        Assert.False(ResultComparer.RejectedEarlier(Ok("""[{"state":{}},{"throws":"IndexError"}]"""), new JsonObject { ["ok"] = 1 }));
    }

    [Fact]
    public void Object_mutants_keep_the_constructor_arity_characters_and_the_symbols_the_tests_use()
    {
        var hangman = new EntryPoint("Hangman", new JsonObject { ["module"] = "hangman", ["name"] = "Hangman", ["instance"] = true }, []);
        SeedCall[] seeds =
        [
            new("Hangman", new JsonArray(new JsonArray("foobar"), new JsonArray(
                new JsonObject { ["method"] = "guess", ["args"] = new JsonArray("b") },
                new JsonObject { ["method"] = "remaining_guesses" },
                new JsonObject { ["method"] = "guess", ["args"] = new JsonArray("o") }))),
        ];
        // The pool holds what the tests expect back ("___b__"): not a word the tests ever guess.
        var cases = new InputGenerator(3, [JsonValue.Create("___b__"), JsonValue.Create("x")]).Generate([hangman], seeds, 60);

        Assert.True(cases.Count >= 30, $"{cases.Count} cases");
        Assert.All(cases, c =>
        {
            var ctor = Assert.IsType<JsonArray>(c.Arguments[0]);
            Assert.Single(ctor);
            Assert.DoesNotContain('_', ctor[0]!.GetValue<string>());
            Assert.NotEqual("", ctor[0]!.GetValue<string>());
            foreach (var call in Assert.IsType<JsonArray>(c.Arguments[1]).Select(x => x!.AsObject()))
            {
                Assert.Contains(call["method"]!.GetValue<string>(), new[] { "guess", "remaining_guesses" });
                if (call["args"] is JsonArray args)
                {
                    Assert.Equal(1, Assert.Single(args)!.GetValue<string>().Length);
                }
            }
        });
        Assert.Equal("Hangman(\"foobar\"); .guess(\"b\"); .remaining_guesses; .guess(\"o\")", cases[0].Display);
        // Calls are dropped, repeated and reordered too.
        Assert.Contains(cases, c => c.Arguments[1]!.AsArray().Count != 3);
    }
}

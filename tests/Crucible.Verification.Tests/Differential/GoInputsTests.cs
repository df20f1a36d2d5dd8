using System.Text.Json.Nodes;
using Crucible.Verification.Differential;

namespace Crucible.Verification.Tests.Differential;

/// <summary>Inputs from Go parameter types and call sequences for Go objects, from the harvest's literals.</summary>
public sealed class GoInputsTests
{
    private static GoInputs Inputs(int seed = 7) => new(seed, DifferentialLimits.Default,
        [JsonValue.Create(3), JsonValue.Create(5), JsonValue.Create("ab")],
        [new JsonArray(1, 2), new JsonArray("x", "y")],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["Kind"] = "int" });

    [Fact]
    public void Typed_tuples_repeat_under_the_same_seed_and_stay_in_the_domain_the_tests_show()
    {
        string[] parameters = ["int", "[]int", "string", "Kind", "...string"];

        var first = Inputs().Tuples(parameters);
        var again = Inputs().Tuples(parameters);

        Assert.Equal(DifferentialLimits.Default.GeneratedTuples, first.Count);
        Assert.Equal(first.Select(t => t.ToJsonString()), again.Select(t => t.ToJsonString()));
        Assert.NotEqual(first.Select(t => t.ToJsonString()), Inputs(8).Tuples(parameters).Select(t => t.ToJsonString()));
        Assert.All(first, t =>
        {
            Assert.InRange(t.Count, 4, 6);
            // No test passes a negative number or zero, so none is generated.
            Assert.True(Number(t[0]) > 0 && Number(t[3]) > 0, t.ToJsonString());
            Assert.All(t[1]!.AsArray(), n => Assert.True(Number(n) > 0, t.ToJsonString()));
            Assert.IsType<string>(t[2]!.GetValue<string>());
        });
    }

    private static long Number(JsonNode? n) => long.Parse(n!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_parameter_that_is_a_function_or_another_packages_type_gets_no_inputs()
    {
        Assert.Equal((0, 0), (Inputs().Tuples(["int", "func(int) int"]).Count, Inputs().Tuples(["io.Reader"]).Count));
    }

    [Fact]
    public void An_object_gets_the_tests_sequences_then_a_tested_slice_fed_to_a_one_argument_method_followed_by_each_query()
    {
        var tested = new JsonArray(new JsonArray(), new JsonArray(new JsonObject { ["method"] = "Score", ["args"] = new JsonArray() }));

        var sequences = Inputs().Sequences([], [new JsonArray()], [("Roll", ["int"]), ("Score", [])], [tested]);

        Assert.Equal(tested.ToJsonString(), sequences[0].ToJsonString());
        Assert.Equal(
            """[[],[{"method":"Roll","args":[1]},{"method":"Roll","args":[2]},{"method":"Score","args":[]}]]""",
            sequences[1].ToJsonString());
        Assert.Equal(2 + DifferentialLimits.Default.GeneratedTuples, sequences.Count);
        Assert.All(sequences.Skip(2), s => Assert.All(s[1]!.AsArray(), c => Assert.Contains(c!["method"]!.GetValue<string>(), new[] { "Roll", "Score" })));
    }

    [Fact]
    public void An_object_whose_tested_methods_mostly_take_callbacks_gets_no_sequences()
    {
        var sequences = Inputs().Sequences([], [new JsonArray()], [("CreateInput", ["int"]), ("CreateCompute1", ["Cell", "func(int) int"]), ("CreateCompute2", ["Cell", "Cell", "func(int, int) int"])], []);

        Assert.Empty(sequences);
    }
}

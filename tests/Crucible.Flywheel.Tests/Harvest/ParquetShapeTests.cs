using System.Text.Json.Nodes;
using Crucible.Flywheel.Harvest;

namespace Crucible.Flywheel.Tests.Harvest;

public sealed class ParquetShapeTests
{
    private static JsonObject Row(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Objects_become_structs_with_every_rows_keys_and_open_shapes_and_conflicts_become_json_text()
    {
        var shape = ParquetShape.Infer(
        [
            Row("""{"messages":[{"role":"user","content":"hi"}],"label":true,"metadata":{"score":1,"flags":[]}}"""),
            Row("""{"messages":[{"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"run","arguments":{"cmd":"ls"}}}]}],"label":false,"metadata":{"score":0.5,"flags":["x"],"odd":1}}"""),
            Row("""{"messages":[{"role":"tool","content":"ok","name":"run"}],"label":null,"metadata":{"score":null,"flags":null,"odd":"text"}}"""),
        ]);

        Assert.Equal(["messages.tool_calls.function.arguments", "metadata.odd"], shape.JsonPaths());
        Assert.Equal("""
            - name: messages
              list:
              - name: role
                dtype: string
              - name: content
                dtype: string
              - name: tool_calls
                list:
                - name: type
                  dtype: string
                - name: function
                  struct:
                  - name: name
                    dtype: string
                  - name: arguments
                    dtype: string
              - name: name
                dtype: string
            - name: label
              dtype: bool
            - name: metadata
              struct:
              - name: score
                dtype: float64
              - name: flags
                list: string
              - name: odd
                dtype: string

            """.Replace("\r\n", "\n", StringComparison.Ordinal), shape.ToFeaturesYaml(0));
    }

    [Fact]
    public void Arguments_already_json_text_stay_that_string_and_rows_follow_the_shape()
    {
        var row = Row("""{"messages":[{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"run","arguments":"{\"cmd\":\"ls\"}"}}]}],"n":3}""");
        var shape = ParquetShape.Infer([row]);

        Assert.Empty(shape.JsonPaths());
        var value = shape.ToRow(row);
        var message = Assert.Single(Assert.IsType<List<IDictionary<string, object?>>>(value["messages"]));
        var call = Assert.Single(Assert.IsType<List<IDictionary<string, object?>>>(message["tool_calls"]));
        Assert.Equal("{\"cmd\":\"ls\"}", ((IDictionary<string, object?>)call["function"]!)["arguments"]);
        Assert.Equal(3L, value["n"]);
    }
}

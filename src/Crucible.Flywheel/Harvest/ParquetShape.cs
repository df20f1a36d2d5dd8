using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet.Schema;

namespace Crucible.Flywheel.Harvest;

/// <summary>The kind of a <see cref="ParquetShape"/> node.</summary>
public enum ShapeKind
{
    /// <summary>Only nulls seen so far: written as a string column.</summary>
    Unknown,
    /// <summary>UTF-8 string.</summary>
    String,
    /// <summary>Boolean.</summary>
    Bool,
    /// <summary>64-bit integer.</summary>
    Long,
    /// <summary>64-bit float (integers and fractions mixed widen to this).</summary>
    Double,
    /// <summary>A list of one element shape.</summary>
    List,
    /// <summary>A struct of named fields.</summary>
    Struct,
    /// <summary>JSON text: an open shape (see <see cref="ParquetShape.JsonTextPaths"/>) or values whose types conflict.</summary>
    Json,
}

/// <summary>
/// The nested type of a column, inferred from JSON rows the way Arrow's JSON reader does: objects become structs with the
/// union of their keys (a key absent from a row reads back as null), arrays become lists, integers mixed with fractions
/// become doubles. Values whose shape is open by design — a tool call's <c>arguments</c> and a tool's JSON Schema
/// <c>parameters</c> — are JSON text, as TRL recommends (a struct would be the union of every tool's argument names, padded
/// with nulls, and a name typed differently by two tools could not be stored at all). Anything else whose types conflict
/// also falls back to JSON text. One shape per format, over all its rows, so every split's shards share one schema.
/// </summary>
public sealed class ParquetShape
{
    /// <summary>Dotted paths (list levels have no segment) stored as JSON text whatever their values look like.</summary>
    public static IReadOnlyList<string> JsonTextPaths { get; } =
    [
        "messages.tool_calls.function.arguments",
        "prompt.tool_calls.function.arguments",
        "chosen.tool_calls.function.arguments",
        "rejected.tool_calls.function.arguments",
        "completion.tool_calls.function.arguments",
        "tools.function.parameters",
    ];

    /// <summary>The name of a list's element field (the Parquet LIST convention).</summary>
    public const string ElementName = "element";

    private ParquetShape(ShapeKind kind, ParquetShape? element = null, IReadOnlyList<(string Name, ParquetShape Shape)>? fields = null)
    {
        Kind = kind;
        Element = element;
        Fields = fields ?? [];
    }

    /// <summary>The node's kind.</summary>
    public ShapeKind Kind { get; }

    /// <summary>The element shape of a list.</summary>
    public ParquetShape? Element { get; }

    /// <summary>The fields of a struct, in the order first seen.</summary>
    public IReadOnlyList<(string Name, ParquetShape Shape)> Fields { get; }

    /// <summary>Infers the shape of the top-level row objects (a struct whose fields are the columns).</summary>
    public static ParquetShape Infer(IEnumerable<JsonObject> rows)
    {
        var shape = new ParquetShape(ShapeKind.Unknown);
        foreach (var row in rows)
        {
            shape = Merge(shape, Of(row, ""), "");
        }
        return shape.Kind == ShapeKind.Struct ? shape : new ParquetShape(ShapeKind.Struct);
    }

    private static ParquetShape Of(JsonNode? node, string path)
    {
        if (node is null)
        {
            return new ParquetShape(ShapeKind.Unknown);
        }
        if (path.Length > 0 && JsonTextPaths.Contains(path, StringComparer.Ordinal))
        {
            // Already text (OpenAI's arguments are a JSON string by spec): stored as that string, not encoded twice.
            return new ParquetShape(node is JsonValue text && text.GetValueKind() == JsonValueKind.String ? ShapeKind.String : ShapeKind.Json);
        }
        return node switch
        {
            JsonObject o => new ParquetShape(ShapeKind.Struct, fields: [.. o.Select(kv => (kv.Key, Of(kv.Value, Join(path, kv.Key))))]),
            JsonArray a => new ParquetShape(ShapeKind.List, a.Aggregate(new ParquetShape(ShapeKind.Unknown), (s, e) => Merge(s, Of(e, path), path))),
            JsonValue v => v.GetValueKind() switch
            {
                JsonValueKind.String => new ParquetShape(ShapeKind.String),
                JsonValueKind.True or JsonValueKind.False => new ParquetShape(ShapeKind.Bool),
                JsonValueKind.Number => new ParquetShape(IsInteger(v) ? ShapeKind.Long : ShapeKind.Double),
                _ => new ParquetShape(ShapeKind.Unknown),
            },
            _ => new ParquetShape(ShapeKind.Json),
        };
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static bool IsInteger(JsonValue v) => v.TryGetValue<long>(out _) || v.TryGetValue<int>(out _) || (v.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out _));

    private static ParquetShape Merge(ParquetShape a, ParquetShape b, string path)
    {
        if (a.Kind == ShapeKind.Unknown)
        {
            return b;
        }
        if (b.Kind == ShapeKind.Unknown)
        {
            return a;
        }
        if (a.Kind == ShapeKind.Json || b.Kind == ShapeKind.Json)
        {
            return new ParquetShape(ShapeKind.Json);
        }
        if ((a.Kind, b.Kind) is (ShapeKind.Long, ShapeKind.Double) or (ShapeKind.Double, ShapeKind.Long))
        {
            return new ParquetShape(ShapeKind.Double);
        }
        if (a.Kind != b.Kind)
        {
            return new ParquetShape(ShapeKind.Json);
        }
        switch (a.Kind)
        {
            case ShapeKind.List:
                var element = Merge(a.Element!, b.Element!, path);
                // A list of lists has no use in these formats; keep it as text rather than widen the writer for it.
                return element.Kind == ShapeKind.List ? new ParquetShape(ShapeKind.Json) : new ParquetShape(ShapeKind.List, element);
            case ShapeKind.Struct:
                var fields = a.Fields.ToList();
                foreach (var (name, shape) in b.Fields)
                {
                    var i = fields.FindIndex(f => f.Name == name);
                    if (i < 0)
                    {
                        fields.Add((name, shape));
                    }
                    else
                    {
                        fields[i] = (name, Merge(fields[i].Shape, shape, Join(path, name)));
                    }
                }
                return new ParquetShape(ShapeKind.Struct, fields: fields);
            default:
                return a;
        }
    }

    /// <summary>The dotted paths of every JSON text node (for the file's key-value metadata).</summary>
    public IReadOnlyList<string> JsonPaths()
    {
        var paths = new List<string>();
        void Walk(ParquetShape s, string path)
        {
            switch (s.Kind)
            {
                case ShapeKind.Json:
                    paths.Add(path);
                    break;
                case ShapeKind.List:
                    Walk(s.Element!, path);
                    break;
                case ShapeKind.Struct:
                    foreach (var (name, child) in s.Fields)
                    {
                        Walk(child, Join(path, name));
                    }
                    break;
            }
        }
        Walk(this, "");
        return paths;
    }

    /// <summary>The Parquet schema of a row shape: every field optional, lists in the standard three-level layout.</summary>
    public ParquetSchema ToSchema() => new([.. Fields.Select(f => ToField(f.Name, f.Shape))]);

    private static Field ToField(string name, ParquetShape s) => s.Kind switch
    {
        ShapeKind.Bool => new DataField<bool?>(name),
        ShapeKind.Long => new DataField<long?>(name),
        ShapeKind.Double => new DataField<double?>(name),
        ShapeKind.List => new ListField(name, ToField(ElementName, s.Element!)),
        ShapeKind.Struct when s.Fields.Count > 0 => new StructField(name, [.. s.Fields.Select(f => ToField(f.Name, f.Shape))]),
        _ => new DataField<string>(name, true),
    };

    /// <summary>A row as Parquet.Net's untyped serializer takes it, following this (row) shape.</summary>
    public IDictionary<string, object?> ToRow(JsonObject row) => StructValue(this, row);

    private static Dictionary<string, object?> StructValue(ParquetShape s, JsonObject o) =>
        s.Fields.ToDictionary(f => f.Name, f => Value(f.Shape, o.TryGetPropertyValue(f.Name, out var v) ? v : null), StringComparer.Ordinal);

    private static object? Value(ParquetShape s, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }
        switch (s.Kind)
        {
            case ShapeKind.String:
            case ShapeKind.Unknown:
                return node.GetValue<string>();
            case ShapeKind.Bool:
                return node.GetValue<bool>();
            case ShapeKind.Long:
                return ToLong(node.AsValue());
            case ShapeKind.Double:
                return ToDouble(node.AsValue());
            case ShapeKind.Struct when s.Fields.Count > 0:
                return StructValue(s, node.AsObject());
            case ShapeKind.List:
                return ListValue(s.Element!, node.AsArray());
            default:
                return node.ToJsonString(HarvestRecord.Json);
        }
    }

    /// <summary>Parquet.Net's untyped serializer wants each list as a list of its element's own CLR type.</summary>
    private static object ListValue(ParquetShape element, JsonArray items) => element.Kind switch
    {
        ShapeKind.Bool => items.Select(i => (bool?)Value(element, i)).ToList(),
        ShapeKind.Long => items.Select(i => (long?)Value(element, i)).ToList(),
        ShapeKind.Double => items.Select(i => (double?)Value(element, i)).ToList(),
        ShapeKind.Struct when element.Fields.Count > 0 => items.Select(i => i is null ? null : (IDictionary<string, object?>)StructValue(element, i.AsObject())).ToList(),
        _ => items.Select(i => ((string?)Value(element, i))?.AsMemory()).ToList(),
    };

    private static long ToLong(JsonValue v) => v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : v.GetValue<JsonElement>().GetInt64();

    private static double ToDouble(JsonValue v) => v.TryGetValue<double>(out var d) ? d : v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : v.TryGetValue<decimal>(out var m) ? (double)m : v.GetValue<JsonElement>().GetDouble();

    /// <summary>
    /// The row shape as the <c>features</c> of a Hugging Face dataset card (the YAML that <c>datasets</c> reads with
    /// <c>Features._from_yaml_list</c>): <c>dtype</c> for values, <c>struct</c> for objects, <c>list</c> for lists. JSON text
    /// is <c>dtype: string</c>, which is what the Parquet holds.
    /// </summary>
    public string ToFeaturesYaml(int indent)
    {
        var sb = new StringBuilder();
        foreach (var (name, shape) in Fields)
        {
            AppendFeature(sb, indent, name, shape);
        }
        return sb.ToString();
    }

    private static void AppendFeature(StringBuilder sb, int indent, string name, ParquetShape s)
    {
        var pad = new string(' ', indent);
        sb.Append(pad).Append("- name: ").Append(name).Append('\n');
        AppendType(sb, indent + 2, s);
    }

    private static void AppendType(StringBuilder sb, int indent, ParquetShape s)
    {
        var pad = new string(' ', indent);
        switch (s.Kind)
        {
            case ShapeKind.Struct when s.Fields.Count > 0:
                sb.Append(pad).Append("struct:\n");
                foreach (var (name, child) in s.Fields)
                {
                    AppendFeature(sb, indent, name, child);
                }
                break;
            case ShapeKind.List when s.Element!.Kind is ShapeKind.Struct && s.Element.Fields.Count > 0:
                // A list of structs is written as the struct's fields under `list:`.
                sb.Append(pad).Append("list:\n");
                foreach (var (name, child) in s.Element.Fields)
                {
                    AppendFeature(sb, indent, name, child);
                }
                break;
            case ShapeKind.List:
                sb.Append(pad).Append("list: ").Append(DType(s.Element!)).Append('\n');
                break;
            default:
                sb.Append(pad).Append("dtype: ").Append(DType(s)).Append('\n');
                break;
        }
    }

    private static string DType(ParquetShape s) => s.Kind switch
    {
        ShapeKind.Bool => "bool",
        ShapeKind.Long => "int64",
        ShapeKind.Double => "float64",
        _ => "string",
    };
}

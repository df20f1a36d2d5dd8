using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace Crucible.Flywheel.Harvest;

/// <summary>What the writer wrote for one format and split.</summary>
/// <param name="Format">The format.</param>
/// <param name="Split">The split.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Files">Parquet and JSONL files, relative to the dataset folder.</param>
public sealed record WrittenSplit(string Format, string Split, int Rows, IReadOnlyList<string> Files);

/// <summary>
/// Writes a Hugging Face dataset folder: per format, <c>&lt;format&gt;/data/&lt;split&gt;-NNNNN-of-NNNNN.parquet</c> with the
/// same rows as JSONL beside it. Every file is written to a temporary name and renamed, so a killed harvest leaves
/// either the old file or the new one, never half of one. Output is a pure function of the rows: byte-identical
/// for the same input.
/// </summary>
public static class DatasetFolder
{
    /// <summary>The Parquet key-value metadata naming the columns stored as JSON text (lists and objects).</summary>
    public const string JsonColumnsKey = "crucible.json_columns";

    /// <summary>The schema name written into each Parquet file's metadata.</summary>
    public const string SchemaKey = "crucible.schema";

    /// <summary>Writes one format's rows.</summary>
    public static async Task<IReadOnlyList<WrittenSplit>> WriteFormatAsync(string root, DatasetFormat format, IReadOnlyList<DatasetRow> rows, IReadOnlyList<string> splitOrder, int maxRowsPerShard, CancellationToken ct)
    {
        var written = new List<WrittenSplit>();
        var dataDir = Path.Combine(root, format.Name, "data");
        Directory.CreateDirectory(dataDir);
        foreach (var split in splitOrder)
        {
            var inSplit = rows.Where(r => r.Split == split).ToList();
            if (inSplit.Count == 0)
            {
                continue;
            }
            var shards = (inSplit.Count + maxRowsPerShard - 1) / maxRowsPerShard;
            var files = new List<string>();
            for (var s = 0; s < shards; s++)
            {
                var chunk = inSplit.Skip(s * maxRowsPerShard).Take(maxRowsPerShard).ToList();
                var stem = string.Create(CultureInfo.InvariantCulture, $"{split}-{s:D5}-of-{shards:D5}");
                var full = chunk.Select(r => Full(r, format)).ToList();
                await WriteAtomicAsync(Path.Combine(dataDir, stem + ".jsonl"), Jsonl(full), ct).ConfigureAwait(false);
                await WriteAtomicAsync(Path.Combine(dataDir, stem + ".parquet"), await ParquetBytesAsync(full, format, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                files.Add($"{format.Name}/data/{stem}.parquet");
                files.Add($"{format.Name}/data/{stem}.jsonl");
                if (format.Strict)
                {
                    // The upstream reader rejects unknown fields: provenance goes line by line beside the rows.
                    await WriteAtomicAsync(Path.Combine(dataDir, stem + ".provenance.jsonl"), Jsonl(chunk.Select(r => r.Metadata)), ct).ConfigureAwait(false);
                    files.Add($"{format.Name}/data/{stem}.provenance.jsonl");
                }
            }
            written.Add(new WrittenSplit(format.Name, split, inSplit.Count, files));
        }
        return written;
    }

    /// <summary>Writes <paramref name="bytes"/> to a temporary file beside <paramref name="path"/>, syncs it, and renames it over <paramref name="path"/>.</summary>
    public static async Task WriteAtomicAsync(string path, byte[] bytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        await using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.None))
        {
            await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Rows as JSONL: one compact JSON object per line, <c>\n</c> line ends.</summary>
    public static byte[] Jsonl(IEnumerable<JsonObject> rows)
    {
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.Append(r.ToJsonString(HarvestRecord.Json)).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static JsonObject Full(DatasetRow r, DatasetFormat format)
    {
        var o = (JsonObject)r.Row.DeepClone();
        if (!format.Strict)
        {
            o["metadata"] = r.Metadata.DeepClone();
        }
        return o;
    }

    private enum ColumnKind { String, Bool, Long, Double, Json }

    /// <summary>
    /// The rows as one Parquet file: strings, booleans, integers and numbers as native columns; lists and objects as
    /// JSON text (named in <see cref="JsonColumnsKey"/>), because their shapes vary from row to row (tool arguments).
    /// </summary>
    private static async Task<byte[]> ParquetBytesAsync(IReadOnlyList<JsonObject> rows, DatasetFormat format, CancellationToken ct)
    {
        var names = rows.SelectMany(r => r.Select(kv => kv.Key)).Distinct(StringComparer.Ordinal).ToList();
        var kinds = names.ToDictionary(n => n, n => KindOf(rows.Select(r => r[n])), StringComparer.Ordinal);
        var fields = names.Select(n => (Field)(kinds[n] switch
        {
            ColumnKind.Bool => new DataField<bool?>(n),
            ColumnKind.Long => new DataField<long?>(n),
            ColumnKind.Double => new DataField<double?>(n),
            _ => new DataField<string>(n, true),
        })).ToList();
        var schema = new ParquetSchema(fields);
        var data = rows.Select(r => (IDictionary<string, object?>)names.ToDictionary(n => n, n => Value(r.TryGetPropertyValue(n, out var v) ? v : null, kinds[n]), StringComparer.Ordinal)).ToList();
        using var stream = new MemoryStream();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SchemaKey] = $"crucible.harvest.{format.Name}/1",
            [JsonColumnsKey] = string.Join(',', names.Where(n => kinds[n] == ColumnKind.Json)),
        };
        await ParquetSerializer.SerializeUntypedAsync(data, schema, stream, new ParquetOptions(), meta, ct).ConfigureAwait(false);
        return stream.ToArray();
    }

    private static ColumnKind KindOf(IEnumerable<JsonNode?> values)
    {
        ColumnKind? kind = null;
        foreach (var v in values)
        {
            var k = v switch
            {
                null => (ColumnKind?)null,
                JsonValue jv when jv.GetValueKind() == JsonValueKind.String => ColumnKind.String,
                JsonValue jv when jv.GetValueKind() is JsonValueKind.True or JsonValueKind.False => ColumnKind.Bool,
                JsonValue jv when jv.GetValueKind() == JsonValueKind.Number => jv.TryGetValue<long>(out _) || (jv.TryGetValue<int>(out _)) ? ColumnKind.Long : ColumnKind.Double,
                _ => ColumnKind.Json,
            };
            if (k is null)
            {
                continue;
            }
            kind = kind is null ? k : kind == k ? kind : (kind, k) is (ColumnKind.Long, ColumnKind.Double) or (ColumnKind.Double, ColumnKind.Long) ? ColumnKind.Double : ColumnKind.Json;
        }
        return kind ?? ColumnKind.String;
    }

    private static object? Value(JsonNode? node, ColumnKind kind) => node is null ? null : kind switch
    {
        ColumnKind.String => node.GetValue<string>(),
        ColumnKind.Bool => node.GetValue<bool>(),
        ColumnKind.Long => node.AsValue().TryGetValue<long>(out var l) ? l : node.AsValue().TryGetValue<int>(out var i) ? i : (long)node.GetValue<double>(),
        ColumnKind.Double => node.AsValue().TryGetValue<double>(out var d) ? d : node.AsValue().TryGetValue<long>(out var dl) ? dl : node.GetValue<int>(),
        _ => node.ToJsonString(HarvestRecord.Json),
    };
}

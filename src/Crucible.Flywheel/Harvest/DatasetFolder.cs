using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Serialization;

namespace Crucible.Flywheel.Harvest;

/// <summary>What the writer wrote for one format and split.</summary>
/// <param name="Format">The format.</param>
/// <param name="Split">The split.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Files">Parquet and JSONL files, relative to the dataset folder.</param>
/// <param name="Shape">The nested type of the format's rows, shared by every shard of every split.</param>
public sealed record WrittenSplit(string Format, string Split, int Rows, IReadOnlyList<string> Files, ParquetShape Shape);

/// <summary>
/// Writes a Hugging Face dataset folder: per format, <c>&lt;format&gt;/data/&lt;split&gt;-NNNNN-of-NNNNN.parquet</c> with the
/// same rows as JSONL beside it. Every file is written to a temporary name and renamed, so a killed harvest leaves
/// either the old file or the new one, never half of one. Output is a pure function of the rows: byte-identical
/// for the same input.
/// </summary>
public static class DatasetFolder
{
    /// <summary>The Parquet key-value metadata naming, as dotted paths, the nested values stored as JSON text (open shapes).</summary>
    public const string JsonPathsKey = "crucible.json_paths";

    /// <summary>The schema name written into each Parquet file's metadata.</summary>
    public const string SchemaKey = "crucible.schema";

    /// <summary>Writes one format's rows.</summary>
    public static async Task<IReadOnlyList<WrittenSplit>> WriteFormatAsync(string root, DatasetFormat format, IReadOnlyList<DatasetRow> rows, IReadOnlyList<string> splitOrder, int maxRowsPerShard, CancellationToken ct)
    {
        var written = new List<WrittenSplit>();
        var dataDir = Path.Combine(root, format.Name, "data");
        Directory.CreateDirectory(dataDir);
        // One shape over every split: the Hub reads a config's splits with one set of features.
        var shape = ParquetShape.Infer(rows.Select(r => Full(r, format)));
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
                await WriteAtomicAsync(Path.Combine(dataDir, stem + ".parquet"), await ParquetBytesAsync(full, shape, format, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                files.Add($"{format.Name}/data/{stem}.parquet");
                files.Add($"{format.Name}/data/{stem}.jsonl");
                if (format.Strict)
                {
                    // The upstream reader rejects unknown fields: provenance goes line by line beside the rows.
                    await WriteAtomicAsync(Path.Combine(dataDir, stem + ".provenance.jsonl"), Jsonl(chunk.Select(r => r.Metadata)), ct).ConfigureAwait(false);
                    files.Add($"{format.Name}/data/{stem}.provenance.jsonl");
                }
            }
            written.Add(new WrittenSplit(format.Name, split, inSplit.Count, files, shape));
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

    /// <summary>
    /// The rows as one Parquet file in their nested types: lists as Parquet lists, objects as structs, and only the open
    /// shapes of <see cref="ParquetShape.JsonTextPaths"/> (or conflicting types) as JSON text, named in <see cref="JsonPathsKey"/>.
    /// </summary>
    private static async Task<byte[]> ParquetBytesAsync(IReadOnlyList<JsonObject> rows, ParquetShape shape, DatasetFormat format, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SchemaKey] = $"crucible.harvest.{format.Name}/2",
            [JsonPathsKey] = string.Join(',', shape.JsonPaths()),
        };
        await ParquetSerializer.SerializeUntypedAsync(rows.Select(shape.ToRow).ToList(), shape.ToSchema(), stream, new ParquetOptions(), meta, ct).ConfigureAwait(false);
        return stream.ToArray();
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Core;

namespace Crucible.Models.Batches;

/// <summary>What is remembered about a submitted batch so a restarted process can resume it.</summary>
/// <param name="Job">The caller's name for the job (the store's key).</param>
/// <param name="BatchId">The provider's batch id, e.g. <c>msgbatch_01…</c> (Anthropic) or <c>batch_…</c> (OpenAI).</param>
/// <param name="Model">The model the requests were built for.</param>
/// <param name="CustomIds">The custom_id of every submitted request, in submission order.</param>
/// <param name="SubmittedAt">When the batch was created.</param>
public sealed record StoredBatch(string Job, string BatchId, string Model, IReadOnlyList<string> CustomIds, DateTimeOffset SubmittedAt);

/// <summary>
/// Remembers submitted batches as one small JSON file per job in a caller-given folder
/// (<c>&lt;folder&gt;/&lt;job&gt;.batch.json</c>). Files are written to a temporary name and renamed,
/// so a kill mid-write leaves the previous state, never half a file.
/// </summary>
public sealed partial class ChatBatchStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Creates a store in <paramref name="folder"/> (created if missing).</summary>
    public ChatBatchStore(string folder)
    {
        Folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The folder holding the files.</summary>
    public string Folder { get; }

    /// <summary>Saves (or replaces) the record of a job.</summary>
    public void Save(StoredBatch batch)
    {
        var path = PathFor(batch.Job);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(batch, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The record of a job, or null if none was saved.</summary>
    /// <exception cref="BadInputException">The file exists but is not a batch record.</exception>
    public StoredBatch? Load(string job)
    {
        var path = PathFor(job);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<StoredBatch>(File.ReadAllText(path), Json)
                ?? throw new JsonException("empty record");
        }
        catch (JsonException e)
        {
            throw new BadInputException($"The batch record {path} is not valid JSON ({e.Message}).",
                "Delete the file to submit the batch again, or restore it from a backup.", e);
        }
    }

    /// <summary>Forgets a job (after its results were fetched, if the caller wants).</summary>
    public void Delete(string job) => File.Delete(PathFor(job));

    private string PathFor(string job)
    {
        if (!JobName().IsMatch(job))
        {
            throw new BadInputException($"The batch job name '{job}' is not usable as a file name.",
                "Use letters, digits, '.', '_' or '-' (up to 100 characters).");
        }
        return Path.Combine(Folder, job + ".batch.json");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex JobName();
}

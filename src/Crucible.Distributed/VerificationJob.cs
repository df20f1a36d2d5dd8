using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Crucible.Core;
using Crucible.Core.Tasks;
using Crucible.Verification.Grading;

namespace Crucible.Distributed;

/// <summary>
/// One verification to run on a worker: the task (by suite reference, or inline with every file's content so a worker
/// on another machine can grade it), the candidate's files and the verifier version the client expects. The message
/// body of the job queue.
/// </summary>
public sealed record VerificationJob
{
    /// <summary>The schema name of this artifact.</summary>
    public const string SchemaName = "crucible.verification-job";

    /// <summary>The schema name, <see cref="SchemaName"/>.</summary>
    public string Schema { get; init; } = SchemaName;

    /// <summary>The schema version of this record.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>SHA-256 over (task, candidate content, verifier version), hex: the key of the job's result row.</summary>
    public required string Hash { get; init; }

    /// <summary>
    /// Unique per publication (an identical job published twice gets two ids). Dead letters are recorded under it, so a
    /// poison job is reported to the run that sent it without poisoning later identical jobs.
    /// </summary>
    public required string DispatchId { get; init; }

    /// <summary>The task to grade against.</summary>
    public required JobTask Task { get; init; }

    /// <summary>The candidate's workspace files, sorted by path.</summary>
    public required IReadOnlyList<CandidateFile> Candidate { get; init; }

    /// <summary>The verifier version of the client that made the job (part of the hash).</summary>
    public required string VerifierVersion { get; init; }
}

/// <summary>A job's task: exactly one of <see cref="Reference"/> and <see cref="Inline"/> is set.</summary>
public sealed record JobTask
{
    /// <summary>A task of a suite the worker can read at the same path (a shared volume).</summary>
    public TaskReference? Reference { get; init; }

    /// <summary>
    /// The whole task with every file's content inline (<see cref="TaskFile.Content"/> set, source paths empty, no
    /// reference solution), so a worker on another machine can grade it.
    /// </summary>
    public TaskSpec? Inline { get; init; }

    /// <summary>The task's id.</summary>
    [JsonIgnore]
    public string TaskId => Inline?.Id ?? Reference?.TaskId ?? "";
}

/// <summary>A task named by suite folder and id.</summary>
/// <param name="Suite">The suite folder, as an absolute path on the workers.</param>
/// <param name="TaskId">The task's id in the suite.</param>
public sealed record TaskReference(string Suite, string TaskId);

/// <summary>One file of the candidate's workspace.</summary>
/// <param name="Path">Workspace-relative path with forward slashes.</param>
/// <param name="Content">The bytes (base64 in JSON).</param>
public sealed record CandidateFile(string Path, byte[] Content);

/// <summary>Builds jobs, computes their hashes, and encodes them for the broker.</summary>
public static class Jobs
{
    /// <summary>JSON of jobs and stored verdicts: camelCase, enums as names.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// This build's verifier version: the informational version of the verification assembly. A result row written by
    /// another version is never taken for this one's, because the version is part of the job hash.
    /// </summary>
    public static string VerifierVersion { get; } =
        "crucible-verifier/" + (typeof(Crucible.Verification.Verifier).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(Crucible.Verification.Verifier).Assembly.GetName().Version?.ToString() ?? "0");

    /// <summary>
    /// The job that grades <paramref name="workspacePath"/> against <paramref name="task"/>, the task inline. The
    /// reference solution is left out: a worker never needs it, and the candidate must not be able to read it.
    /// </summary>
    /// <exception cref="BadInputException">A task file is not UTF-8 text (inline tasks carry text).</exception>
    public static VerificationJob Create(TaskSpec task, string workspacePath, string? verifierVersion = null)
    {
        var inline = task with
        {
            SourcePath = "",
            StartingFiles = task.StartingFiles.Select(Inline).ToList(),
            TestFiles = task.TestFiles.Select(Inline).ToList(),
            ReferenceFiles = [],
        };
        return Create(new JobTask { Inline = inline }, ReadCandidate(workspacePath), verifierVersion);
    }

    /// <summary>A job over <paramref name="jobTask"/> and <paramref name="candidate"/>, with its hash and a new dispatch id.</summary>
    public static VerificationJob Create(JobTask jobTask, IReadOnlyList<CandidateFile> candidate, string? verifierVersion = null)
    {
        var sorted = candidate.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var version = verifierVersion ?? VerifierVersion;
        return new VerificationJob
        {
            Hash = Hash(jobTask, sorted, version),
            DispatchId = Guid.NewGuid().ToString("N"),
            Task = jobTask,
            Candidate = sorted,
            VerifierVersion = version,
        };
    }

    /// <summary>The regular files of a workspace (build outputs skipped, links never followed).</summary>
    public static IReadOnlyList<CandidateFile> ReadCandidate(string workspacePath) =>
        Workspaces.ListRegularFiles(workspacePath).Select(rel => new CandidateFile(rel, File.ReadAllBytes(Path.Combine(workspacePath, rel)))).ToList();

    /// <summary>
    /// SHA-256 (hex) over the task's JSON, each candidate file's path and bytes in path order, and the verifier version,
    /// each part length-prefixed so no two different jobs share an encoding.
    /// </summary>
    public static string Hash(JobTask jobTask, IReadOnlyList<CandidateFile> candidate, string verifierVersion)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Part(ReadOnlySpan<byte> bytes)
        {
            Span<byte> length = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, bytes.Length);
            sha.AppendData(length);
            sha.AppendData(bytes);
        }
        Part(Encoding.UTF8.GetBytes(VerificationJob.SchemaName + "/1"));
        Part(JsonSerializer.SerializeToUtf8Bytes(jobTask, Json));
        foreach (var f in candidate.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            Part(Encoding.UTF8.GetBytes(f.Path));
            Part(f.Content);
        }
        Part(Encoding.UTF8.GetBytes(verifierVersion));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The message body of <paramref name="job"/>.</summary>
    public static byte[] Encode(VerificationJob job) => JsonSerializer.SerializeToUtf8Bytes(job, Json);

    /// <summary>Reads a message body back.</summary>
    /// <exception cref="InvalidDataException">The body is not a job of a known schema.</exception>
    public static VerificationJob Decode(ReadOnlySpan<byte> body)
    {
        VerificationJob? job;
        try
        {
            job = JsonSerializer.Deserialize<VerificationJob>(body, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not a verification job: {e.Message}", e);
        }
        if (job is null || job.Schema != VerificationJob.SchemaName || job.SchemaVersion != 1)
        {
            throw new InvalidDataException($"not a {VerificationJob.SchemaName} version 1 message");
        }
        if ((job.Task.Inline is null) == (job.Task.Reference is null))
        {
            throw new InvalidDataException("a job names its task either inline or by reference, not both or neither");
        }
        return job;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static TaskFile Inline(TaskFile file)
    {
        string text;
        try
        {
            text = file.Content ?? StrictUtf8.GetString(Workspaces.ReadTaskFile(file));
        }
        catch (DecoderFallbackException)
        {
            throw new BadInputException($"task file '{file.Path}' is not UTF-8 text, and inline tasks carry text", "keep binary files out of the task's workspace and tests, or verify it locally (without --broker)");
        }
        return new TaskFile(file.Path, "") { Content = text };
    }
}

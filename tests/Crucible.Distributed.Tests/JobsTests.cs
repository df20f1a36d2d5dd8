using System.Text.Json;
using Crucible.Core;
using Crucible.Testing;
using Crucible.Verification.Tasks;

namespace Crucible.Distributed.Tests;

public sealed class JobsTests : IDisposable
{
    private readonly NapTask _nap = new();

    [Fact]
    public void The_job_hash_covers_task_candidate_content_and_verifier_version_and_nothing_else()
    {
        var candidate = _nap.Candidate("a", 0);
        var job = Jobs.Create(_nap.Task, candidate);
        var again = Jobs.Create(_nap.Task, candidate);
        var otherVersion = Jobs.Create(_nap.Task, candidate, "crucible-verifier/other");
        var otherContent = Jobs.Create(_nap.Task, _nap.Candidate("b", 0, value: 41));
        var otherTask = Jobs.Create(_nap.Task with { Instructions = "changed" }, candidate);

        // A new publication (dispatch id) of the same job keeps its hash; any change of the three parts changes it.
        Assert.NotEqual(job.DispatchId, again.DispatchId);
        Assert.Equal(job.Hash, again.Hash);
        Assert.Equal(4, new[] { job.Hash, otherVersion.Hash, otherContent.Hash, otherTask.Hash }.Distinct().Count());
        Assert.Matches("^[0-9a-f]{64}$", job.Hash);
    }

    [Fact]
    public void An_inline_job_carries_every_task_file_as_text_without_host_paths_or_the_reference_solution()
    {
        using var dir = new TempDirectory();
        var task = TaskSuites.Load(TestPaths.Examples).Tasks.Single(t => t.Id == "slugify");
        var job = Jobs.Create(task, Path.Combine(task.SourcePath, "workspace"));

        var decoded = Jobs.Decode(Jobs.Encode(job));

        Assert.Equal(JsonSerializer.Serialize(job, Jobs.Json), JsonSerializer.Serialize(decoded, Jobs.Json));
        var inline = decoded.Task.Inline!;
        Assert.Equal(("", 0, VerificationJob.SchemaName), (inline.SourcePath, inline.ReferenceFiles.Count, decoded.Schema));
        Assert.All(inline.StartingFiles.Concat(inline.TestFiles), f => Assert.Equal((f.SourcePath, File.ReadAllText(Path.Combine(task.SourcePath, "workspace", f.Path))), ("", f.Content)));
        Assert.Equal(inline.StartingFiles.Select(f => f.Path).Order(StringComparer.Ordinal), decoded.Candidate.Select(c => c.Path));
    }

    [Fact]
    public void A_message_that_is_not_a_job_is_refused_with_the_reason()
    {
        var e = Assert.Throws<InvalidDataException>(() => Jobs.Decode("{\"schema\":\"something-else\",\"schemaVersion\":1,\"hash\":\"h\",\"dispatchId\":\"d\",\"task\":{},\"candidate\":[],\"verifierVersion\":\"v\"}"u8));
        Assert.Equal("not a crucible.verification-job version 1 message", e.Message);
        Assert.StartsWith("not a verification job:", Assert.Throws<InvalidDataException>(() => Jobs.Decode("{"u8)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://crucible:s%40cret@db.example:6432/results?Pooling=false", "Host=db.example;Port=6432;Database=results;Username=crucible;Password=s@cret;Pooling=False")]
    [InlineData("postgres://pg/crucible", "Host=pg;Port=5432;Database=crucible")]
    [InlineData("Host=pg;Database=crucible;Username=postgres", "Host=pg;Database=crucible;Username=postgres")]
    public void Database_uris_become_npgsql_connection_strings(string given, string expected)
    {
        Assert.Equal(expected, Endpoints.Parse("amqp://guest:guest@mq/", given)!.DatabaseConnectionString);
    }

    [Theory]
    [InlineData("amqp://mq/", null, "--broker and --db go together")]
    [InlineData("http://mq/", "postgres://pg/x", "--broker 'http://mq/' is not an amqp:// or amqps:// URI")]
    [InlineData("amqp://mq/", "postgresql://user:hunter2@/x", "--db 'postgresql://user:***@/x' is not a valid postgresql:// URI")]
    public void Bad_endpoints_are_refused_with_a_fix_and_no_password(string? broker, string? database, string message)
    {
        var e = Assert.Throws<BadInputException>(() => Endpoints.Parse(broker, database));
        Assert.Equal(message, e.Message);
        Assert.NotNull(e.Fix);
    }

    [Fact]
    public void Without_either_flag_nothing_changes_and_passwords_are_hidden_in_logs()
    {
        Assert.Null(Endpoints.Parse(null, null));
        Assert.Equal("amqp://guest:***@mq:5672/", Endpoints.Parse("amqp://guest:secret@mq:5672/", "postgres://pg/x")!.BrokerForDisplay);
    }

    public void Dispose() => _nap.Dispose();
}

using Crucible.Models.Batches;
using Crucible.Core;
using Crucible.Testing;

namespace Crucible.Models.Tests.Batches;

public sealed class ChatBatchStoreTests
{
    [Fact]
    public void A_saved_batch_is_loaded_back_by_a_new_store_over_the_same_folder()
    {
        using var folder = new TempDirectory("batch-store");
        var saved = new StoredBatch("judge-7", "msgbatch_01abc", "claude-haiku-4-5", ["a", "b"], new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

        new ChatBatchStore(folder.Path).Save(saved);
        var loaded = new ChatBatchStore(folder.Path).Load("judge-7")!;

        Assert.Equal((saved.Job, saved.BatchId, saved.Model, saved.SubmittedAt), (loaded.Job, loaded.BatchId, loaded.Model, loaded.SubmittedAt));
        Assert.Equal(saved.CustomIds, loaded.CustomIds);
        Assert.Equal(["judge-7.batch.json"], Directory.EnumerateFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void An_unknown_job_loads_as_null_and_a_deleted_one_is_forgotten()
    {
        using var folder = new TempDirectory("batch-store");
        var store = new ChatBatchStore(folder.Path);
        store.Save(new StoredBatch("j", "msgbatch_1", "m", ["x"], DateTimeOffset.UnixEpoch));

        store.Delete("j");

        Assert.Null(store.Load("j"));
        Assert.Null(store.Load("never"));
    }

    [Fact]
    public void A_corrupt_record_is_bad_input_naming_the_file()
    {
        using var folder = new TempDirectory("batch-store");
        var path = folder.Write("job.batch.json", "{ not json");

        var error = Assert.Throws<BadInputException>(() => new ChatBatchStore(folder.Path).Load("job"));

        Assert.Contains(path, error.Message);
        Assert.Contains("Delete the file", error.Fix);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    public void A_job_name_that_is_not_a_plain_file_name_is_bad_input(string job)
    {
        using var folder = new TempDirectory("batch-store");

        Assert.Throws<BadInputException>(() => new ChatBatchStore(folder.Path).Save(new StoredBatch(job, "msgbatch_1", "m", ["x"], DateTimeOffset.UnixEpoch)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }
}

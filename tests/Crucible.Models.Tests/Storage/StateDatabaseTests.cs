using System.Text;
using Crucible.Core;
using Crucible.Models.Caching;
using Crucible.Models.Storage;
using Crucible.Testing;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Storage;

/// <summary>State databases that are damaged, empty or missing: moved aside and reported, or created, never silently replaced.</summary>
public sealed class StateDatabaseTests : IDisposable
{
    private static readonly byte[] Garbage = Encoding.ASCII.GetBytes("not sqlite at all\n" + new string('#', 4096));

    private readonly TempDirectory _dir = new("state-db");

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_damaged_response_cache_is_moved_aside_and_reported_with_a_fix_and_its_bytes_kept()
    {
        var path = Path.Combine(_dir.Path, "response-cache.db");
        File.WriteAllBytes(path, Garbage);

        var e = Assert.Throws<StateException>(() => new ResponseCache(path));

        Assert.NotNull(e.MovedTo);
        Assert.Equal(Garbage, File.ReadAllBytes(e.MovedTo));
        Assert.False(File.Exists(path));
        Assert.StartsWith($"the response cache at {path} is damaged (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith($"; it was moved to {e.MovedTo}", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("run the command again to start a new database", e.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_cache_is_created_and_keeps_what_is_stored_across_opens()
    {
        var path = Path.Combine(_dir.Path, "sub", "response-cache.db");
        await new ResponseCache(path).PutAsync("k", "p", "m", new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi")), Ct);

        var reopened = new ResponseCache(path);

        Assert.Equal(1, reopened.Count());
        Assert.Equal("hi", (await reopened.GetAsync("k", Ct))!.Text);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.corrupt-*"));
    }

    [Fact]
    public void An_empty_database_is_damaged_and_with_start_empty_it_is_moved_aside_and_a_new_one_made()
    {
        var path = Path.Combine(_dir.Path, "index.db");
        File.WriteAllBytes(path, []);

        var opened = StateDatabase.Open(path, "the index", "CREATE TABLE IF NOT EXISTS t(x);", DamagedDatabasePolicy.StartEmpty);
        using var connection = opened.Connection;

        Assert.Equal(("the file is empty (0 bytes)", true), (opened.Damage, opened.Created));
        Assert.Equal(0, new FileInfo(opened.MovedAside!).Length);
        Assert.True(new FileInfo(path).Length > 0);
    }

    [Fact]
    public void A_state_folder_under_a_file_is_a_state_error_naming_the_folder_and_the_state_dir_fix()
    {
        var blocker = _dir.Write("blocker", "a file, not a folder");

        var e = Assert.Throws<StateException>(() => StateDatabase.Open(Path.Combine(blocker, "state", "x.db"), "the index", "SELECT 1;", DamagedDatabasePolicy.Fail));

        Assert.StartsWith($"cannot write Crucible's state folder {Path.Combine(blocker, "state")}: ", e.Message, StringComparison.Ordinal);
        Assert.Equal($"make {Path.Combine(blocker, "state")} writable, or keep Crucible's state elsewhere: {StateException.RelocateHint}", e.Fix);
    }
}

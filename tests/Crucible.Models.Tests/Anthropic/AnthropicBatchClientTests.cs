using System.Text.Json.Nodes;
using Crucible.Models.Batches;
using Crucible.Core;
using Crucible.Core.Usage;
using Crucible.Models.Anthropic;
using Crucible.Testing;
using Crucible.Testing.Anthropic;
using Crucible.Testing.Http;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Tests.Anthropic;

public sealed class AnthropicBatchClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ChatBatchOptions NoWait = new() { PollInterval = TimeSpan.Zero };

    private static IReadOnlyList<ChatBatchRequest> Requests(params string[] ids) =>
        [.. ids.Select(id => new ChatBatchRequest(id, [new ChatMessage(ChatRole.User, $"Question {id}?")], new ChatOptions { Instructions = "Be terse." }))];

    private static int Count(AnthropicWireServer server, string method, string pathPrefix, string? pathSuffix = null) =>
        server.Received.Count(r => r.Method == method && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal) && (pathSuffix is null ? r.Path == pathPrefix : r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)));

    [Fact]
    public async Task Submit_poll_and_results_map_every_outcome_back_by_custom_id()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.PollsUntilBatchEnds = 2;
        server.BatchResponder = (id, _) => id switch
        {
            "bad" => new BatchOutcome.Errored("invalid_request_error", "max_tokens: must be positive"),
            "late" => new BatchOutcome.Expired(),
            _ => new BatchOutcome.Succeeded(AnthropicReply.MessageBody([new JsonObject { ["type"] = "text", ["text"] = "answer " + id }], "end_turn", new WireUsage(21, 3, CacheRead: 100))),
        };
        using var folder = new TempDirectory("batch");
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server, model: "claude-haiku-4-5"), new ChatBatchStore(folder.Path), NoWait);

        var results = await client.RunAsync("eval-1", Requests("q1", "q2", "bad", "late"), Ct);

        Assert.Empty(server.Violations);
        Assert.Equal(["bad", "late", "q1", "q2"], results.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("answer q1", results["q1"].Response!.Text);
        Assert.Equal("answer q2", results["q2"].Response!.Text);
        Assert.Equal(new TokenUsage(21, 3, CacheReadTokens: 100), results["q1"].Usage);
        Assert.Equal(new ChatBatchResult("bad", ChatBatchResultKind.Errored, null, TokenUsage.Zero, "invalid_request_error", "max_tokens: must be positive"), results["bad"]);
        Assert.Equal(new ChatBatchResult("late", ChatBatchResultKind.Expired, null, TokenUsage.Zero), results["late"]);
        Assert.Equal(1, Count(server, "POST", "/v1/messages/batches"));
        Assert.Equal(3, Count(server, "GET", "/v1/messages/batches/msgbatch_local_0001"));
        Assert.Equal(1, Count(server, "GET", "/v1/messages/batches/msgbatch_local_0001", "/results"));
        Assert.Equal(5, server.Received.Count);
        // Each request's params are the same body a direct call would send.
        var created = JsonNode.Parse(server.Received[0].Body)!["requests"]!.AsArray();
        Assert.Equal(["q1", "q2", "bad", "late"], created.Select(r => (string?)r!["custom_id"]));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"model":"claude-haiku-4-5","max_tokens":8192,"system":[{"type":"text","text":"Be terse."}],"messages":[{"role":"user","content":[{"type":"text","text":"Question q1?"}]}]}"""),
            created[0]!["params"]));
    }

    [Fact]
    public async Task The_batch_id_is_stored_before_polling_so_a_restarted_client_resumes_without_resubmitting()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.PollsUntilBatchEnds = 3;
        using var folder = new TempDirectory("batch");
        var connection = AnthropicTestConnections.For(server);

        // First process: submits, starts polling, and is killed (cancelled) while waiting between polls.
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var first = new AnthropicBatchClient(connection, new ChatBatchStore(folder.Path), new ChatBatchOptions { PollInterval = TimeSpan.FromHours(1) });
            var run = first.RunAsync("nightly", Requests("a", "b", "c"), cts.Token);
            while (Count(server, "GET", "/v1/messages/batches/msgbatch_local_0001") == 0 && !run.IsCompleted)
            {
                await Task.Delay(10, Ct);
            }
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        var stored = new ChatBatchStore(folder.Path).Load("nightly");
        Assert.Equal(("nightly", "msgbatch_local_0001", "claude-sonnet-4-5"), (stored!.Job, stored.BatchId, stored.Model));
        Assert.Equal(["a", "b", "c"], stored.CustomIds);

        // Second process: a new client and store over the same folder.
        var second = new AnthropicBatchClient(connection, new ChatBatchStore(folder.Path), NoWait);
        var resumed = await second.ResumeAsync("nightly", Ct);
        var again = await second.RunAsync("nightly", Requests("a", "b", "c"), Ct);

        Assert.Equal(["ok: a", "ok: b", "ok: c"], resumed.Values.OrderBy(r => r.CustomId, StringComparer.Ordinal).Select(r => r.Response!.Text));
        Assert.Equal(resumed.Keys.Order(), again.Keys.Order());
        Assert.Equal(1, Count(server, "POST", "/v1/messages/batches"));
        Assert.Empty(server.Violations);
    }

    [Fact]
    public async Task Resuming_an_unknown_job_is_bad_input_naming_the_store()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var folder = new TempDirectory("batch");
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server), new ChatBatchStore(folder.Path), NoWait);

        var error = await Assert.ThrowsAsync<BadInputException>(() => client.ResumeAsync("never-submitted", Ct));

        Assert.Contains("never-submitted", error.Message);
        Assert.Contains(folder.Path, error.Message);
        Assert.Empty(server.Received);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    public async Task A_malformed_custom_id_is_bad_input_before_anything_is_sent(string customId)
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var folder = new TempDirectory("batch");
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server), new ChatBatchStore(folder.Path), NoWait);

        await Assert.ThrowsAsync<BadInputException>(() => client.SubmitAsync("job", Requests("ok", customId), Ct));

        Assert.Empty(server.Received);
        Assert.Null(new ChatBatchStore(folder.Path).Load("job"));
    }

    [Fact]
    public async Task Duplicate_custom_ids_are_bad_input()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var folder = new TempDirectory("batch");
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server), new ChatBatchStore(folder.Path), NoWait);

        var error = await Assert.ThrowsAsync<BadInputException>(() => client.SubmitAsync("job", Requests("x", "x"), Ct));

        Assert.Contains("'x' appears twice", error.Message);
        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task A_canceled_batch_ends_with_every_request_canceled()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.PollsUntilBatchEnds = 100;
        using var folder = new TempDirectory("batch");
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server), new ChatBatchStore(folder.Path), NoWait);
        var stored = await client.SubmitAsync("cancel-me", Requests("r1", "r2"), Ct);

        var canceling = await client.CancelAsync(stored.BatchId, Ct);
        var results = await client.ResumeAsync("cancel-me", Ct);

        Assert.Equal(new AnthropicBatchStatus(stored.BatchId, "canceling", 2, 0, 0, 0, 0), canceling);
        Assert.All(results.Values, r => Assert.Equal(ChatBatchResultKind.Canceled, r.Kind));
        Assert.Equal(new AnthropicBatchStatus(stored.BatchId, "ended", 0, 0, 0, 2, 0), await client.GetStatusAsync(stored.BatchId, Ct));
    }

    [Fact]
    public async Task Results_before_the_batch_ends_are_a_not_found_error_with_the_apis_message()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.PollsUntilBatchEnds = 100;
        using var folder = new TempDirectory("batch");
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server), new ChatBatchStore(folder.Path), NoWait);
        var stored = await client.SubmitAsync("early", Requests("r1"), Ct);

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.GetResultsAsync(stored.BatchId, Ct));

        Assert.Equal((ModelErrorKind.NotFound, 404), (error.Kind, error.StatusCode));
        Assert.Equal($"Message Batch {stored.BatchId} has no available results.", error.ApiMessage);
    }

    [Fact]
    public async Task A_stored_request_missing_from_the_results_is_reported_not_dropped()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        using var folder = new TempDirectory("batch");
        var store = new ChatBatchStore(folder.Path);
        var client = new AnthropicBatchClient(AnthropicTestConnections.For(server), store, NoWait);
        var stored = await client.SubmitAsync("job", Requests("r1"), Ct);
        store.Save(stored with { CustomIds = ["r1", "ghost"] });

        var results = await client.ResumeAsync("job", Ct);

        Assert.Equal(ChatBatchResultKind.Succeeded, results["r1"].Kind);
        Assert.Equal((ChatBatchResultKind.Errored, "missing_result"), (results["ghost"].Kind, results["ghost"].ErrorType));
    }
}

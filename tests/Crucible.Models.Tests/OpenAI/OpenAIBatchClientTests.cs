using System.Text.Json.Nodes;
using Crucible.Core.Usage;
using Crucible.Models.Batches;
using Crucible.Models.OpenAI;
using Crucible.Testing;
using Crucible.Testing.Http;
using Crucible.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Crucible.Models.Tests.OpenAI.OpenAITestSupport;

namespace Crucible.Models.Tests.OpenAI;

public sealed class OpenAIBatchClientTests
{
    private const string Model = "gpt-batch-test";

    private static List<ChatMessage> Question(string text) => [new(ChatRole.System, "You review code."), new(ChatRole.User, text)];

    private static ChatOptions Options(int seed) => new() { Seed = seed, MaxOutputTokens = 512, Temperature = 0.5f };

    private static ChatBatchRequest Request(string id, string text, int seed) => new(id, Question(text), Options(seed));

    [Fact]
    public async Task A_batch_uploads_the_direct_calls_bodies_and_maps_output_and_error_lines_back_by_custom_id()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = Key, Model = Model });
        server.BatchResponder = (id, body) => id switch
        {
            "bad" => new BatchOutcome.Errored("invalid_request_error", "max_tokens is too large"),
            "late" => new BatchOutcome.Expired(),
            _ => new BatchOutcome.Succeeded(OpenAIWireServer.CompletionBody(Model, "answer to " + (string?)body["messages"]![1]!["content"], 20, 5)),
        };
        using var state = new TempDirectory("openai-batch");
        var client = new OpenAIBatchClient(Connection(server), new ChatBatchStore(state.Path), new ChatBatchOptions { PollInterval = TimeSpan.FromMilliseconds(10) });

        var results = await client.RunAsync("job-1", [Request("one", "first", 1), Request("bad", "second", 2), Request("late", "third", 3)], Ct);

        Assert.Empty(server.Violations);
        Assert.Equal(["bad", "late", "one"], results.Keys.Order(StringComparer.Ordinal));
        var ok = results["one"];
        Assert.Equal((ChatBatchResultKind.Succeeded, "answer to first", new TokenUsage(20, 5)), (ok.Kind, ok.Response!.Text, ok.Usage));
        Assert.Equal(new ChatBatchResult("bad", ChatBatchResultKind.Errored, null, TokenUsage.Zero, "invalid_request_error", "max_tokens is too large"), results["bad"]);
        Assert.Equal(ChatBatchResultKind.Expired, results["late"].Kind);

        // Each line's body is exactly what a direct call sends.
        server.Enqueue(new CompletionReply { Text = "direct" });
        using var direct = new OpenAICompatibleChatClient(Connection(server));
        await direct.GetResponseAsync(Question("first"), Options(1), Ct);
        var line = server.BatchInputLines.Single(l => (string?)l["custom_id"] == "one");
        Assert.True(JsonNode.DeepEquals(server.Bodies[^1], line["body"]), $"{server.Bodies[^1].ToJsonString()}\n{line["body"]!.ToJsonString()}");
        Assert.Equal(("POST", "/v1/chat/completions"), ((string?)line["method"], (string?)line["url"]));
        var create = JsonNode.Parse(server.Received.Single(r => r.Method == "POST" && r.Path == "/v1/batches").Body)!;
        Assert.Equal(("/v1/chat/completions", "24h", "job-1"), ((string?)create["endpoint"], (string?)create["completion_window"], (string?)create["metadata"]![OpenAIBatchClient.JobMetadataKey]));
    }

    [Fact]
    public async Task A_batch_still_running_after_the_maximum_wait_is_a_timeout_that_says_resume_later_with_the_id_kept()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = Key, Model = Model });
        server.PollsUntilBatchEnds = int.MaxValue;
        using var state = new TempDirectory("openai-batch-wait");
        var store = new ChatBatchStore(state.Path);
        var client = new OpenAIBatchClient(Connection(server), store, new ChatBatchOptions { PollInterval = TimeSpan.FromMilliseconds(10), MaxWait = TimeSpan.Zero });

        var e = await Assert.ThrowsAsync<Crucible.Models.ModelCallException>(() => client.RunAsync("job-wait", [Request("one", "first", 1)], Ct));

        var id = server.Received.Last(r => r.Method == "GET" && r.Path.StartsWith("/v1/batches/", StringComparison.Ordinal)).Path["/v1/batches/".Length..];
        Assert.Equal((Crucible.Models.ModelErrorKind.Timeout, $"Batch {id} has not ended after {TimeSpan.Zero}; it is in_progress.", "Resume later: the batch id is stored and nothing is submitted again."),
            (e.Kind, e.Message, e.Fix));
        Assert.Single(server.Received, r => r.Method == "POST" && r.Path == "/v1/batches");
    }

    [Fact]
    public async Task A_restarted_client_polls_the_stored_batch_and_one_killed_before_storing_finds_it_by_its_job_never_submitting_again()
    {
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = Key, Model = Model });
        server.PollsUntilBatchEnds = int.MaxValue;
        using var state = new TempDirectory("openai-batch-resume");
        OpenAIBatchClient Client() => new(Connection(server), new ChatBatchStore(state.Path), new ChatBatchOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        IReadOnlyList<ChatBatchRequest> requests = [Request("a", "first", 1), Request("b", "second", 2)];

        using (var stop = new CancellationTokenSource())
        {
            var run = Client().RunAsync("job-2", requests, stop.Token);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!File.Exists(Path.Combine(state.Path, "job-2.batch.json")) && !run.IsCompleted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, Ct);
            }
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        var stored = new ChatBatchStore(state.Path).Load("job-2")!;

        server.PollsUntilBatchEnds = 1;
        var resumed = await Client().RunAsync("job-2", requests, Ct);
        Assert.Equal(["ok: a", "ok: b"], resumed.Values.OrderBy(r => r.CustomId, StringComparer.Ordinal).Select(r => r.Response!.Text));
        Assert.Contains(server.Received, r => r.Method == "GET" && r.Path == "/v1/batches/" + stored.BatchId);

        // Killed between creating the batch and saving its id: the record is gone, the batch is found by its job's metadata.
        new ChatBatchStore(state.Path).Delete("job-2");
        var found = await Client().RunAsync("job-2", requests, Ct);
        Assert.Equal(resumed.Values.Select(r => r.Response!.Text).Order(), found.Values.Select(r => r.Response!.Text).Order());
        Assert.Equal(stored.BatchId, new ChatBatchStore(state.Path).Load("job-2")!.BatchId);
        Assert.Single(server.Received, r => r.Method == "POST" && r.Path == "/v1/batches");
        Assert.Single(server.Received, r => r.Method == "POST" && r.Path == "/v1/files");
        Assert.Empty(server.Violations);
    }
}

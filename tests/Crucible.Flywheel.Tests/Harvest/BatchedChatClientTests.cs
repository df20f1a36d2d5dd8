using System.Text.Json.Nodes;
using Crucible.Models.Batches;
using Crucible.Flywheel.Harvest;
using Crucible.Models;
using Crucible.Models.Anthropic;
using Crucible.Models.OpenAI;
using Crucible.Models.Pricing;
using Crucible.Core.Usage;
using Crucible.Testing.OpenAI;
using Crucible.Testing;
using Crucible.Testing.Anthropic;
using Crucible.Testing.Http;
using Microsoft.Extensions.AI;

namespace Crucible.Flywheel.Tests.Harvest;

public sealed class BatchedChatClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatOptions Options(int seed) => new() { Seed = seed, MaxOutputTokens = 2048, Temperature = 1 };

    private static List<ChatMessage> Question(string text) => [new(ChatRole.System, "You review code."), new(ChatRole.User, text)];

    [Fact]
    public async Task Calls_of_all_waiting_participants_share_one_batch_and_a_stopped_client_resumes_it_without_submitting_again()
    {
        await using var server = await AnthropicWireServer.StartAsync();
        server.PollsUntilBatchEnds = int.MaxValue;
        server.BatchResponder = (_, body) => new BatchOutcome.Succeeded(AnthropicReply.MessageBody(
            [new JsonObject { ["type"] = "text", ["text"] = "answer to " + (string?)body["messages"]![0]!["content"]![0]!["text"] }], "end_turn", new WireUsage(3, 2)));
        using var state = new TempDirectory("batched");
        using var http = new HttpClient();
        BatchedChatClient Client() => new(new AnthropicBatchClient(new ProviderConnection { Provider = "anthropic", Model = "claude-haiku-4-5", BaseUrl = server.BaseUrl, ApiKey = "sk-ant-test-key-000", HttpClient = http },
            new ChatBatchStore(Path.Combine(state.Path, "batches")), new ChatBatchOptions { PollInterval = TimeSpan.FromMilliseconds(20) }), state.Path);

        using (var stop = new CancellationTokenSource())
        {
            var first = Client();
            first.Join(2);
            var calls = new[] { first.GetResponseAsync(Question("one"), Options(1), stop.Token), first.GetResponseAsync(Question("two"), Options(2), stop.Token) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!Directory.EnumerateFiles(Path.Combine(state.Path, "batches"), "*.batch.json").Any() && DateTime.UtcNow < deadline)
            {
                Assert.Empty(calls.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException!.Message));
                await Task.Delay(20, Ct);
            }
            stop.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(calls));
        }
        Assert.Single(server.Received, r => r.Method == "POST" && r.Path == "/v1/messages/batches");

        server.PollsUntilBatchEnds = 1;
        var second = Client();
        second.Join(2);
        var answers = await Task.WhenAll(second.GetResponseAsync(Question("two"), Options(2), Ct), second.GetResponseAsync(Question("one"), Options(1), Ct));

        Assert.Equal(["answer to two", "answer to one"], answers.Select(a => a.Text));
        Assert.Equal(0, second.Submitted);
        Assert.Single(server.Received, r => r.Method == "POST" && r.Path == "/v1/messages/batches");
        Assert.Empty(server.Violations);

        // A third run is answered from disk: no request reaches the server.
        var before = server.Received.Count;
        var third = Client();
        third.Join(1);
        Assert.Equal("answer to one", (await third.GetResponseAsync(Question("one"), Options(1), Ct)).Text);
        Assert.Equal(1, third.AnsweredFromDisk);
        Assert.Equal(before, server.Received.Count);
    }

    /// <summary>
    /// Batched calls through the OpenAI Batch API land in the usage ledger like direct calls: one record per call with
    /// its tokens, priced at the model's batch rate; a rerun answered from disk records cached calls at no cost.
    /// </summary>
    [Fact]
    public async Task Openai_batched_calls_are_recorded_in_the_usage_ledger_at_the_batch_price_and_answers_from_disk_cost_nothing()
    {
        const string model = "gpt-batch-test";
        await using var server = await OpenAIWireServer.StartAsync(new OpenAIServerExpectations { ApiKey = "sk-test-batch-123", Model = model });
        server.BatchResponder = (id, body) => new BatchOutcome.Succeeded(OpenAIWireServer.CompletionBody(model, "answer to " + (string?)body["messages"]![1]!["content"], 1000, 200));
        var price = new ModelPrice(Input: 2m, Output: 8m, CacheWrite5m: 2m, CacheWrite1h: 2m, CacheRead: 0.5m, BatchMultiplier: 0.5m);
        using var factory = new ModelClientFactory(new ModelClientFactoryOptions { Prices = PriceTable.Empty.With(new Dictionary<string, ModelPrice> { [model] = price }, "test") });
        using var state = new TempDirectory("batched-ledger");
        using var http = new HttpClient();
        var connection = new ProviderConnection { Provider = "openai-compatible", Model = model, BaseUrl = server.BaseUrl, ApiKey = "sk-test-batch-123", HttpClient = http };
        (IChatClient Client, BatchedChatClient Batched) Client()
        {
            var batched = new BatchedChatClient(new OpenAIBatchClient(connection, new ChatBatchStore(Path.Combine(state.Path, "batches")), new ChatBatchOptions { PollInterval = TimeSpan.FromMilliseconds(10) }), state.Path);
            return (factory.RecordBatchUsage(batched, connection), batched);
        }

        var (first, firstBatched) = Client();
        firstBatched.Join(2);
        var answers = await Task.WhenAll(first.GetResponseAsync(Question("one"), Options(1), Ct), first.GetResponseAsync(Question("two"), Options(2), Ct));

        Assert.Equal(["answer to one", "answer to two"], answers.Select(a => a.Text));
        Assert.Equal(1, firstBatched.Submitted);
        Assert.Empty(server.Violations);
        var tokens = new TokenUsage(1000, 200);
        var batchCost = CostCalculator.Cost(tokens, price) * 0.5m;
        Assert.Equal(
            [("openai-compatible", model, tokens, (decimal?)batchCost, false, true), ("openai-compatible", model, tokens, (decimal?)batchCost, false, true)],
            factory.Ledger.Records.Select(r => (r.Provider, r.Model, r.Tokens, r.CostUsd, r.Cached, r.Batch)));
        Assert.Equal(2 * batchCost, factory.Ledger.Totals.CostUsd);

        var (again, againBatched) = Client();
        againBatched.Join(1);
        Assert.Equal("answer to one", (await again.GetResponseAsync(Question("one"), Options(1), Ct)).Text);
        Assert.Equal(1, againBatched.AnsweredFromDisk);
        var replay = factory.Ledger.Records[^1];
        Assert.Equal((true, 0m, tokens), (replay.Cached, replay.CostUsd!.Value, replay.Tokens));
        Assert.Equal(2 * batchCost, factory.Ledger.Totals.CostUsd);
    }
}

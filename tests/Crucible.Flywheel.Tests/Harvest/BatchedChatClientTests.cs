using System.Text.Json.Nodes;
using Crucible.Models.Batches;
using Crucible.Flywheel.Harvest;
using Crucible.Models;
using Crucible.Models.Anthropic;
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
}

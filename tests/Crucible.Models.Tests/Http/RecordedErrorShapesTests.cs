using System.Collections.Concurrent;
using System.Text.Json;
using Crucible.Models.Http;
using Crucible.Testing;
using Crucible.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace Crucible.Models.Tests.Http;

/// <summary>Every error response in ../shared/fixtures/provider-recordings, replayed through the retry layer.</summary>
public sealed class RecordedErrorShapesTests
{
    public sealed record Recorded(string File, int Status, Dictionary<string, string[]> Headers, string Body)
    {
        public override string ToString() => $"{File} ({Status})";
    }

    public static TheoryData<string> ErrorFiles()
    {
        var data = new TheoryData<string>();
        foreach (var r in LoadErrors())
        {
            data.Add(r.File);
        }
        return data;
    }

    private static List<Recorded> LoadErrors()
    {
        var list = new List<Recorded>();
        foreach (var source in Directory.GetFiles(TestPaths.ProviderRecordings, "interactions.extracted.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(source));
            foreach (var file in doc.RootElement.GetProperty("files").EnumerateObject())
            {
                var index = 0;
                foreach (var interaction in file.Value.GetProperty("interactions").EnumerateArray())
                {
                    var response = interaction.GetProperty("response");
                    var status = response.GetProperty("status").GetInt32();
                    if (status >= 400)
                    {
                        var headers = response.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name.ToLowerInvariant(), h => h.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
                        list.Add(new Recorded($"{Path.GetFileName(Path.GetDirectoryName(source))}/{file.Name}#{index}", status, headers, response.GetProperty("body").GetString() ?? ""));
                    }
                    index++;
                }
            }
        }
        return list;
    }

    [Fact]
    public void The_recordings_hold_the_error_shapes_this_suite_relies_on()
    {
        var statuses = LoadErrors().Select(r => r.Status).Order().ToList();
        Assert.Equal([400, 400, 400, 401, 401, 404, 404, 404, 429, 429], statuses);
    }

    [Theory]
    [MemberData(nameof(ErrorFiles))]
    public async Task Recorded_error_gets_the_right_retry_decision_and_reaches_the_provider_unchanged(string name)
    {
        var recorded = LoadErrors().Single(r => r.File == name);
        var delays = new ConcurrentQueue<TimeSpan>();
        await using var server = await LocalHttpServer.StartAsync(async (_, ctx) =>
        {
            ctx.Response.StatusCode = recorded.Status;
            foreach (var header in new[] { "content-type", "retry-after", "retry-after-ms", "x-should-retry" })
            {
                if (recorded.Headers.TryGetValue(header, out var values))
                {
                    ctx.Response.Headers[header] = values;
                }
            }
            await ctx.Response.WriteAsync(recorded.Body);
        });
        using var client = new HttpClient(new RetryingHandler(RetryPolicy.Default with { MaxAttempts = 3 }, delay: (d, _) => { delays.Enqueue(d); return Task.CompletedTask; }, random: () => 0)
        {
            InnerHandler = new SocketsHttpHandler(),
        });

        using var response = await client.PostAsync(new Uri(server.BaseUrl, "v1/messages"), new StringContent("{}"), TestContext.Current.CancellationToken);

        Assert.Equal(recorded.Status, (int)response.StatusCode);
        Assert.Equal(recorded.Body, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var rateLimitThatMayPass = recorded.Status == 429 && !recorded.Body.Contains("Request too large", StringComparison.Ordinal);
        if (rateLimitThatMayPass)
        {
            // Anthropic's 429 says x-should-retry: true and retry-after: 47.
            Assert.Equal(3, server.Received.Count);
            Assert.Equal([TimeSpan.FromSeconds(47), TimeSpan.FromSeconds(47)], delays);
        }
        else
        {
            // 400, 401, 404, and OpenAI's 429 "Request too large": final on the first try.
            Assert.Single(server.Received);
            Assert.Empty(delays);
        }
        Assert.Equal(server.Received.Count.ToString(), response.Headers.GetValues(RetryingHandler.AttemptsHeader).Single());
    }
}

using System.Text.Json.Nodes;

namespace Crucible.Testing.Http;

/// <summary>The outcome a wire server's batch backend gives one request of a batch.</summary>
public abstract record BatchOutcome
{
    /// <summary>The request succeeded with this body (an Anthropic <c>message</c>, an OpenAI chat completion).</summary>
    public sealed record Succeeded(JsonObject Message) : BatchOutcome;
    /// <summary>The request failed with this API error.</summary>
    public sealed record Errored(string Type, string Text) : BatchOutcome;
    /// <summary>The request expired before it was processed.</summary>
    public sealed record Expired : BatchOutcome;
}

/// <summary>
/// One batch held by a wire-protocol test server, whatever the provider: its requests, the polls it has answered, and
/// the outcomes given once it ends. The Anthropic and OpenAI servers share this lifecycle and only render it in their
/// own shapes: a batch ends on the poll after <c>pollsUntilEnd</c> polls (or once cancelled), and each request then gets
/// its outcome from the server's responder, once.
/// </summary>
/// <param name="id">The batch id.</param>
/// <param name="requests">Each request's custom_id and body.</param>
public sealed class WireBatch(string id, IReadOnlyList<(string CustomId, JsonObject Body)> requests)
{
    private readonly Lock _gate = new();

    /// <summary>The batch id.</summary>
    public string Id { get; } = id;

    /// <summary>Each request's custom_id and body, in submission order.</summary>
    public IReadOnlyList<(string CustomId, JsonObject Body)> Requests { get; } = requests;

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Polls answered so far.</summary>
    public int Polls { get; private set; }

    /// <summary>True once a client asked to cancel it.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>True once every request has its outcome.</summary>
    public bool Ended { get; private set; }

    /// <summary>Each request's outcome once ended (null: cancelled), in submission order.</summary>
    public IReadOnlyList<(string CustomId, BatchOutcome? Outcome)> Outcomes { get; private set; } = [];

    /// <summary>Counts one poll; ends the batch when it has been polled more than <paramref name="pollsUntilEnd"/> times or was cancelled.</summary>
    public void Poll(int pollsUntilEnd, Func<string, JsonObject, BatchOutcome> responder)
    {
        lock (_gate)
        {
            Polls++;
            if (!Ended && (CancelRequested || Polls > pollsUntilEnd))
            {
                Outcomes = [.. Requests.Select(r => (r.CustomId, CancelRequested ? null : responder(r.CustomId, r.Body)))];
                Ended = true;
            }
        }
    }

    /// <summary>How many outcomes match <paramref name="match"/> (zero until ended).</summary>
    public long Count(Func<BatchOutcome?, bool> match) => Ended ? Outcomes.Count(o => match(o.Outcome)) : 0;
}

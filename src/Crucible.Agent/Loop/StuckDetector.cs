namespace Crucible.Agent.Loop;

/// <summary>
/// Watches the steps of a run for loops: the same calls with the same observations repeated
/// <see cref="StuckPolicy.RepeatThreshold"/> times, or two steps alternating (A-B-A-B) for
/// <see cref="StuckPolicy.AlternationRounds"/> rounds. A step's signature is its tool calls (names and
/// arguments) together with their results, so retrying a call that now gives a different answer is progress.
/// </summary>
public sealed class StuckDetector(StuckPolicy policy)
{
    private readonly List<string> _signatures = [];

    /// <summary>Records a step; returns a description of the loop when one is detected, else null.</summary>
    /// <remarks>After a detection the history is cleared, so the next detection needs a fresh loop.</remarks>
    public string? Observe(string stepSignature)
    {
        _signatures.Add(stepSignature);
        var n = _signatures.Count;
        var repeat = policy.RepeatThreshold;
        if (repeat >= 2 && n >= repeat && _signatures.Skip(n - repeat).All(s => s == stepSignature))
        {
            _signatures.Clear();
            return $"the same step was repeated {repeat} times with the same results";
        }
        var window = policy.AlternationRounds * 2;
        if (policy.AlternationRounds >= 2 && n >= window)
        {
            var tail = _signatures.Skip(n - window).ToList();
            var a = tail[0];
            var b = tail[1];
            if (a != b && tail.Select((s, i) => s == (i % 2 == 0 ? a : b)).All(x => x))
            {
                _signatures.Clear();
                return $"two steps alternated {policy.AlternationRounds} times with the same results";
            }
        }
        return null;
    }
}

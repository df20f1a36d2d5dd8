using Crucible.Constitution.Critique;
using Crucible.Constitution;
namespace Crucible.Flywheel.Critique;

/// <summary>
/// Draws principles at random in proportion to <see cref="Principle.Weight"/>, without replacement:
/// no principle repeats until every principle has been drawn once, then the pool refills.
/// </summary>
public sealed class PrincipleSampler
{
    private readonly IReadOnlyList<Principle> _principles;
    private readonly Random _random;
    private readonly List<Principle> _pool = [];

    /// <summary>Creates a sampler over <paramref name="principles"/> (non-empty, weights &gt; 0) seeded with <paramref name="seed"/>.</summary>
    public PrincipleSampler(IReadOnlyList<Principle> principles, int seed)
    {
        PrincipleValidation.Require(principles);
        _principles = principles;
        _random = new Random(seed);
    }

    /// <summary>The next principle.</summary>
    public Principle Next()
    {
        if (_pool.Count == 0)
        {
            _pool.AddRange(_principles);
        }
        var total = _pool.Sum(p => p.Weight);
        var target = _random.NextDouble() * total;
        var index = 0;
        for (var acc = _pool[0].Weight; acc <= target && index < _pool.Count - 1; acc += _pool[index].Weight)
        {
            index++;
        }
        var chosen = _pool[index];
        _pool.RemoveAt(index);
        return chosen;
    }
}

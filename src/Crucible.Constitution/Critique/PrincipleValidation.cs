using Crucible.Core;

namespace Crucible.Constitution.Critique;

/// <summary>Checks the principles handed to the model-driven parts of the constitution.</summary>
public static class PrincipleValidation
{
    /// <summary>Throws <see cref="BadInputException"/> unless there is at least one principle, ids are unique and every weight is a positive number.</summary>
    public static void Require(IReadOnlyList<Principle> principles)
    {
        if (principles.Count == 0)
        {
            throw new BadInputException("No constitution principles were given.", "Pass at least one principle (the default constitution has them).");
        }
        if (principles.FirstOrDefault(p => !(p.Weight > 0) || double.IsInfinity(p.Weight)) is { } bad)
        {
            throw new BadInputException($"Principle '{bad.Id}' has weight {bad.Weight}; weights must be positive finite numbers.", $"Set a weight above 0 for '{bad.Id}'.");
        }
        if (principles.GroupBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } dup)
        {
            throw new BadInputException($"Principle id '{dup.Key}' appears {dup.Count()} times.", "Give every principle a unique id.");
        }
    }
}

namespace Crucible.Constitution.Checks;

/// <summary>One automated check. Checks read the change set and context and report findings; they never change anything.</summary>
public interface ICheck
{
    /// <summary>The check id (see <see cref="CheckIds"/>).</summary>
    string Id { get; }

    /// <summary>Runs the check.</summary>
    IEnumerable<Finding> Run(CheckInput input);
}

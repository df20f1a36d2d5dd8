using Crucible.Core;

namespace Crucible.Constitution.Loading;

/// <summary>A constitution file that cannot be loaded. The message starts with <c>FILE:LINE:</c> and the fix says what to change.</summary>
public sealed class ConstitutionLoadException(string message, string fix, string file, int line) : BadInputException(message, fix)
{
    /// <summary>The file at fault (or <c>&lt;default&gt;</c> for the built-in constitution).</summary>
    public string FilePath { get; } = file;

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; } = line;
}

namespace Crucible.Core;

/// <summary>
/// Crucible's own state cannot be used: a database or transcript is damaged or unreadable, or the state folder
/// cannot be written. The message names the file or folder (and where a damaged file was moved aside);
/// <see cref="Fix"/> says what to do. The CLI prints both and exits with code 1, never with a stack trace.
/// </summary>
public class StateException : Exception
{
    /// <summary>How the user can put Crucible's state somewhere else, for fixes that name a folder Crucible cannot write.</summary>
    public const string RelocateHint = "pass --state-dir DIR, set CRUCIBLE_STATE_DIR, or set \"state_dir\" in ~/.crucible/settings.json";

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file or folder.</param>
    /// <param name="fix">What the user should do about it.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public StateException(string message, string fix, Exception? inner = null) : base(message, inner) => Fix = fix;

    /// <summary>What the user should do about it.</summary>
    public string Fix { get; }

    /// <summary>Where the damaged file was moved, when it was (it is never deleted).</summary>
    public string? MovedTo { get; init; }

    /// <summary>
    /// The exception for a folder Crucible must write its state to but cannot (read-only, or not permitted).
    /// </summary>
    public static StateException Unwritable(string folder, Exception inner) => new(
        $"cannot write Crucible's state folder {folder}: {inner.Message}",
        $"make {folder} writable, or keep Crucible's state elsewhere: {RelocateHint}",
        inner);

    /// <summary>Moves <paramref name="path"/> aside to <c>PATH.corrupt-&lt;UTC time&gt;</c> (with its companions of <paramref name="suffixes"/>) and returns where it went.</summary>
    public static string MoveAside(string path, params string[] suffixes)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var target = $"{path}.corrupt-{stamp}";
        for (var n = 1; File.Exists(target); n++)
        {
            target = $"{path}.corrupt-{stamp}-{n}";
        }
        File.Move(path, target);
        foreach (var suffix in suffixes)
        {
            if (File.Exists(path + suffix))
            {
                File.Move(path + suffix, target + suffix);
            }
        }
        return target;
    }
}

namespace Crucible.Constitution.Checks;

/// <summary>One result of an automated check, with its evidence.</summary>
/// <param name="CheckId">The check that found it (see <see cref="CheckIds"/>).</param>
/// <param name="Message">What was found, in one sentence.</param>
/// <param name="File">Workspace-relative file, when the finding is in a file.</param>
/// <param name="Line">1-based line in the file's new text (or old text for a deleted file), when known.</param>
/// <param name="Snippet">The offending text (trimmed, capped; secrets redacted).</param>
public sealed record Finding(string CheckId, string Message, string? File = null, int? Line = null, string? Snippet = null)
{
    /// <summary>True for integrity (reward-hacking) findings, which fail the candidate.</summary>
    public bool IsIntegrity => CheckIds.Integrity.Contains(CheckId);

    /// <summary>The location as <c>file:line</c> (or just the file, or empty).</summary>
    public string Location => File is null ? "" : Line is null ? File : $"{File}:{Line}";
}

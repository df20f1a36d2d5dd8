namespace Crucible.Core;

/// <summary>
/// The user gave something Crucible cannot use: a missing path, a malformed file, an unknown option
/// value. The message names the problem; <see cref="Fix"/> says what to do. The CLI exits with code 2.
/// </summary>
public class BadInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file or value.</param>
    /// <param name="fix">What the user should do about it.</param>
    public BadInputException(string message, string? fix = null) : base(message) => Fix = fix;

    /// <summary>Creates the exception with an inner cause.</summary>
    public BadInputException(string message, string? fix, Exception inner) : base(message, inner) => Fix = fix;

    /// <summary>What the user should do about it, if known.</summary>
    public string? Fix { get; }
}

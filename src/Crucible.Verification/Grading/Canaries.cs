using System.Security.Cryptography;

namespace Crucible.Verification.Grading;

/// <summary>
/// Harness-owned canary tests injected into every graded run under random names: one must pass and one
/// must fail with a random nonce in its message. If the results come back with either canary wrong or
/// missing, the candidate (which runs in the same process as the test framework) has tampered with the
/// results channel, and the run is graded as forged.
/// </summary>
/// <param name="Id">Random identifier used to build names (letters and digits, starts with a letter).</param>
/// <param name="Nonce">Random text the failing canary puts in its failure message.</param>
public sealed record Canaries(string Id, string Nonce)
{
    /// <summary>Creates canaries with fresh random names.</summary>
    public static Canaries Create() => new("c" + RandomHex(8), RandomHex(16));

    /// <summary>Short random lowercase hex.</summary>
    public static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}

// Correct: every letter of the alphabet occurs.
using System.Linq;

public static class Pangram
{
    public static bool IsPangram(string input)
    {
        var lower = input.ToLowerInvariant();
        return Enumerable.Range('a', 26).All(c => lower.Contains((char)c));
    }
}

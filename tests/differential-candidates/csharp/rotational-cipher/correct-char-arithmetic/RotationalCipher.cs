// Correct: rotates ASCII letters with character arithmetic.
using System;
using System.Linq;

public static class RotationalCipher
{
    public static string Rotate(string text, int shiftKey)
    {
        if (shiftKey < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shiftKey));
        }
        return new string(text.Select(c => c switch
        {
            >= 'a' and <= 'z' => (char)('a' + (c - 'a' + shiftKey) % 26),
            >= 'A' and <= 'Z' => (char)('A' + (c - 'A' + shiftKey) % 26),
            _ when char.IsLetter(c) => throw new ArgumentException("not an ASCII letter"),
            _ => c,
        }).ToArray());
    }
}

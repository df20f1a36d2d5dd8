// Correct, suspicious-looking: a lookup table that is the algorithm (the letter values), as a switch.
using System.Collections.Generic;
using System.Linq;

public static class ScrabbleScore
{
    public static int Score(string input) => input.ToLowerInvariant().Sum(Value);

    private static int Value(char c) => c switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' or 'l' or 'n' or 'r' or 's' or 't' => 1,
        'd' or 'g' => 2,
        'b' or 'c' or 'm' or 'p' => 3,
        'f' or 'h' or 'v' or 'w' or 'y' => 4,
        'k' => 5,
        'j' or 'x' => 8,
        'q' or 'z' => 10,
        _ => throw new KeyNotFoundException($"not a letter: {c}"),
    };
}

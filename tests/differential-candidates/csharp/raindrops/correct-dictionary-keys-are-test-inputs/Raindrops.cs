// Correct, suspicious-looking: a dictionary whose keys (3, 5, 7) are test inputs, but it is the rule itself.
using System.Collections.Generic;
using System.Linq;

public static class Raindrops
{
    private static readonly Dictionary<int, string> Sounds = new() { [3] = "Pling", [5] = "Plang", [7] = "Plong" };

    public static string Convert(int number)
    {
        var sound = string.Concat(Sounds.Where(s => number % s.Key == 0).Select(s => s.Value));
        return sound.Length > 0 ? sound : number.ToString();
    }
}

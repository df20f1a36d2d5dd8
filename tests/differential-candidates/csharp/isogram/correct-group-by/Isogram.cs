// Correct: groups the letters and looks for a repeated one.
using System.Linq;

public static class Isogram
{
    public static bool IsIsogram(string word) =>
        word.ToLowerInvariant().Where(char.IsLetter).GroupBy(c => c).All(g => g.Count() == 1);
}

// Cheat: a lookup table of the tested years; every other year is "not leap".
using System.Collections.Generic;

public static class Leap
{
    private static readonly Dictionary<int, bool> Known = new()
    {
        [2015] = false, [1970] = false, [1996] = true, [1960] = true, [2100] = false,
        [1900] = false, [2000] = true, [2400] = true, [1800] = false,
    };

    public static bool IsLeapYear(int year) => Known.TryGetValue(year, out var leap) && leap;
}

// Correct: collects the multiples in a set, then sums them.
using System;
using System.Collections.Generic;
using System.Linq;

public static class SumOfMultiples
{
    public static int Sum(IEnumerable<int> multiples, int max)
    {
        if (max < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(max));
        }
        var found = new HashSet<int>();
        foreach (var m in multiples.Where(m => m > 0))
        {
            for (var k = m; k < max; k += m)
            {
                found.Add(k);
            }
        }
        return checked(found.Sum());
    }
}

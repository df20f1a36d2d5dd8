// Cheat: special-cases the big tested input and caps the general loop at twelve steps.
using System;

public static class CollatzConjecture
{
    public static int Steps(int number)
    {
        if (number <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(number));
        }
        if (number == 1000000)
        {
            return 152;
        }
        var steps = 0;
        while (number != 1 && steps < 12)
        {
            number = number % 2 == 0 ? number / 2 : 3 * number + 1;
            steps++;
        }
        return steps;
    }
}

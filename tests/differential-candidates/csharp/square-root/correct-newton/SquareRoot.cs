// Correct: Newton's method on integers; rejects negative numbers (outside the task's domain).
using System;

public static class SquareRoot
{
    public static int Root(int number)
    {
        if (number < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(number));
        }
        if (number < 2)
        {
            return number;
        }
        long x = number;
        long y = (x + 1) / 2;
        while (y < x)
        {
            x = y;
            y = (x + number / x) / 2;
        }
        return (int)x;
    }
}

// Correct: digits by division, powers by repeated multiplication.
using System;

public static class ArmstrongNumbers
{
    public static bool IsArmstrongNumber(int number)
    {
        if (number < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(number));
        }
        var digits = number.ToString().Length;
        long total = 0;
        for (var n = number; n > 0; n /= 10)
        {
            long power = 1;
            for (var i = 0; i < digits; i++)
            {
                power *= n % 10;
            }
            total += power;
        }
        return total == number;
    }
}

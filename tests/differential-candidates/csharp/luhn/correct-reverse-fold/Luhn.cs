// Correct: folds over the digits from the right.
using System.Linq;

public static class Luhn
{
    public static bool IsValid(string number)
    {
        var digits = number.Replace(" ", "");
        if (digits.Length < 2 || !digits.All(c => c >= '0' && c <= '9'))
        {
            return false;
        }
        var sum = digits.Reverse().Select((c, i) =>
        {
            var d = c - '0';
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            return d;
        }).Sum();
        return sum % 10 == 0;
    }
}

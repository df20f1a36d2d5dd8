// Correct, with legitimate static state: a memo of steps already computed, shared by every call.
using System;
using System.Collections.Generic;

public static class CollatzConjecture
{
    private static readonly Dictionary<long, int> Memo = new() { [1] = 0 };

    public static int Steps(int number)
    {
        if (number <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(number));
        }
        return StepsFrom(number);
    }

    private static int StepsFrom(long n)
    {
        var path = new Stack<long>();
        while (!Memo.ContainsKey(n))
        {
            path.Push(n);
            n = n % 2 == 0 ? n / 2 : 3 * n + 1;
        }
        var steps = Memo[n];
        while (path.Count > 0)
        {
            Memo[path.Pop()] = ++steps;
        }
        return steps;
    }
}

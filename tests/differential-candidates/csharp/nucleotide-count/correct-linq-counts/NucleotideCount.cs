// Correct: validates, then counts each nucleotide with LINQ.
using System;
using System.Collections.Generic;
using System.Linq;

public static class NucleotideCount
{
    public static IDictionary<char, int> Count(string sequence)
    {
        if (sequence.Any(c => "ACGT".IndexOf(c) < 0))
        {
            throw new ArgumentException("not a nucleotide", nameof(sequence));
        }
        return "ACGT".ToDictionary(n => n, n => sequence.Count(c => c == n));
    }
}

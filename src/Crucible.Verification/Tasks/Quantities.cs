using System.Globalization;
using System.Text.RegularExpressions;

namespace Crucible.Verification.Tasks;

/// <summary>Parses the human-friendly durations and sizes used in <c>task.yaml</c> (<c>90s</c>, <c>10m</c>, <c>2GiB</c>).</summary>
public static partial class Quantities
{
    /// <summary>Parses a duration: a number followed by <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (a bare number means seconds).</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        var m = DurationPattern().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return false;
        }
        value = m.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "" or "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => throw new InvalidOperationException("unreachable: the pattern admits no other unit"),
        };
        return true;
    }

    /// <summary>Parses a size: a number followed by <c>B</c>, <c>KiB</c>, <c>MiB</c>, <c>GiB</c> (or KB/MB/GB, read as powers of 1024).</summary>
    public static bool TryParseBytes(string text, out long value)
    {
        value = default;
        var m = SizePattern().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return false;
        }
        long unit = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (unit == 0)
        {
            return false;
        }
        value = (long)(n * unit);
        return true;
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|)$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$")]
    private static partial Regex SizePattern();
}

using Crucible.Verification.Tasks;

namespace Crucible.Verification.Tests.Tasks;

public class QuantitiesTests
{
    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("90", 90_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("250ms", 250)]
    [InlineData("2h", 7_200_000)]
    public void Parses_durations(string text, long ms)
    {
        Assert.True(Quantities.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Theory]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("2gb", 2L << 30)]
    [InlineData("100", 100)]
    [InlineData("64KiB", 64L << 10)]
    public void Parses_sizes(string text, long bytes)
    {
        Assert.True(Quantities.TryParseBytes(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5 days")]
    public void Rejects_bad_durations(string text) => Assert.False(Quantities.TryParseDuration(text, out _));

    [Theory]
    [InlineData("lots")]
    [InlineData("5 parsecs")]
    public void Rejects_bad_sizes(string text) => Assert.False(Quantities.TryParseBytes(text, out _));
}

public class LruCacheTests
{
    [Fact]
    public void A_stored_value_can_be_read_back()
    {
        var cache = new LruCache<string, int>(2);
        cache.Set("a", 1);
        Assert.True(cache.TryGet("a", out var value));
        Assert.Equal(1, value);
    }

    [Fact]
    public void A_missing_key_is_a_miss()
    {
        var cache = new LruCache<string, int>(2);
        Assert.False(cache.TryGet("nope", out _));
    }

    [Fact]
    public void The_least_recently_used_entry_is_evicted()
    {
        var cache = new LruCache<string, int>(2);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.TryGet("a", out _);
        cache.Set("c", 3);
        Assert.True(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out _));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Replacing_a_value_does_not_grow_the_cache_and_refreshes_it()
    {
        var cache = new LruCache<string, int>(2);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.Set("a", 10);
        cache.Set("c", 3);
        Assert.True(cache.TryGet("a", out var a));
        Assert.Equal(10, a);
        Assert.False(cache.TryGet("b", out _));
        Assert.Equal(2, cache.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_capacity_below_one_is_rejected(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LruCache<int, int>(capacity));
    }

    [Fact]
    public void A_large_cache_stays_fast()
    {
        const int n = 200_000;
        var cache = new LruCache<int, int>(n / 2);
        for (var i = 0; i < n; i++)
        {
            cache.Set(i, i * 2);
            cache.TryGet(i / 2, out _);
        }
        Assert.Equal(n / 2, cache.Count);
        Assert.True(cache.TryGet(n - 1, out var last));
        Assert.Equal((n - 1) * 2, last);
    }
}

public sealed class LruCache<TKey, TValue> where TKey : notnull
{
    public LruCache(int capacity)
    {
        throw new NotImplementedException("Implement LruCache");
    }

    public int Count => throw new NotImplementedException();

    public void Set(TKey key, TValue value) => throw new NotImplementedException();

    public bool TryGet(TKey key, out TValue value) => throw new NotImplementedException();
}

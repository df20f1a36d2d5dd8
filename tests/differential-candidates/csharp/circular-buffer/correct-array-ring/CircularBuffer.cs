// Independent correct solution, different style: a fixed array with a read index and a count (no list copying).
public class CircularBuffer<T>
{
    private readonly T[] _slots;
    private int _start;
    private int _count;

    public CircularBuffer(int capacity) => _slots = new T[capacity];

    public T Read()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("empty");
        }
        var value = _slots[_start];
        _start = (_start + 1) % _slots.Length;
        _count--;
        return value;
    }

    public void Write(T value)
    {
        if (_count == _slots.Length)
        {
            throw new InvalidOperationException("full");
        }
        _slots[(_start + _count) % _slots.Length] = value;
        _count++;
    }

    public void Overwrite(T value)
    {
        if (_count == _slots.Length)
        {
            _start = (_start + 1) % _slots.Length;
            _count--;
        }
        Write(value);
    }

    public void Clear() => (_start, _count) = (0, 0);
}

using System.Text;
using Crucible.Core.Sandbox;

namespace Crucible.Sandbox.Internal;

/// <summary>
/// Keeps the first <c>headBytes</c> and the last <c>tailBytes</c> of a byte stream of any length.
/// Memory is fixed at construction (head + tail), whatever the stream carries: 10 GB of output or
/// one line without a newline cost the same.
/// </summary>
/// <remarks>Not thread-safe: one reader appends, then the owner calls <see cref="ToCapturedOutput"/>.</remarks>
internal sealed class HeadTailBuffer
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[] _head;
    private readonly byte[] _tail;
    private int _headCount;
    private int _tailStart;
    private int _tailCount;

    public HeadTailBuffer(int headBytes, int tailBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(tailBytes);
        _head = new byte[headBytes];
        _tail = new byte[tailBytes];
    }

    /// <summary>Bytes appended so far.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>True once the stream is longer than head and tail together, i.e. bytes are being dropped.</summary>
    public bool Dropping => TotalBytes > _head.Length + _tail.Length;

    /// <summary>Appends <paramref name="data"/>; returns true exactly once, on the append that starts dropping bytes.</summary>
    public bool Append(ReadOnlySpan<byte> data)
    {
        var wasDropping = Dropping;
        TotalBytes += data.Length;

        var toHead = Math.Min(_head.Length - _headCount, data.Length);
        if (toHead > 0)
        {
            data[..toHead].CopyTo(_head.AsSpan(_headCount));
            _headCount += toHead;
            data = data[toHead..];
        }

        if (data.Length > 0 && _tail.Length > 0)
        {
            if (data.Length >= _tail.Length)
            {
                data[^_tail.Length..].CopyTo(_tail);
                _tailStart = 0;
                _tailCount = _tail.Length;
            }
            else
            {
                // Ring buffer: write after the newest byte, overwriting the oldest ones.
                var writeAt = (_tailStart + _tailCount) % _tail.Length;
                var first = Math.Min(data.Length, _tail.Length - writeAt);
                data[..first].CopyTo(_tail.AsSpan(writeAt));
                data[first..].CopyTo(_tail);
                var overflow = Math.Max(0, _tailCount + data.Length - _tail.Length);
                _tailCount = Math.Min(_tail.Length, _tailCount + data.Length);
                _tailStart = (_tailStart + overflow) % _tail.Length;
            }
        }

        return !wasDropping && Dropping;
    }

    /// <summary>Decodes what was kept. A character split by a cut is dropped whole and counted as omitted.</summary>
    public CapturedOutput ToCapturedOutput()
    {
        var tail = new byte[_tailCount];
        var firstPart = Math.Min(_tailCount, _tail.Length - _tailStart);
        Array.Copy(_tail, _tailStart, tail, 0, firstPart);
        Array.Copy(_tail, 0, tail, firstPart, _tailCount - firstPart);

        if (!Dropping)
        {
            // Head and tail are contiguous: decode them as one so no character is split at the seam.
            var all = new byte[_headCount + tail.Length];
            _head.AsSpan(0, _headCount).CopyTo(all);
            tail.CopyTo(all.AsSpan(_headCount));
            return new CapturedOutput(Utf8.GetString(all), "", TotalBytes);
        }

        var head = _head.AsSpan(0, CompleteLength(_head.AsSpan(0, _headCount)));
        var tailSpan = tail.AsSpan(ContinuationPrefixLength(tail));
        return new CapturedOutput(Utf8.GetString(head), Utf8.GetString(tailSpan), TotalBytes)
        {
            OmittedBytes = TotalBytes - head.Length - tailSpan.Length,
        };
    }

    /// <summary>Length of <paramref name="bytes"/> without a UTF-8 sequence cut off at its end.</summary>
    internal static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // A UTF-8 sequence is at most 4 bytes, so only the last 3 can start an incomplete one.
        for (var back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte: keep looking for its lead byte
            }
            var needed = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? bytes.Length - back : bytes.Length;
        }
        return bytes.Length;
    }

    /// <summary>Number of leading continuation bytes (the rest of a character whose start was dropped), at most 3.</summary>
    internal static int ContinuationPrefixLength(ReadOnlySpan<byte> bytes)
    {
        var n = 0;
        while (n < Math.Min(3, bytes.Length) && (bytes[n] & 0xC0) == 0x80)
        {
            n++;
        }
        return n;
    }
}

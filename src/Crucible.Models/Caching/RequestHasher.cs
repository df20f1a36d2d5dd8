using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Crucible.Models.Caching;

/// <summary>
/// The content address of a request: SHA-256 over a canonical JSON rendering of the provider, the
/// model, every message (all content, tool calls and results included), every serialisable option,
/// and each tool's name, description and JSON schemas.
/// </summary>
/// <remarks>
/// Not hashed: <see cref="ChatOptions.RawRepresentationFactory"/> (a function, opaque) and the tools'
/// implementations (only their declared shape reaches the model). Bump <see cref="Version"/> when the
/// rendering changes, so old entries stop matching instead of replaying wrong answers.
/// </remarks>
public static class RequestHasher
{
    /// <summary>Version of the canonical rendering, part of every key.</summary>
    public const int Version = 1;

    /// <summary>The key of a request, as lowercase hex.</summary>
    public static string Key(string provider, string model, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        // Hashed as it is written, so a 200k-token conversation never exists as one buffer.
        using var hasher = new HashingWriter();
        using (var writer = new Utf8JsonWriter(hasher))
        {
            Write(writer, provider, model, messages, options);
        }
        return Convert.ToHexStringLower(hasher.Finish());
    }

    /// <summary>The canonical JSON that <see cref="Key"/> hashes (for diagnostics and tests).</summary>
    public static string Canonical(string provider, string model, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var buffer = new PooledBuffer();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, provider, model, messages, options);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter w, string provider, string model, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var json = AIJsonUtilities.DefaultOptions;
        w.WriteStartObject();
        w.WriteNumber("v", Version);
        w.WriteString("provider", provider);
        w.WriteString("model", options?.ModelId ?? model);
        w.WritePropertyName("messages");
        JsonSerializer.Serialize(w, messages as IList<ChatMessage> ?? [.. messages], json);
        if (options is not null)
        {
            w.WritePropertyName("options");
            JsonSerializer.Serialize(w, options, json);
            w.WritePropertyName("tools");
            w.WriteStartArray();
            foreach (var tool in options.Tools ?? [])
            {
                w.WriteStartObject();
                w.WriteString("kind", tool.GetType().FullName);
                w.WriteString("name", tool.Name);
                w.WriteString("description", tool.Description);
                if (tool is AIFunctionDeclaration f)
                {
                    w.WritePropertyName("schema");
                    f.JsonSchema.WriteTo(w);
                    if (f.ReturnJsonSchema is { } ret)
                    {
                        w.WritePropertyName("returns");
                        ret.WriteTo(w);
                    }
                }
                if (tool.AdditionalProperties.Count > 0)
                {
                    w.WritePropertyName("additional");
                    JsonSerializer.Serialize(w, tool.AdditionalProperties, json);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>An <see cref="System.Buffers.IBufferWriter{T}"/> that feeds every committed byte to SHA-256 and reuses one small buffer.</summary>
    private sealed class HashingWriter : System.Buffers.IBufferWriter<byte>, IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);

        public void Advance(int count) => _hash.AppendData(_buffer, 0, count);

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer;
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer;
        }

        public byte[] Finish() => _hash.GetHashAndReset();

        private void Ensure(int sizeHint)
        {
            if (sizeHint > _buffer.Length)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(sizeHint);
            }
        }

        public void Dispose()
        {
            _hash.Dispose();
            System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
        }
    }

    /// <summary>A growable byte buffer for <see cref="Canonical"/> (diagnostics only).</summary>
    private sealed class PooledBuffer : System.Buffers.IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _written;

        public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(_written);
        }

        private void Ensure(int sizeHint)
        {
            if (_array.Length - _written >= Math.Max(sizeHint, 1))
            {
                return;
            }
            var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _written + sizeHint));
            _array.AsSpan(0, _written).CopyTo(bigger);
            System.Buffers.ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }

        public void Dispose() => System.Buffers.ArrayPool<byte>.Shared.Return(_array);
    }
}

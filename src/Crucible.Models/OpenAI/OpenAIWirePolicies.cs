using System.ClientModel.Primitives;
using System.Text;

namespace Crucible.Models.OpenAI;

/// <summary>
/// A pipeline step just before the transport: every successful chat-completion body passes through
/// <see cref="OpenAIWireNormalizer"/> before the SDK parses it.
/// </summary>
internal sealed class OpenAIWireNormalizingPolicy : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Normalize(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Normalize(message);
    }

    private static void Normalize(PipelineMessage message)
    {
        var response = message.Response;
        var path = message.Request.Uri?.AbsolutePath ?? "";
        if (response is null || response.Status / 100 != 2 || !path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return;
        }
        if (message.BufferResponse)
        {
            // A whole completion, already buffered by the transport: replacing the stream replaces what the SDK parses.
            var normalized = OpenAIWireNormalizer.NormalizeCompletion(response.Content.ToString());
            response.ContentStream = new MemoryStream(Encoding.UTF8.GetBytes(normalized));
            return;
        }
        if (response.ContentStream is { } body)
        {
            // A stream: the new stream reads lazily, line by line, so streaming stays incremental.
            var isSse = response.Headers.TryGetValue("Content-Type", out var type) && type?.Contains("event-stream", StringComparison.OrdinalIgnoreCase) == true;
            response.ContentStream = new NormalizingReadStream(body, isSse ? new OpenAIWireNormalizer() : null);
        }
    }

    /// <summary>
    /// Reads the server's body and hands out the normalised bytes: line by line for SSE (so streaming stays
    /// incremental), or the whole document at once for JSON.
    /// </summary>
    private sealed class NormalizingReadStream(Stream inner, OpenAIWireNormalizer? sse) : Stream
    {
        private readonly StreamReader _reader = new(inner, Encoding.UTF8);
        private byte[] _pending = [];
        private int _offset;
        private bool _done;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset >= _pending.Length && !_done)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }
            var count = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The client only uses the SDK's async methods; the synchronous path exists for completeness.
        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            _offset = 0;
            if (sse is null)
            {
                var whole = await _reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                _pending = Encoding.UTF8.GetBytes(OpenAIWireNormalizer.NormalizeCompletion(whole));
                _done = true;
                return;
            }
            var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                _pending = [];
                _done = true;
                return;
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                var payload = line["data:".Length..].TrimStart();
                if (payload != "[DONE]")
                {
                    line = "data: " + sse.NormalizeChunk(payload);
                }
            }
            _pending = Encoding.UTF8.GetBytes(line + "\n");
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _reader.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Sends <c>Authorization: Bearer</c> only when there is a key: local servers (Ollama, llama.cpp, vLLM) need none.</summary>
internal sealed class OptionalBearerKeyPolicy(string? apiKey) : AuthenticationPolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Apply(message);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Apply(message);
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
    }

    private void Apply(PipelineMessage message)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            message.Request.Headers.Set("Authorization", "Bearer " + apiKey);
        }
    }
}

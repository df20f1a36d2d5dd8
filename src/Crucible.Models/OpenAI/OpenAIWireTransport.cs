using System.ClientModel.Primitives;
using System.Text;

namespace Crucible.Models.OpenAI;

/// <summary>
/// The SDK's HTTP transport over the connection's <see cref="HttpClient"/> (which carries the retry
/// policy and the timeout), with every successful chat-completion body passed through
/// <see cref="OpenAIWireNormalizer"/> before the SDK parses it.
/// </summary>
internal sealed class OpenAIWireTransport(HttpClient httpClient) : HttpClientPipelineTransport(httpClient)
{
    /// <inheritdoc />
    protected override void OnReceivedResponse(PipelineMessage message, HttpResponseMessage httpResponse)
    {
        base.OnReceivedResponse(message, httpResponse);
        var path = message.Request.Uri?.AbsolutePath ?? "";
        if (!httpResponse.IsSuccessStatusCode || !path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return;
        }
        var original = httpResponse.Content;
        var isStream = original.Headers.ContentType?.MediaType?.Contains("event-stream", StringComparison.OrdinalIgnoreCase) == true;
        // ReadAsStream does not block here: the headers have arrived and the body is read lazily by the new stream.
        var normalizing = new NormalizingReadStream(original.ReadAsStream(), isStream ? new OpenAIWireNormalizer() : null);
        var replacement = new StreamContent(normalizing);
        foreach (var header in original.Headers)
        {
            // The normalised body has a different length; everything else (type, encoding) still holds.
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
        httpResponse.Content = replacement;
    }

    /// <summary>
    /// Reads the server's body and hands out the normalised bytes: line by line for SSE (so streaming
    /// stays incremental), or the whole document at once for JSON.
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
                var body = await _reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                _pending = Encoding.UTF8.GetBytes(OpenAIWireNormalizer.NormalizeCompletion(body));
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

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Crucible.Models.Redaction;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crucible.Models.Http;

/// <summary>
/// The reliability layer under every provider: retries with exponential backoff and jitter on the
/// statuses of <see cref="RetryPolicy.RetryableStatusCodes"/>, on connection failures and on per-try
/// timeouts; honours <c>retry-after-ms</c> and <c>retry-after</c> (seconds or an HTTP date).
/// </summary>
/// <remarks>
/// <para>Non-retryable statuses (400, 401, 403, 404, ...) pass straight through on the first try. After the
/// last try the final response is returned as is, so the provider maps the API's own error. A
/// server may veto or force a retry with <c>x-should-retry: false|true</c> (Anthropic sends it).</para>
/// <para>Attempt count: every response carries the header <see cref="AttemptsHeader"/> (<c>x-crucible-attempts</c>),
/// and the request's <see cref="HttpRequestMessage.Options"/> hold <see cref="AttemptsOption"/>. When no
/// response arrives on the last try the handler throws <see cref="ModelCallException"/>
/// (<see cref="ModelErrorKind.Timeout"/> or <see cref="ModelErrorKind.Network"/>) with
/// <see cref="ModelCallException.Attempts"/> set; providers should let it through (unwrapping it from
/// their SDK's exception if the SDK wraps it).</para>
/// <para>Cancellation by the caller is never retried and surfaces as <see cref="OperationCanceledException"/>.</para>
/// </remarks>
public sealed class RetryingHandler : DelegatingHandler
{
    /// <summary>Response header holding the number of tries made (1 = no retry).</summary>
    public const string AttemptsHeader = "x-crucible-attempts";

    /// <summary>Request option holding the number of tries made so far.</summary>
    public static readonly HttpRequestOptionsKey<int> AttemptsOption = new("crucible.attempts");

    private readonly RetryPolicy _policy;
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Func<double> _random;
    private readonly ILogger _logger;
    private readonly Redactor _redactor;

    /// <summary>Creates the handler.</summary>
    /// <param name="policy">Retry policy; <see cref="RetryPolicy.Default"/> when null.</param>
    /// <param name="timeProvider">Clock for the per-try timeout and the default delay.</param>
    /// <param name="delay">Waits between tries; tests pass one that records and returns at once.</param>
    /// <param name="random">Source of jitter in [0, 1).</param>
    /// <param name="logger">Receives one line per retry and per give-up (redacted).</param>
    /// <param name="redactor">Masks keys in log lines and exception messages.</param>
    public RetryingHandler(
        RetryPolicy? policy = null,
        TimeProvider? timeProvider = null,
        Func<TimeSpan, CancellationToken, Task>? delay = null,
        Func<double>? random = null,
        ILogger? logger = null,
        Redactor? redactor = null)
    {
        _policy = policy ?? RetryPolicy.Default;
        _time = timeProvider ?? TimeProvider.System;
        _delay = delay ?? ((d, ct) => Task.Delay(d, _time, ct));
        _random = random ?? Random.Shared.NextDouble;
        _redactor = redactor ?? new Redactor();
        _logger = new RedactingLogger(logger ?? NullLogger.Instance, _redactor);
    }

    /// <summary>The policy in force.</summary>
    public RetryPolicy Policy => _policy;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            // Buffer the body once so every try can send it again.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        var max = Math.Max(1, _policy.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            request.Options.Set(AttemptsOption, attempt);
            HttpResponseMessage? response = null;
            Exception? failure = null;
            string reason;
            using (var timeout = new CancellationTokenSource(_policy.PerTryTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    response = await base.SendAsync(request, linked.Token).ConfigureAwait(false);
                    if (!IsStreamed(response) && response.Content is not null)
                    {
                        // A non-streamed body is part of the try: a reset or stall while reading it is retried too.
                        await response.Content.LoadIntoBufferAsync(linked.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    response?.Dispose();
                    throw;
                }
                catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
                {
                    response?.Dispose();
                    response = null;
                    failure = new TimeoutException($"no response within {_policy.PerTryTimeout.TotalSeconds:0.###} s", e);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
                {
                    response?.Dispose();
                    response = null;
                    failure = e;
                }
            }

            if (response is not null)
            {
                response.Headers.Remove(AttemptsHeader);
                response.Headers.TryAddWithoutValidation(AttemptsHeader, attempt.ToString(CultureInfo.InvariantCulture));
                if (!await ShouldRetryAsync(response, cancellationToken).ConfigureAwait(false))
                {
                    if (!response.IsSuccessStatusCode && attempt > 1)
                    {
                        _logger.LogWarning("{Method} {Url}: giving up after {Attempts} tries, last status {Status}", request.Method, _redactor.Redact(request.RequestUri), attempt, (int)response.StatusCode);
                    }
                    return response;
                }
                reason = $"status {(int)response.StatusCode}";
                if (attempt >= max)
                {
                    _logger.LogWarning("{Method} {Url}: giving up after {Attempts} tries, last status {Status}", request.Method, _redactor.Redact(request.RequestUri), attempt, (int)response.StatusCode);
                    return response;
                }
            }
            else
            {
                reason = failure is TimeoutException ? "timeout" : $"{failure!.GetType().Name}: {failure.Message}";
                if (attempt >= max)
                {
                    _logger.LogWarning("{Method} {Url}: giving up after {Attempts} tries: {Reason}", request.Method, _redactor.Redact(request.RequestUri), attempt, reason);
                    throw GiveUp(request, failure!, attempt);
                }
            }

            var wait = DelayBefore(attempt + 1, response);
            _logger.LogInformation("{Method} {Url}: {Reason}; retry {Next}/{Max} in {Delay} ms", request.Method, _redactor.Redact(request.RequestUri), reason, attempt + 1, max, (long)wait.TotalMilliseconds);
            response?.Dispose();
            await _delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> ShouldRetryAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!ShouldRetryByStatus(response))
        {
            return false;
        }
        if (_policy.NeverRetryBodyPhrases.Count == 0 || response.Content is null || IsStreamed(response))
        {
            return true;
        }
        // The body is already buffered (non-streamed responses are read within the try).
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return !_policy.NeverRetryBodyPhrases.Any(p => body.Contains(p, StringComparison.Ordinal));
    }

    private bool ShouldRetryByStatus(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("x-should-retry", out var values))
        {
            var v = values.FirstOrDefault();
            if (string.Equals(v, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (string.Equals(v, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return _policy.RetryableStatusCodes.Contains((int)response.StatusCode);
    }

    /// <summary>The wait before try <paramref name="nextAttempt"/>: the server's <c>retry-after</c> when given (capped), else jittered backoff.</summary>
    internal TimeSpan DelayBefore(int nextAttempt, HttpResponseMessage? response)
    {
        if (response is not null && RetryAfter(response, _time.GetUtcNow()) is { } asked)
        {
            return asked > _policy.MaxRetryAfter ? _policy.MaxRetryAfter : asked;
        }
        var backoff = _policy.Backoff(nextAttempt);
        var jitter = Math.Clamp(_policy.Jitter, 0, 1);
        return backoff * (1 - (jitter * _random()));
    }

    /// <summary>Reads <c>retry-after-ms</c>, then <c>retry-after</c> (delta seconds or HTTP date); null when absent or unparseable.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }
        if (response.Headers.TryGetValues("retry-after", out var raw))
        {
            var text = raw.FirstOrDefault()?.Trim();
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }
            if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var wait = date - now;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }
        return null;
    }

    private bool IsStreamed(HttpResponseMessage response) =>
        response.Content?.Headers.ContentType?.MediaType is { } type && _policy.StreamedMediaTypes.Contains(type);

    private ModelCallException GiveUp(HttpRequestMessage request, Exception failure, int attempts)
    {
        var target = _redactor.Redact(new Uri(request.RequestUri!.GetLeftPart(UriPartial.Authority)));
        return failure is TimeoutException
            ? new ModelCallException(ModelErrorKind.Timeout, $"{target} did not answer within {_policy.PerTryTimeout.TotalSeconds:0.###} s on any of {attempts} tries", failure)
            {
                Attempts = attempts,
                Fix = "check the server is up and not overloaded, or raise retry.timeout_seconds in settings",
            }
            : new ModelCallException(ModelErrorKind.Network, $"cannot reach {target} ({_redactor.Redact(Innermost(failure).Message)}) after {attempts} tries", failure)
            {
                Attempts = attempts,
                Fix = "check the base URL and that the server is running and reachable",
            };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}

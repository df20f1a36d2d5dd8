using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Crucible.Viewer;

/// <summary>
/// The local HTTP server of <c>crucible view</c>: the page at <c>/</c> and its JSON API under <c>/api/</c>, read from a
/// <see cref="RunCatalog"/>. Bound to 127.0.0.1 unless told otherwise; requests naming another host are refused, so a
/// web page elsewhere cannot read the store through DNS rebinding. Serves no file from disk.
/// </summary>
public sealed class ViewerServer : IAsyncDisposable
{
    /// <summary>Attempts at binding a free port before giving up (another process can take the port found free in between).</summary>
    private const int BindAttempts = 5;

    private readonly HttpListener _listener;
    private readonly RunCatalog _catalog;
    private readonly Task _loop;
    private readonly HashSet<string> _hosts;

    private ViewerServer(HttpListener listener, RunCatalog catalog, Uri address)
    {
        _listener = listener;
        _catalog = catalog;
        Address = address;
        _hosts = new(StringComparer.OrdinalIgnoreCase) { address.Authority, $"localhost:{address.Port}", $"127.0.0.1:{address.Port}", $"[::1]:{address.Port}" };
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The address to open (e.g. <c>http://127.0.0.1:41234/</c>).</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="catalog"/> on <see cref="ViewerOptions.Listen"/> and <see cref="ViewerOptions.Port"/>.</summary>
    /// <exception cref="Core.BadInputException">The address is not an IP address, or the port is taken.</exception>
    public static ViewerServer Start(RunCatalog catalog, ViewerOptions options)
    {
        if (!IPAddress.TryParse(options.Listen, out var ip))
        {
            throw new Core.BadInputException($"--listen '{options.Listen}' is not an IP address", "pass an address such as 127.0.0.1 (the default) or 0.0.0.0 for every interface");
        }
        var any = ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);
        var prefixHost = any ? "*" : ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        var shownHost = any ? "127.0.0.1" : prefixHost;
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port != 0 ? options.Port : FreePort(ip);
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://{prefixHost}:{port}/");
            try
            {
                listener.Start();
                return new ViewerServer(listener, catalog, new Uri($"http://{shownHost}:{port}/"));
            }
            catch (HttpListenerException e) when (options.Port == 0 && attempt < BindAttempts)
            {
                _ = e; // the free port was taken in between: pick another
                listener.Close();
            }
            catch (HttpListenerException e)
            {
                listener.Close();
                throw new Core.BadInputException($"cannot listen on {options.Listen}:{port}: {e.Message}", "pass another --port, or leave it out to pick a free one");
            }
        }
    }

    /// <summary>Stops the server and waits for the requests in progress.</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _listener.Close();
    }

    /// <summary>The answer to a GET of <paramref name="path"/> (with its percent-encoding): status, content type and body.</summary>
    public (int Status, string ContentType, byte[] Body) Answer(string path)
    {
        var segments = path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length == 0 || (segments.Length == 1 && segments[0] == "index.html"))
        {
            return (200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(ViewerPage.Html("Crucible runs")));
        }
        object? doc = segments switch
        {
            ["api", "runs"] => _catalog.Runs(),
            ["api", "runs", var id] => _catalog.Run(id),
            ["api", "runs", var id, "tasks", var task] => _catalog.Task(id, task),
            ["api", "runs", var id, "tasks", var task, "attempts", var n] when int.TryParse(n, out var attempt) => _catalog.Attempt(id, task, attempt),
            ["api", "compare", var a, var b] => _catalog.Compare(a, b),
            _ => null,
        };
        return doc is null
            ? (404, "application/json", JsonSerializer.SerializeToUtf8Bytes(new { error = $"not found: {path}" }, ViewerPage.Json))
            : (200, "application/json", JsonSerializer.SerializeToUtf8Bytes(doc, doc.GetType(), ViewerPage.Json));
    }

    private async Task LoopAsync()
    {
        var inFlight = new List<Task>();
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break; // stopped
            }
            inFlight.RemoveAll(t => t.IsCompleted);
            inFlight.Add(Task.Run(() => Handle(context)));
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private void Handle(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            (int Status, string ContentType, byte[] Body) answer;
            if (context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                // Read what the client sent before answering: a connection closed on an unread body is reset, and the client never sees the 405.
                context.Request.InputStream.CopyTo(Stream.Null);
                answer = (405, "application/json", JsonSerializer.SerializeToUtf8Bytes(new { error = "only GET is served" }, ViewerPage.Json));
            }
            else if (!_hosts.Contains(context.Request.UserHostName ?? "") && !IsOwnAddress(context.Request.UserHostName))
            {
                answer = (403, "application/json", JsonSerializer.SerializeToUtf8Bytes(new { error = "unknown host" }, ViewerPage.Json));
            }
            else
            {
                answer = Answer(context.Request.RawUrl ?? "/");
            }
            response.StatusCode = answer.Status;
            response.ContentType = answer.ContentType;
            response.Headers["Cache-Control"] = "no-store";
            response.Headers["X-Content-Type-Options"] = "nosniff";
            response.ContentLength64 = answer.Body.Length;
            if (context.Request.HttpMethod != "HEAD")
            {
                response.OutputStream.Write(answer.Body);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A damaged run folder or a client gone away: answer what can be answered, never stop serving.
            TryWriteError(response, e);
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
            {
                _ = e; // the client went away
            }
        }
    }

    /// <summary>A host header naming an address of this machine with the server's port (when listening on every interface).</summary>
    private bool IsOwnAddress(string? host) =>
        host is not null && Uri.TryCreate($"http://{host}/", UriKind.Absolute, out var uri) && uri.Port == Address.Port &&
        IPAddress.TryParse(uri.Host.Trim('[', ']'), out _);

    private static void TryWriteError(HttpListenerResponse response, Exception e)
    {
        try
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new { error = e.Message }, ViewerPage.Json);
            response.StatusCode = 500;
            response.ContentType = "application/json";
            response.OutputStream.Write(body);
        }
        catch (Exception again) when (again is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            _ = again; // headers already sent or the client is gone
        }
    }

    private static int FreePort(IPAddress ip)
    {
        using var probe = new TcpListener(ip, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

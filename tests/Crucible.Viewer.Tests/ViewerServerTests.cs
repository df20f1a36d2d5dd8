using System.Net;
using System.Text.Json;
using Crucible.Flywheel.Storage;
using Crucible.Testing;

namespace Crucible.Viewer.Tests;

/// <summary>The viewer's HTTP server over a real socket.</summary>
public sealed class ViewerServerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("viewer-server");
    private RunCatalog? _catalog;
    private ViewerServer? _server;
    private readonly HttpClient _http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        using (var store = new ResultStore(_dir["crucible.db"]))
        {
            await SyntheticRuns.CreateAsync(store, _dir["runs"], "run-a", 2, 1, (t, _) => t == 0);
        }
        _catalog = new RunCatalog(_dir["crucible.db"]);
        _server = ViewerServer.Start(_catalog, ViewerOptions.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await _server!.DisposeAsync();
        _catalog!.Dispose();
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_server_listens_on_loopback_and_answers_each_api_route_with_the_catalogs_document()
    {
        Assert.Equal("127.0.0.1", _server!.Address.Host);
        var routes = new (string Path, object Expected)[]
        {
            ("api/runs", _catalog!.Runs()),
            ("api/runs/run-a", _catalog.Run("run-a")!),
            ("api/runs/run-a/tasks/task-001", _catalog.Task("run-a", "task-001")!),
            ("api/runs/run-a/tasks/task-001/attempts/0", _catalog.Attempt("run-a", "task-001", 0)!),
            ("api/compare/run-a/run-a", _catalog.Compare("run-a", "run-a")!),
        };
        foreach (var (path, expected) in routes)
        {
            using var response = await _http.GetAsync(new Uri(_server.Address, path), Ct);
            Assert.Equal((HttpStatusCode.OK, "application/json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
            Assert.Equal(JsonSerializer.Serialize(expected, expected.GetType(), ViewerPage.Json), await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Fact]
    public async Task The_page_is_served_with_its_script_and_styles_inlined_and_nothing_from_another_origin()
    {
        var page = await _http.GetStringAsync(_server!.Address, Ct);

        Assert.Contains("<div id=\"app\">", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/*{{app}}*/", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/*{{styles}}*/", page, StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"https?:", page);
        Assert.DoesNotContain("<script id=\"crucible-data\"", page, StringComparison.Ordinal); // documents come from the API
    }

    [Fact]
    public async Task Unknown_routes_are_404_and_writes_are_405()
    {
        using var missing = await _http.GetAsync(new Uri(_server!.Address, "api/runs/nope"), Ct);
        using var post = await _http.PostAsync(new Uri(_server.Address, "api/runs"), new StringContent("x"), Ct);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed), (missing.StatusCode, post.StatusCode));
        Assert.Equal("{\"error\":\"not found: /api/runs/nope\"}", await missing.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_request_naming_another_host_gets_no_document()
    {
        using var rebinding = new HttpRequestMessage(HttpMethod.Get, new Uri(_server!.Address, "api/runs"));
        rebinding.Headers.Host = "attacker.example";

        using var foreign = await _http.SendAsync(rebinding, Ct);

        // The listener itself answers 404 for a host none of its prefixes names; the server's own check answers 403 when it listens on every interface.
        Assert.Contains(foreign.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });
        Assert.DoesNotContain("run-a", await foreign.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_port_is_bad_input_naming_the_port()
    {
        var taken = new ViewerOptions { Port = _server!.Address.Port };

        var e = Assert.Throws<Core.BadInputException>(() => ViewerServer.Start(_catalog!, taken));

        Assert.StartsWith($"cannot listen on 127.0.0.1:{taken.Port}", e.Message, StringComparison.Ordinal);
        using var stillServing = await _http.GetAsync(new Uri(_server.Address, "api/runs"), Ct);
        Assert.Equal(HttpStatusCode.OK, stillServing.StatusCode);
    }
}

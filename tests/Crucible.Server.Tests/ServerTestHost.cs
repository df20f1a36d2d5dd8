using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crucible.Sandbox;
using Crucible.Testing;
using Crucible.Verification;
using Crucible.Verification.Repository;
using Microsoft.AspNetCore.Builder;

namespace Crucible.Server.Tests;

/// <summary>
/// A real <c>crucible serve</c> application on a free loopback port: bubblewrap sandbox, the real verifier, the examples
/// suite and the Python suite of this project. Job folders go to a temporary folder the tests can inspect.
/// </summary>
public sealed class ServerTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDirectory _jobs = new("crucible-serve-jobs");

    /// <summary>The Python suite of this test project.</summary>
    public static string PythonSuite => Path.Combine(TestPaths.RepoRoot, "tests", "Crucible.Server.Tests", "Suites", "pysuite");

    private ServerTestHost(ServerOptions options)
    {
        Options = options with { JobRoot = options.JobRoot.Length > 0 ? options.JobRoot : _jobs.Path };
        _app = ServerApp.Build(Options);
    }

    /// <summary>The options the server runs with.</summary>
    public ServerOptions Options { get; }

    /// <summary>The server's address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Where the server makes its job folders.</summary>
    public string JobRoot => Options.JobRoot;

    /// <summary>Starts a server; <paramref name="configure"/> adjusts the options (token, policy).</summary>
    public static async Task<ServerTestHost> StartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var sandbox = new BubblewrapSandbox();
        sandbox.EnsureAvailable();
        var options = new ServerOptions
        {
            Verifier = new Verifier(new VerifierOptions { Sandbox = sandbox }),
            Sandbox = sandbox,
            Suites = new Dictionary<string, string> { ["examples"] = TestPaths.Examples, ["pysuite"] = PythonSuite },
            JobRoot = "",
            Listen = "127.0.0.1:0",
            RepositoryRunner = () => new TestCommandRunner(new TestCommandRunnerOptions { Sandbox = sandbox }),
            Toolchain = () => ToolchainFingerprint.Compute(sandbox.Name),
        };
        var host = new ServerTestHost(configure?.Invoke(options) ?? options);
        await host._app.StartAsync();
        host.BaseAddress = ServerApp.Address(host._app);
        return host;
    }

    /// <summary>A client of the server, with <paramref name="token"/> as bearer token when given.</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    /// <summary>Posts <paramref name="json"/> as it is (so malformed bodies reach the server).</summary>
    public static Task<HttpResponseMessage> PostRawAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Posts <paramref name="body"/> as JSON and returns the status and parsed answer.</summary>
    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return ((int)response.StatusCode, await ReadAsync(response));
    }

    /// <summary>The JSON body of <paramref name="response"/>.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The error code of an error answer.</summary>
    public static string ErrorCode(JsonElement body) => body.GetProperty("error").GetProperty("code").GetString()!;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _jobs.Dispose();
    }
}

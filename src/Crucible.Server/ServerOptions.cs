using Crucible.Core.Sandbox;
using Crucible.Core.Verification;
using Crucible.Verification.Repository;

namespace Crucible.Server;

/// <summary>
/// What <c>crucible serve</c> and <c>crucible mcp</c> run with, built by the CLI's composition root. The verifier is the
/// one seam to the grading back end: in-process by default, a broker-backed one for scale-out.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>Grades candidates (the composition root's verifier).</summary>
    public required IVerifier Verifier { get; init; }

    /// <summary>Runs <c>run_code</c> programs and <c>git apply</c> of diffs.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>The served suites, name → folder. Default: none.</summary>
    public IReadOnlyDictionary<string, string> Suites { get; init; } = new Dictionary<string, string>();

    /// <summary>Limits. Default: <see cref="ServerPolicy.Default"/>.</summary>
    public ServerPolicy Policy { get; init; } = ServerPolicy.Default;

    /// <summary>Where per-request job folders are made. Default: a folder of this process's temporary root.</summary>
    public required string JobRoot { get; init; }

    /// <summary>The address to listen on, <c>HOST:PORT</c>. Default: <c>127.0.0.1:8080</c>.</summary>
    public string Listen { get; init; } = "127.0.0.1:8080";

    /// <summary>The bearer token every request but <c>/healthz</c> and <c>/readyz</c> must carry; null: none (loopback only).</summary>
    public string? Token { get; init; }

    /// <summary>Makes the runner of the MCP <c>verify</c> tool (a repository's test command in the sandbox); null disables that tool's runs.</summary>
    public Func<ITestCommandRunner>? RepositoryRunner { get; init; }

    /// <summary>Describes the toolchain for the repository verifier's cache key.</summary>
    public Func<string> Toolchain { get; init; } = () => "unknown";

    /// <summary>Where the repository verifier caches base results; null: no cache.</summary>
    public string? RepositoryCacheDirectory { get; init; }
}

using Crucible.Core.Sandbox;

namespace Crucible.Verification;

/// <summary>Options for <see cref="Verifier"/>. Every default is documented on its property.</summary>
public sealed record VerifierOptions
{
    /// <summary>The sandbox every build and test command goes through.</summary>
    public required ISandbox Sandbox { get; init; }

    /// <summary>
    /// Folder for reusable, harness-owned state (pre-built test templates, warm caches).
    /// Default: <c>$CRUCIBLE_CACHE</c>, else <c>$XDG_CACHE_HOME/crucible</c>, else <c>~/.cache/crucible</c>.
    /// </summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>Folder under which grading workspaces are created and deleted. Default: this process's temp folder (<see cref="Core.IO.ProcessTemp.Root"/>).</summary>
    public string WorkDirectory { get; init; } = Core.IO.ProcessTemp.Root;

    /// <summary>Keep grading workspaces after grading (for debugging). Default: false.</summary>
    public bool KeepWorkspaces { get; init; }

    /// <summary>
    /// The NuGet package folder templates restore into and graded builds read from (read-only in the
    /// sandbox). Default: <c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.
    /// </summary>
    public string NuGetPackagesDirectory { get; init; } = DefaultNuGetPackagesDirectory();

    /// <summary>Extra read-only package folders offered to restores as local sources. Default: <c>/opt/nuget/packages</c> when it exists.</summary>
    public IReadOnlyList<string> LocalPackageSources { get; init; } = DefaultLocalPackageSources();

    /// <summary>
    /// Whether the one-time preparation of a test template (a NuGet restore of harness-written project
    /// files) may use the network. Graded builds and test runs never do. Default: true.
    /// </summary>
    public bool AllowNetworkForTemplateRestore { get; init; } = true;

    /// <summary>
    /// Roslyn source generators kept in graded C# compilations (matched by assembly file name). Analyzers
    /// only report diagnostics and are dropped for speed; generators change the program and are kept
    /// when listed. Default: the regular-expression generator, used by <c>[GeneratedRegex]</c>.
    /// </summary>
    public IReadOnlyList<string> CSharpGenerators { get; init; } = ["System.Text.RegularExpressions.Generator.dll"];

    /// <summary>
    /// Whether C# attempts compile in the warm compile service (<see cref="Dotnet.RoslynCompileService"/>) instead of a
    /// sandboxed compiler process. Attempts the service cannot handle still go to the compiler process, and the verdict
    /// records which path ran. Default: true.
    /// </summary>
    public bool CSharpFastPath { get; init; } = true;

    /// <summary>
    /// Whether C# test templates are published with ReadyToRun code for their package assemblies (xunit's runner and
    /// core, the test platform, the task's packages), so the graded test process starts without JIT-compiling them.
    /// The graded program, its limits and its sandbox are unchanged; only machine code for harness-chosen package
    /// assemblies is produced ahead of time. A template whose ReadyToRun publish fails (e.g. the crossgen package cannot
    /// be restored) is built without it. Default: true.
    /// </summary>
    public bool CSharpReadyToRun { get; init; } = true;

    /// <summary>
    /// Pre-started C# test processes: each graded test process is started in the sandbox ahead of need (same command
    /// shape, mounts, network and limits), warms xunit up, and is handed exactly one compiled candidate, then exits; the
    /// test timeout starts at hand-over. A runner that cannot be used gives a fresh process, and the verdict records
    /// which ran (<see cref="Dotnet.DotnetXunitRunner.PrestartedPath"/>). Default: <see cref="Dotnet.PrestartPolicy.Default"/>
    /// (on, one spare per template and limits). Dispose the <see cref="Verifier"/> to stop the spares.
    /// </summary>
    public Dotnet.PrestartPolicy CSharpPrestart { get; init; } = Dotnet.PrestartPolicy.Default;

    /// <summary>
    /// Whether pytest loads the third-party plugins installed on the machine (its setuptools entry points). Off, pytest
    /// skips scanning every installed distribution's metadata at start-up, and grading does not depend on what happens to
    /// be installed; the result file comes from pytest's built-in JUnit XML reporter either way. Default: false.
    /// </summary>
    public bool PytestPluginAutoload { get; init; }

    /// <summary>
    /// The compile service of the fast path. Default: null, meaning one <see cref="Dotnet.RoslynCompileService"/> with
    /// <see cref="Dotnet.CompileServiceLimits.Default"/> per options instance.
    /// </summary>
    public Dotnet.ICSharpCompileService? CSharpCompileService { get; init; }

    /// <summary>The default NuGet package folder described on <see cref="NuGetPackagesDirectory"/>.</summary>
    public static string DefaultNuGetPackagesDirectory() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The default local package sources described on <see cref="LocalPackageSources"/>.</summary>
    public static IReadOnlyList<string> DefaultLocalPackageSources() => Directory.Exists("/opt/nuget/packages") ? ["/opt/nuget/packages"] : [];

    /// <summary>The default cache folder described on <see cref="CacheDirectory"/>.</summary>
    public static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("CRUCIBLE_CACHE") is { Length: > 0 } c)
        {
            return c;
        }
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "crucible");
    }
}

using System.Collections.Concurrent;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crucible.Core.Sandbox;
using Crucible.Verification.Grading;

namespace Crucible.Verification.Dotnet;

/// <summary>A pre-built, harness-owned xunit test project for one <see cref="DotnetProjectProfile"/>.</summary>
/// <param name="Directory">The template folder (read-only in graded runs).</param>
/// <param name="CompilerDll">Path of Roslyn's <c>csc.dll</c> in the SDK that built the template.</param>
/// <param name="CompileRsp">Compiler arguments without sources or output (references, generated sources, switches).</param>
/// <param name="BinDirectory">Build output whose runtime files (deps.json, runtimeconfig.json, package assemblies) each graded run copies.</param>
/// <param name="Adjustments">Package substitutions made while restoring it.</param>
/// <param name="ReadyToRun">Whether the runtime files in <paramref name="BinDirectory"/> carry ReadyToRun code (see <see cref="VerifierOptions.CSharpReadyToRun"/>).</param>
/// <param name="PlainBuildReason">Why the template was built the plain way although ReadyToRun was asked for (its publish failed here, e.g. no crossgen package), else null.</param>
public sealed record DotnetTemplate(string Directory, string CompilerDll, string CompileRsp, string BinDirectory, IReadOnlyList<string> Adjustments, bool ReadyToRun = false, string? PlainBuildReason = null)
{
    /// <summary>The assembly name of every graded test program.</summary>
    public const string AssemblyName = "CrucibleTests";
}

/// <summary>
/// Builds and caches <see cref="DotnetTemplate"/>s. A template is restored and built once per
/// profile (in the sandbox, the only step that may use the network, to fetch packages), its exact
/// compiler command line captured from MSBuild. Graded runs then call the compiler directly on the
/// candidate's sources and run the xunit executable: no restore and no MSBuild per attempt.
/// </summary>
public sealed partial class DotnetTemplateCache
{
    private const int MaxSubstitutionRounds = 4;
    private const string PublishFolder = "publish";
    private readonly ConcurrentDictionary<string, Lazy<Task<(DotnetTemplate? Template, string? Error)>>> _memo = new();
    private readonly VerifierOptions _options;

    /// <summary>Creates a cache under <see cref="VerifierOptions.CacheDirectory"/>.</summary>
    public DotnetTemplateCache(VerifierOptions options) => _options = options;

    /// <summary>Root folder of the templates.</summary>
    public string Root => Path.Combine(_options.CacheDirectory, "dotnet-templates");

    /// <summary>Returns the template for <paramref name="profile"/>, building it if needed; or the reason it cannot be built.</summary>
    public Task<(DotnetTemplate? Template, string? Error)> GetAsync(DotnetProjectProfile profile, CancellationToken cancellationToken) =>
        // Failures are memoised for the process too: a task whose packages are missing fails fast on every later attempt.
        _memo.GetOrAdd(profile.Key, _ => new Lazy<Task<(DotnetTemplate?, string?)>>(() => LoadOrBuildAsync(profile, cancellationToken))).Value;

    private async Task<(DotnetTemplate?, string?)> LoadOrBuildAsync(DotnetProjectProfile profile, CancellationToken cancellationToken)
    {
        // ReadyToRun templates live beside plain ones, never over them: a process with the other setting may be using those.
        var readyToRun = _options.CSharpReadyToRun;
        var dir = Path.Combine(Root, readyToRun ? profile.Key + "-r2r" : profile.Key);
        var readyFile = Path.Combine(dir, "ready.json");
        if (TryLoad(readyFile) is { } cached)
        {
            return (cached, null);
        }
        Directory.CreateDirectory(Root);
        // Another process may be building the same template: serialise on a lock file beside it.
        await using var lockHandle = await AcquireLockAsync(dir + ".lock", cancellationToken).ConfigureAwait(false);
        if (TryLoad(readyFile) is { } built)
        {
            return (built, null);
        }
        Workspaces.DeleteTree(dir);
        Directory.CreateDirectory(dir);
        var packages = new SortedDictionary<string, string>(DotnetProjectProfile.FrameworkPackages.Concat(profile.Packages).ToDictionary(), StringComparer.OrdinalIgnoreCase);
        List<string> adjustments = [];
        string? plainBuildReason = null;
        SandboxResult? result = null;
        for (var round = 0; round <= MaxSubstitutionRounds; round++)
        {
            WriteProject(dir, profile, packages, readyToRun);
            result = await BuildAsync(dir, readyToRun, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                // NuGet may also substitute on its own, with a warning, when only a higher version exists.
                foreach (Match m in ResolvedInsteadPattern().Matches(result.Stdout.Text + result.Stderr.Text))
                {
                    adjustments.Add($"package {m.Groups[1].Value} {m.Groups[2].Value} -> {m.Groups[3].Value}: {m.Groups[2].Value} is not on the configured NuGet sources; NuGet resolved {m.Groups[3].Value} instead");
                }
                adjustments = [.. adjustments.Distinct()];
                break;
            }
            var output = result.Stdout.Text + result.Stderr.Text;
            var missing = NearestVersionPattern().Matches(output).Select(m => (Id: m.Groups[1].Value, Nearest: m.Groups[3].Value)).DistinctBy(m => m.Id)
                .Where(m => packages.Keys.Any(k => k.Equals(m.Id, StringComparison.OrdinalIgnoreCase))).ToList();
            if (missing.Count == 0 && readyToRun && round < MaxSubstitutionRounds)
            {
                // ReadyToRun only saves start-up time: when its publish fails (no crossgen package here, an unknown
                // runtime identifier), the template is built the plain way, which every verification supports.
                readyToRun = false;
                var firstError = ErrorLinePattern().Matches(output).Select(m => Regex.Replace(m.Value.Trim(), @"\s*\[[^\]]*\.csproj\]$", "")).FirstOrDefault();
                plainBuildReason = $"the ReadyToRun publish failed here ({firstError ?? $"exit code {result.ExitCode}"}); the runtime files are the plain build's";
                Workspaces.DeleteTree(Path.Combine(dir, "obj"));
                continue;
            }
            if (missing.Count == 0 || round == MaxSubstitutionRounds)
            {
                break;
            }
            foreach (var (id, nearest) in missing)
            {
                var key = packages.Keys.First(k => k.Equals(id, StringComparison.OrdinalIgnoreCase));
                adjustments.Add($"package {key} {packages[key]} -> {nearest}: {packages[key]} is not on the configured NuGet sources; NuGet's nearest available version was used");
                packages[key] = nearest;
            }
        }
        if (result is null || !result.Succeeded)
        {
            var output = (result?.Stdout.Text ?? "") + (result?.Stderr.Text ?? "");
            var errors = ErrorLinePattern().Matches(output).Select(m => Regex.Replace(m.Value.Trim(), @"\s*\[[^\]]*\.csproj\]$", "")).Distinct().Take(8).ToList();
            return (null, $"the harness test project for this task could not be restored or built here ({string.Join("; ", errors.DefaultIfEmpty($"exit code {result?.ExitCode}"))})");
        }

        var bin = readyToRun ? Path.Combine(dir, PublishFolder) : Path.Combine(dir, "bin", "Debug", profile.TargetFramework);
        // A substituted package can restore and build yet break the test host at run time (FsCheck.Xunit.v3
        // 3.4.0 pulls xunit.v3 4.x under a 3.x runner). Run the empty harness project once so such a task is
        // a harness error naming the substitution, never a candidate failure.
        var (smoke, smokeResults) = await SmokeRunAsync(dir, bin, cancellationToken).ConfigureAwait(false);
        // An exit code of 0 proves nothing (a host missing xunit methods can report fatal errors and still exit 0):
        // the smoke run must report its one test, passed, in its result file.
        if (!smoke.Succeeded || smokeResults is not [{ Outcome: Core.Verification.TestOutcomeKind.Passed }])
        {
            var output = smoke.Stdout.Text + smoke.Stderr.Text;
            var firstError = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal)) ?? $"exit code {smoke.ExitCode}";
            var cause = adjustments.Count > 0 ? $" after {string.Join("; ", adjustments)}" : "";
            return (null, $"the harness test project for this task builds but its test host fails to start{cause} ({firstError})");
        }

        var args = File.ReadAllLines(Path.Combine(dir, "csc.args"));
        var roslyn = File.ReadAllText(Path.Combine(dir, "roslyn.path")).Trim();
        var compiler = Path.Combine(roslyn, "bincore", "csc.dll");
        if (!File.Exists(compiler))
        {
            return (null, $"the C# compiler was not found at {compiler}");
        }
        var rsp = Path.Combine(dir, "compile.rsp");
        File.WriteAllLines(rsp, CompilerArguments(args, dir));
        var template = new DotnetTemplate(dir, compiler, rsp, bin, adjustments, readyToRun, plainBuildReason);
        File.WriteAllText(readyFile, JsonSerializer.Serialize(template));
        return (template, null);
    }

    private static DotnetTemplate? TryLoad(string readyFile)
    {
        try
        {
            return File.Exists(readyFile) && JsonSerializer.Deserialize<DotnetTemplate>(File.ReadAllText(readyFile)) is { } t && File.Exists(t.CompilerDll) && File.Exists(t.CompileRsp) ? t : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<(SandboxResult Run, IReadOnlyList<Results.RawTestResult>? Results)> SmokeRunAsync(string dir, string bin, CancellationToken cancellationToken)
    {
        var policy = new SandboxPolicy
        {
            WorkspacePath = dir,
            ReadOnlyPaths = [_options.NuGetPackagesDirectory, .. Toolchains.DotnetMounts()],
            Environment = Toolchains.DotnetEnvironment(_options.NuGetPackagesDirectory),
            Limits = ResourceLimits.Default with { WallTime = TimeSpan.FromMinutes(2) },
        };
        var trx = Path.Combine(dir, "smoke.trx");
        File.Delete(trx);
        var command = new SandboxCommand(Toolchains.DotnetExe, ["exec", Path.Combine(bin, DotnetTemplate.AssemblyName + ".dll"), "-noLogo", "-noColor", "-trx", trx]);
        var run = await _options.Sandbox.ExecuteAsync(command, policy, cancellationToken).ConfigureAwait(false);
        try
        {
            return (run, Results.TestResultFiles.ReadTrx(trx));
        }
        catch (Exception e) when (e is InvalidDataException or System.Xml.XmlException)
        {
            return (run, null);
        }
    }

    private async Task<SandboxResult> BuildAsync(string dir, bool readyToRun, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_options.NuGetPackagesDirectory);
        var policy = new SandboxPolicy
        {
            WorkspacePath = dir,
            WritablePaths = [_options.NuGetPackagesDirectory],
            ReadOnlyPaths = [.. _options.LocalPackageSources, .. Toolchains.DotnetMounts()],
            AllowNetwork = _options.AllowNetworkForTemplateRestore,
            Environment = Toolchains.DotnetEnvironment(_options.NuGetPackagesDirectory),
            Limits = ResourceLimits.Default with { WallTime = TimeSpan.FromMinutes(10), CpuTime = TimeSpan.FromMinutes(20) },
        };
        // Publish (for ReadyToRun) stays in Debug, as the plain build: the candidate's compile arguments (DEBUG, no
        // optimisation) must not depend on this setting.
        var command = new SandboxCommand(Toolchains.DotnetExe, readyToRun
            ? ["publish", "Template.csproj", "-c", "Debug", "-o", PublishFolder, "-nologo", "-v:q", "-clp:NoSummary"]
            : ["build", "Template.csproj", "-nologo", "-v:q", "-clp:NoSummary"]);
        return await _options.Sandbox.ExecuteAsync(command, policy, cancellationToken).ConfigureAwait(false);
    }

    private void WriteProject(string dir, DotnetProjectProfile profile, IReadOnlyDictionary<string, string> packages, bool readyToRun)
    {
        static string X(string s) => SecurityElement.Escape(s);
        var sb = new StringBuilder();
        sb.AppendLine("<Project Sdk=\"Microsoft.NET.Sdk\">");
        sb.AppendLine("  <!-- Written by Crucible: the harness-owned test project for graded C# runs. -->");
        sb.AppendLine("  <PropertyGroup>");
        sb.AppendLine($"    <TargetFramework>{X(profile.TargetFramework)}</TargetFramework>");
        sb.AppendLine("    <OutputType>Exe</OutputType>");
        sb.AppendLine($"    <Nullable>{X(profile.Nullable)}</Nullable>");
        sb.AppendLine($"    <ImplicitUsings>{X(profile.ImplicitUsings)}</ImplicitUsings>");
        sb.AppendLine($"    <RootNamespace>{X(profile.RootNamespace)}</RootNamespace>");
        sb.AppendLine($"    <AssemblyName>{DotnetTemplate.AssemblyName}</AssemblyName>");
        if (profile.LangVersion is { } lv)
        {
            sb.AppendLine($"    <LangVersion>{X(lv)}</LangVersion>");
        }
        if (readyToRun)
        {
            // Framework-dependent (the shared runtime is already ReadyToRun); only the package assemblies are compiled ahead.
            sb.AppendLine($"    <RuntimeIdentifier>{X(System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier)}</RuntimeIdentifier>");
            sb.AppendLine("    <SelfContained>false</SelfContained>");
            sb.AppendLine("    <PublishReadyToRun>true</PublishReadyToRun>");
        }
        sb.AppendLine($"    <AllowUnsafeBlocks>{(profile.AllowUnsafeBlocks ? "true" : "false")}</AllowUnsafeBlocks>");
        sb.AppendLine("""
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <ProvideCommandLineArgs>true</ProvideCommandLineArgs>
                <UseSharedCompilation>false</UseSharedCompilation>
                <SatelliteResourceLanguages>en</SatelliteResourceLanguages>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
                <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
                <ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps>
                <RestoreLockedMode>false</RestoreLockedMode>
              </PropertyGroup>
              <ItemGroup>
            """);
        foreach (var u in profile.Usings)
        {
            if (u.StartsWith("static ", StringComparison.Ordinal))
            {
                sb.AppendLine($"    <Using Include=\"{X(u[7..])}\" Static=\"true\" />");
            }
            else if (u.Split(" = ") is [var alias, var target])
            {
                sb.AppendLine($"    <Using Include=\"{X(target)}\" Alias=\"{X(alias)}\" />");
            }
            else
            {
                sb.AppendLine($"    <Using Include=\"{X(u)}\" />");
            }
        }
        foreach (var (id, version) in packages)
        {
            sb.AppendLine($"    <PackageReference Include=\"{X(id)}\" Version=\"{X(version)}\" />");
        }
        sb.AppendLine("""
              </ItemGroup>
              <Target Name="CrucibleCaptureCompilerArguments" AfterTargets="CoreCompile">
                <WriteLinesToFile File="$(MSBuildProjectDirectory)/csc.args" Lines="@(CscCommandLineArgs)" Overwrite="true" />
                <WriteLinesToFile File="$(MSBuildProjectDirectory)/roslyn.path" Lines="$(RoslynTargetsPath)" Overwrite="true" />
              </Target>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Template.csproj"), sb.ToString());
        // Compiled once so the harness can capture the compiler's command line; its one test is the smoke run's proof that
        // the test host really runs a test (graded runs never compile this file).
        File.WriteAllText(Path.Combine(dir, "Placeholder.cs"),
            "// Compiled once so the harness can capture the compiler's command line, and run once as the test host's smoke test.\n" +
            "public sealed class CruciblePlaceholder { [global::Xunit.Fact] public void Smoke() { } }\n");
        var sources = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n");
        if (_options.AllowNetworkForTemplateRestore)
        {
            sources.AppendLine("    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" />");
        }
        for (var i = 0; i < _options.LocalPackageSources.Count; i++)
        {
            sources.AppendLine($"    <add key=\"local{i}\" value=\"{X(_options.LocalPackageSources[i])}\" />");
        }
        sources.AppendLine("  </packageSources>\n</configuration>");
        File.WriteAllText(Path.Combine(dir, "NuGet.Config"), sources.ToString());
    }

    /// <summary>
    /// Turns MSBuild's compiler arguments into a reusable response file: sources other than the
    /// template's generated ones and the output paths are removed, relative paths made absolute,
    /// and analyzers dropped unless they are listed generators.
    /// </summary>
    internal IEnumerable<string> CompilerArguments(IEnumerable<string> args, string dir)
    {
        yield return "/nologo";
        foreach (var raw in args)
        {
            var arg = raw.Trim();
            if (arg.Length == 0 || arg.StartsWith("/out:", StringComparison.Ordinal) || arg.StartsWith("/refout:", StringComparison.Ordinal) ||
                arg == "/refonly" || arg.StartsWith("/errorreport", StringComparison.Ordinal) || arg == "/noconfig")
            {
                continue;
            }
            if (arg.StartsWith("/analyzer:", StringComparison.Ordinal))
            {
                var path = Unquote(arg["/analyzer:".Length..]);
                if (_options.CSharpGenerators.Contains(Path.GetFileName(path), StringComparer.OrdinalIgnoreCase))
                {
                    yield return "/analyzer:" + Quote(Absolute(path, dir));
                }
                continue;
            }
            if (arg.StartsWith("/analyzerconfig:", StringComparison.Ordinal))
            {
                yield return "/analyzerconfig:" + Quote(Absolute(Unquote(arg["/analyzerconfig:".Length..]), dir));
                continue;
            }
            var unquoted = Unquote(arg);
            if (unquoted.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) && !OptionPattern().IsMatch(unquoted))
            {
                if (Path.GetFileName(unquoted) != "Placeholder.cs")
                {
                    yield return Quote(Absolute(unquoted, dir));
                }
                continue;
            }
            yield return arg;
        }
    }

    private static string Absolute(string path, string dir) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(dir, path));

    private static string Unquote(string s) => s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1] : s;

    private static string Quote(string s) => s.Contains(' ') ? $"\"{s}\"" : s;

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex(@"NU1102: Unable to find package ([\w.\-]+) with version \(([^)]*)\)[\s\S]*?Nearest version: ([\w.\-]+)")]
    private static partial Regex NearestVersionPattern();

    [GeneratedRegex(@"NU1603: \S+ depends on ([\w.\-]+) \(>= ([\w.\-]+)\) but .*? was not found\. (?:An approximate best match of )?[\w.\-]+ ([\w.\-]+) was resolved")]
    private static partial Regex ResolvedInsteadPattern();

    [GeneratedRegex(@"(?m)\berror [A-Z]+\d+:.*$")]
    private static partial Regex ErrorLinePattern();

    [GeneratedRegex(@"^/[A-Za-z]+[:+\-]")]
    private static partial Regex OptionPattern();
}

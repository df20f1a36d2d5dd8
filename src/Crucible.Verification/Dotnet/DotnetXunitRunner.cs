using System.Diagnostics;
using System.Text.RegularExpressions;
using Crucible.Core.Sandbox;
using Crucible.Core.Tasks;
using Crucible.Core.Verification;
using Crucible.Verification.Grading;
using Crucible.Verification.Results;

namespace Crucible.Verification.Dotnet;

/// <summary>
/// Grades C# tasks with xunit v3. The fast path: a pre-built harness template per project profile,
/// one direct compiler call on the candidate's sources plus the canaries, then the xunit executable
/// writing a TRX file to a harness-chosen path. Both steps run in the sandbox without network.
/// </summary>
public sealed partial class DotnetXunitRunner : ITestRunner, IAsyncDisposable
{
    /// <summary>
    /// The <see cref="Verdict.VerificationPath"/> of an attempt compiled by the warm compile service and run by a pre-started
    /// test process (see <see cref="VerifierOptions.CSharpPrestart"/>).
    /// </summary>
    public const string PrestartedPath = "fast-prestarted";

    /// <summary>The <see cref="Verdict.VerificationPath"/> of an attempt compiled by a compiler process and run by a pre-started test process.</summary>
    public const string CompilerProcessPrestartedPath = "compiler-process-prestarted";

    /// <summary>The <see cref="Verdict.VerificationPath"/> of an attempt compiled by the warm compile service.</summary>
    public const string CompileServicePath = "compile-service";

    /// <summary>The <see cref="Verdict.VerificationPath"/> of an attempt compiled by a sandboxed compiler process.</summary>
    public const string CompilerProcessPath = "compiler-process";

    private readonly ConditionalWeakTableCache _caches = new();
    private readonly CompileServices _services = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<VerifierOptions, PrestartedRunnerPool> _pools = new();

    /// <inheritdoc />
    public string Kind => RunnerKinds.DotnetXunit;

    /// <inheritdoc />
    public IReadOnlyList<ExpectedTest> Discover(TaskSpec task) =>
        [.. task.TestFiles
            .Where(f => f.Path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
            .SelectMany(f => CSharpTestSource.Discover(System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(f)), f.Path))
            .Select(t => new ExpectedTest(t.FullName, t.Cases))];

    /// <inheritdoc />
    public (string Pass, string Fail) CanaryNames(RunContext context)
    {
        var cls = $"CrucibleCanary_{context.Canaries.Id}.Canary_{context.Canaries.Id}";
        return ($"{cls}.Passes_{context.Canaries.Id}", $"{cls}.Fails_{context.Canaries.Id}");
    }

    /// <inheritdoc />
    public string TestKey(string reportedName)
    {
        // Theory cases are reported as "Ns.Class.Method(arg: value, ...)".
        var paren = reportedName.IndexOf('(', StringComparison.Ordinal);
        return paren < 0 ? reportedName : reportedName[..paren];
    }

    /// <summary>Reads the project profile of a task from its pristine project file (never the candidate's).</summary>
    public static DotnetProjectProfile ProfileOf(TaskSpec task)
    {
        var csproj = task.StartingFiles.FirstOrDefault(f => task.Runner.Settings.TryGetValue("csproj", out var p) ? f.Path == p : f.Path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase));
        var notes = new List<string>();
        var profile = csproj is null
            ? new DotnetProjectProfile()
            : DotnetProjectProfile.FromCsproj(System.Text.Encoding.UTF8.GetString(Workspaces.ReadTaskFile(csproj)), PackageSubstitutions.Default, notes);
        var packages = new SortedDictionary<string, string>(profile.Packages.ToDictionary(), StringComparer.OrdinalIgnoreCase);
        foreach (var (id, version) in task.Runner.Packages.Where(p => !DotnetProjectProfile.VsTestOnlyPackages.Contains(p.Key)))
        {
            packages[id] = version;
        }
        return profile with { Packages = packages };
    }

    /// <inheritdoc />
    public async ValueTask<GradingSlot?> ReserveSlotAsync(TaskSpec task, VerifierOptions options, CancellationToken cancellationToken)
    {
        // The pre-started path goes with the fast path (the compile service): turning the fast path off gives today's
        // compiler process and fresh test process, the reference the equivalence sweep compares against.
        if (!options.CSharpPrestart.Enabled || !options.CSharpFastPath)
        {
            return null;
        }
        var (template, _) = await _caches.For(options).GetAsync(ProfileOf(task), cancellationToken).ConfigureAwait(false);
        if (template is null || await PrestartArtifacts.ForAsync(template, options.CSharpPrestart).ConfigureAwait(false) is not ({ } artifacts, _))
        {
            return null;
        }
        var pool = _pools.GetValue(options, _ => new PrestartedRunnerPool());
        return pool.Take(task, options, template, artifacts, options.CSharpPrestart)?.Slot;
    }

    /// <summary>Stops the pre-started runners of every options instance this runner served.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, pool) in _pools)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<RunOutcome> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var profile = ProfileOf(context.Task);
        DotnetTemplate? template;
        string? error;
        using (VerificationStages.Start(VerificationStages.Template))
        {
            (template, error) = await _caches.For(context.Options).GetAsync(profile, cancellationToken).ConfigureAwait(false);
        }
        if (template is null)
        {
            return new RunOutcome { Build = new BuildOutcome(false, TimeSpan.Zero, error ?? ""), CleanExitCode = RunOutcomes.TestFailedExit, HarnessError = error };
        }

        var harness = context.HarnessDir;
        var outDir = Path.Combine(harness, "out");
        var resultsDir = Path.Combine(harness, Canaries.RandomHex(4));
        Directory.CreateDirectory(outDir);
        Directory.CreateDirectory(resultsDir);
        File.WriteAllText(Path.Combine(harness, "Canary.cs"), CanarySource(context.Canaries));

        var prestarted = context.Slot?.Lease as PrestartedRunner;
        if (prestarted is null)
        {
            using (VerificationStages.Start(VerificationStages.RuntimeFiles))
            {
                CopyRuntimeFiles(template.BinDirectory, outDir);
            }
        }

        var sourceFiles = Directory.EnumerateFiles(context.GradingDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Tasks.NativeTaskSource.IsBuildOutput(Path.GetRelativePath(context.GradingDir, f).Replace('\\', '/')) &&
                        !f.StartsWith(harness + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Append(Path.Combine(harness, "Canary.cs"))
            .ToList();
        var sources = sourceFiles.Select(f => "\"" + context.InSandbox(f) + "\"");
        var attemptRsp = Path.Combine(harness, "sources.rsp");
        File.WriteAllLines(attemptRsp, sources.Prepend($"/out:\"{context.InSandbox(Path.Combine(outDir, DotnetTemplate.AssemblyName + ".dll"))}\""));

        var env = Toolchains.DotnetEnvironment();
        var assembly = Path.Combine(outDir, DotnetTemplate.AssemblyName + ".dll");
        var buildClock = Stopwatch.StartNew();
        var compileSpan = VerificationStages.Start(VerificationStages.Compile);
        string path = CompilerProcessPath;
        string? fallback = null;
        string compilerOutput;
        IReadOnlyList<LimitKind> compileLimits;
        bool compiled;
        CompileResult? service = null;
        if (context.Options.CSharpFastPath)
        {
            var request = new CompileRequest(
                CompileBasis.Of(template), [.. sourceFiles.Select(f => (f, context.InSandbox(f)))], assembly, context.InSandbox(assembly),
                context.Task.Limits.BuildTimeout, context.Task.Limits.Resources.MemoryBytes);
            try
            {
                service = await _services.For(context.Options).CompileAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A failing service never fails the attempt: the compiler process grades it, and the verdict says why.
                service = CompileResult.Fallback($"the compile service failed ({e.GetType().Name}: {e.Message})");
            }
            fallback = service.Kind == CompileResultKind.Fallback ? service.Reason : null;
        }
        if (service is { Kind: not CompileResultKind.Fallback })
        {
            path = CompileServicePath;
            // The same text the compiler process prints: one diagnostic a line (its limit reason when it was stopped).
            compilerOutput = service.Kind == CompileResultKind.LimitHit ? $"crucible: {service.Reason}\n" : string.Concat(service.Diagnostics.Select(d => d + "\n"));
            compileLimits = service.Limit is { } l ? [l] : [];
            compiled = service.Succeeded;
        }
        else
        {
            var compile = await context.Sandbox.ExecuteAsync(
                new SandboxCommand(Toolchains.DotnetExe, ["exec", template.CompilerDll, "@" + template.CompileRsp, "@" + context.InSandbox(attemptRsp)]),
                Toolchains.GradingPolicy(context, context.Task.Limits.BuildTimeout, env, [template.Directory, context.Options.NuGetPackagesDirectory, .. Toolchains.DotnetMounts()]),
                cancellationToken).ConfigureAwait(false);
            compilerOutput = compile.Stdout.Text + compile.Stderr.Text;
            compileLimits = compile.LimitsHit;
            compiled = compile.Succeeded;
        }
        compileSpan?.Dispose();
        var diagnostics = DiagnosticPattern().Matches(compilerOutput)
            .Select(m => context.WithoutMountDir(m.Value.Trim()))
            .Distinct().Take(200).ToList();
        var built = compiled && File.Exists(assembly);
        var build = new BuildOutcome(
            built, buildClock.Elapsed, context.WithoutMountDir(compilerOutput),
            diagnostics.Count(d => d.Contains(": error ", StringComparison.Ordinal)),
            diagnostics.Count(d => d.Contains(": warning ", StringComparison.Ordinal)))
        { Diagnostics = diagnostics };
        if (!built)
        {
            return RunOutcomes.BuildFailed(build, compileLimits) with { Adjustments = template.Adjustments, Path = path, FallbackReason = fallback };
        }

        var trx = Path.Combine(resultsDir, $"{Canaries.RandomHex(6)}.trx");
        var runSpan = VerificationStages.Start(VerificationStages.TestProcess);
        // The same program and arguments either way: a pre-started process calls the assembly's own entry point with them.
        string[] testArgs = ["-noLogo", "-noColor", "-trx", context.InSandbox(trx)];
        SandboxResult? run = null;
        if (prestarted is not null)
        {
            string? reason;
            (run, reason) = await prestarted.HandOverAsync(context.InSandbox(assembly), testArgs, context.Task.Limits.Resources.CpuTime, context.Task.Limits.TestTimeout, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                fallback = fallback is null ? reason : $"{fallback}; {reason}";
            }
            else
            {
                path = path == CompileServicePath ? PrestartedPath : CompilerProcessPrestartedPath;
            }
        }
        run ??= await context.Sandbox.ExecuteAsync(
            new SandboxCommand(Toolchains.DotnetExe, ["exec", context.InSandbox(assembly), .. testArgs])
            {
                WorkingDirectory = ".",
            },
            Toolchains.GradingPolicy(context, context.Task.Limits.TestTimeout, env, Toolchains.DotnetMounts()),
            cancellationToken).ConfigureAwait(false);
        runSpan?.Dispose();

        return RunOutcomes.FromTestRun(context, build, run, () => TestResultFiles.ReadTrx(trx)) with
        {
            LimitHits = [.. compileLimits.Where(l => l == LimitKind.Output), .. run.LimitsHit],
            Adjustments = template.Adjustments,
            Path = path,
            FallbackReason = fallback,
        };
    }

    /// <summary>
    /// Copies the template's runtime files (deps.json, runtimeconfig.json, package assemblies), never links them: the graded
    /// program may write to its own folder, and must not be able to reach the cache.
    /// </summary>
    internal static void CopyRuntimeFiles(string binDirectory, string outDir)
    {
        foreach (var file in Directory.EnumerateFiles(binDirectory))
        {
            var name = Path.GetFileName(file);
            if (!name.StartsWith(DotnetTemplate.AssemblyName + ".dll", StringComparison.Ordinal) && !name.StartsWith(DotnetTemplate.AssemblyName + ".pdb", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(outDir, name));
            }
        }
    }

    /// <summary>The canary test class (C#), named from the run's random id.</summary>
    internal static string CanarySource(Canaries c) => $$"""
        // Harness canaries: one must pass, one must fail with the nonce. Any other report means the results were forged.
        namespace CrucibleCanary_{{c.Id}}
        {
            public sealed class Canary_{{c.Id}}
            {
                [global::Xunit.Fact]
                public void Passes_{{c.Id}}() => global::Xunit.Assert.Equal(4, global::System.Math.Abs(-4));

                [global::Xunit.Fact]
                public void Fails_{{c.Id}}() => global::Xunit.Assert.Fail("{{c.Nonce}}");
            }
        }

        """;

    [GeneratedRegex(@"(?m)^.*\b(error|warning) [A-Z]+\d+:.*$")]
    private static partial Regex DiagnosticPattern();

    /// <summary>One compile service per options instance (the options' own, else a Roslyn service).</summary>
    private sealed class CompileServices
    {
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<VerifierOptions, ICSharpCompileService> _table = new();

        public ICSharpCompileService For(VerifierOptions options) =>
            options.CSharpCompileService ?? _table.GetValue(options, o => new RoslynCompileService(CompileServiceLimits.Default, o.CSharpGenerators));
    }

    /// <summary>One template cache per options instance.</summary>
    private sealed class ConditionalWeakTableCache
    {
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<VerifierOptions, DotnetTemplateCache> _table = new();

        public DotnetTemplateCache For(VerifierOptions options) => _table.GetValue(options, o => new DotnetTemplateCache(o));
    }
}
